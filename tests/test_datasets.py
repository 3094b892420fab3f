import gc
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from _fixtures import write_classic_csv, write_idx, write_image_folders, write_split_csv
from sklearn_fer import EMOTIONS
from sklearn_fer.datasets import (
    detect_layout,
    load_fer2013,
    load_mnist,
    make_synthetic_faces,
    official_split,
    parse_pixel_strings,
)
from sklearn_fer.datasets import _fer2013

USAGES = np.array(["Training"] * 8 + ["PublicTest"] * 3 + ["PrivateTest"] * 3)


@pytest.fixture
def small(rng):
    images = rng.integers(0, 256, size=(14, 48, 48), dtype=np.uint8)
    labels = np.arange(14) % 7
    return images, labels


def test_classic_csv_roundtrip_and_usage_filter(tmp_path, small):
    images, labels = small
    path = write_classic_csv(tmp_path / "fer2013.csv", images, labels, USAGES)
    fer = load_fer2013(path, progress=False)
    np.testing.assert_array_equal(fer.images, images)
    np.testing.assert_array_equal(fer.data, images.reshape(14, -1))
    np.testing.assert_array_equal(fer.target, labels)
    np.testing.assert_array_equal(fer.usage, USAGES)
    assert list(fer.target_names) == list(EMOTIONS)
    assert fer.images.dtype == np.uint8 and "FER2013" in fer.DESCR
    private = load_fer2013(tmp_path, usage="PrivateTest", progress=False)  # folder holding fer2013.csv
    np.testing.assert_array_equal(private.images, images[USAGES == "PrivateTest"])
    X, y = load_fer2013(path, usage=["Training", "PublicTest"], return_X_y=True, progress=False)
    assert X.shape == (11, 2304) and y.shape == (11,)


def test_per_split_csvs_take_usage_from_file_names(tmp_path, small):
    images, labels = small
    write_split_csv(tmp_path / "Train_Data.csv", images[:8], labels[:8])
    write_split_csv(tmp_path / "Validation_Data.csv", images[8:11], labels[8:11])
    write_split_csv(tmp_path / "Test_Data.csv", images[11:], labels[11:])
    fer = load_fer2013(tmp_path, progress=False)
    assert sorted(fer.usage.tolist()) == sorted(USAGES.tolist())
    np.testing.assert_array_equal(load_fer2013(tmp_path, usage="PublicTest", progress=False).images, images[8:11])
    single = load_fer2013(tmp_path / "Test_Data.csv", progress=False)
    assert set(single.usage) == {"PrivateTest"}


def test_per_split_csv_usage_can_be_given(tmp_path, small):
    images, labels = small
    path = write_split_csv(tmp_path / "mine.csv", images, labels)
    with pytest.raises(ValueError, match="mine.csv.*split_usage"):
        load_fer2013(path, progress=False)
    assert set(load_fer2013(path, split_usage="PublicTest", progress=False).usage) == {"PublicTest"}
    assert set(load_fer2013(path, split_usage={"mine.csv": "Training"}, progress=False).usage) == {"Training"}


def test_image_folders_recover_official_split_from_prefixes(tmp_path, small):
    images, labels = small
    write_image_folders(tmp_path, images, labels, USAGES)
    assert detect_layout(tmp_path)[0] == "folder"
    fer = load_fer2013(tmp_path, progress=False)
    order = np.argsort([f.rsplit("_", 1)[-1] for f in fer.filenames])
    np.testing.assert_array_equal(fer.images[order], images)
    np.testing.assert_array_equal(fer.target[order], labels)
    np.testing.assert_array_equal(fer.usage[order], USAGES)
    assert (load_fer2013(tmp_path, usage="PrivateTest", progress=False).usage == "PrivateTest").sum() == 3


def test_image_folders_without_prefixes_use_folder_names(tmp_path, small):
    images, labels = small
    write_image_folders(tmp_path, images, labels, USAGES, prefixes=False)
    fer = load_fer2013(tmp_path, progress=False)
    assert (fer.usage == "Training").sum() == 8 and (fer.usage == "PublicTest").sum() == 6


def test_second_load_comes_from_the_cache(tmp_path, small, monkeypatch):
    images, labels = small
    write_image_folders(tmp_path / "data", images, labels, USAGES)
    first = load_fer2013(tmp_path / "data", progress=False)
    calls = []

    def reader(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("the reader ran")

    monkeypatch.setitem(_fer2013._READERS, "folder", reader)
    second = load_fer2013(tmp_path / "data", progress=False)
    assert calls == [] and np.array_equal(first.images, second.images)
    # A file rewritten in place (same name, same folder listing) invalidates the cache, and so does a new file.
    rewritten = next((tmp_path / "data" / "train").rglob("*.png"))
    os.utime(rewritten, ns=(rewritten.stat().st_atime_ns, rewritten.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(RuntimeError, match="the reader ran"):  # no stale cache hit
        load_fer2013(tmp_path / "data", progress=False)
    (tmp_path / "data" / "train" / "angry" / "Training_99999.png").write_bytes(b"")
    with pytest.raises(RuntimeError, match="the reader ran"):
        load_fer2013(tmp_path / "data", progress=False)


def test_a_one_split_emotion_folder_loads(tmp_path, small):
    images, labels = small
    write_image_folders(tmp_path / "kaggle", images, labels, USAGES)
    one_split = tmp_path / "kaggle" / "test"  # test/<emotion>/PublicTest_*.png, PrivateTest_*.png
    fer = load_fer2013(one_split, progress=False)
    assert sorted(set(fer.usage)) == ["PrivateTest", "PublicTest"] and len(fer.target) == 6
    write_image_folders(tmp_path / "plain", images[:4], labels[:4], ["Training"] * 4, prefixes=False)
    plain = (tmp_path / "plain" / "train").rename(tmp_path / "my_faces")  # <emotion>/img_*.png: nothing says the split
    with pytest.raises(ValueError, match=r"img_00000\.png: the file name does not say its split.*split_usage='Training'"):
        load_fer2013(plain, progress=False)
    fer = load_fer2013(plain, split_usage="PrivateTest", progress=False)
    assert list(fer.usage) == ["PrivateTest"] * 4
    np.testing.assert_array_equal(np.sort(fer.target), np.sort(labels[:4]))


def test_cached_loads_warn_about_skipped_rows_again(tmp_path, small):
    images, labels = small
    good = " ".join(["5"] * 2304)
    csv = tmp_path / "fer2013.csv"
    csv.write_text(f"emotion,pixels,Usage\n0,{good},Training\n9,{good},Training\n1,{good},PublicTest\n")
    write_image_folders(tmp_path / "folders", images[:3], labels[:3], ["Training"] * 3)
    next((tmp_path / "folders").rglob("*.png")).write_bytes(b"broken")
    for source, message in ((csv, r"skipped 1 bad row\(s\).*rows 1"), (tmp_path / "folders", r"skipped 1 bad image")):
        for load in ("parsed", "cached"):
            with pytest.warns(UserWarning, match=message):
                fer = load_fer2013(source, on_bad_rows="skip", progress=False)
            assert len(fer.target) == 2, load


def test_pixel_parsing_is_exact_and_vectorised():
    strings = ["0 1 2 255", "  10\t20 30 40 ", "7 8 9 100"]
    np.testing.assert_array_equal(
        parse_pixel_strings(strings, n_pixels=4), [[0, 1, 2, 255], [10, 20, 30, 40], [7, 8, 9, 100]]
    )


@pytest.mark.parametrize(
    "row, message",
    [
        ("3," + " ".join(["1"] * 2303), "row 1 .*expected 2304 pixel values, found 2303"),
        ("3," + " ".join(["1"] * 2303 + ["x"]), "row 1 .*integers 0-255.*'x'"),
        ("3," + " ".join(["1"] * 2303 + ["1.5"]), "row 1 .*integers 0-255.*'.'"),
        ("3," + " ".join(["1"] * 2303 + ["-4"]), "row 1 .*integers 0-255.*'-'"),
        ("3," + " ".join(["1"] * 2303 + ["256"]), "row 1 .*pixel value 256 outside 0-255"),
        ("7," + " ".join(["1"] * 2304), "row 1 .*emotion label must be an integer 0-6, found '7'"),
        ("a," + " ".join(["1"] * 2304), "row 1 .*emotion label must be an integer 0-6, found 'a'"),
    ],
)
def test_bad_csv_rows_name_file_row_and_expectation(tmp_path, row, message):
    good = "0," + " ".join(["5"] * 2304)
    path = tmp_path / "Train_Data.csv"
    path.write_text("emotion,pixels\n" + good + "\n" + row + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(ValueError, match=f"Train_Data.csv: {message}"):
            load_fer2013(path, progress=False)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], "the error must close the file it was reading"
    with pytest.warns(UserWarning, match="skipped 1 bad row"):
        fer = load_fer2013(path, on_bad_rows="skip", progress=False)
    assert len(fer.target) == 1 and fer.target[0] == 0


def _detailed(source, **options):
    """The detailed (row by row validated) parse of a CSV, bypassing the fast path."""
    from unittest import mock

    with mock.patch.object(_fer2013, "read_clean_csv", return_value=None):
        return _fer2013._read_csv(source, options.get("split_usage"), "raise", False)


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("block_bytes", [1 << 20, 30_000])  # one block, and blocks cutting rows apart
def test_the_fast_csv_path_equals_the_detailed_one(tmp_path, rng, quoted, block_bytes):
    from sklearn_fer.datasets._csv_fast import read_clean_csv

    images = rng.integers(0, 256, size=(30, 48, 48), dtype=np.uint8)
    images[0] = 0  # single digits
    images[1] = 255  # three digits
    labels, usages = np.arange(30) % 7, np.array(["Training", "PublicTest", "PrivateTest"] * 10)
    path = write_classic_csv(tmp_path / "fer2013.csv", images, labels, usages)
    if quoted:
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0]] + [f'{a},"{b}",{c}' for a, b, c in (line.split(",") for line in lines[1:])]) + "\n")
    fast = read_clean_csv(path, has_usage=True, block_bytes=block_bytes)
    detailed = _detailed(path)
    assert fast is not None
    for key in ("images", "target", "usage"):
        np.testing.assert_array_equal(fast[key], detailed[key])
    np.testing.assert_array_equal(fast["images"], images)
    split = write_split_csv(tmp_path / "train.csv", images, labels)
    fast = read_clean_csv(split, has_usage=False, fixed_usage="Training", block_bytes=block_bytes)
    np.testing.assert_array_equal(fast["images"], images)
    assert (fast["usage"] == "Training").all()


@pytest.mark.parametrize(
    "edit, fast",
    [
        (lambda text: text.replace("\n", "\r\n"), False),  # CRLF
        (lambda text: text + "\n", False),  # a blank line
        (lambda text: text.replace(",Training", ", Training", 1), False),  # a space after a comma
        (lambda text: text.replace(" 7 ", " 07 ", 1), True),  # a leading zero: the same value either way
    ],
)
def test_csvs_off_the_fast_path_load_the_same(tmp_path, rng, edit, fast):
    from sklearn_fer.datasets._csv_fast import read_clean_csv

    images = rng.integers(0, 256, size=(6, 48, 48), dtype=np.uint8)
    images[:, 0, 1] = 7
    path = write_classic_csv(tmp_path / "fer2013.csv", images, np.arange(6), ["Training"] * 6)
    path.write_text(edit(path.read_text()))
    assert (read_clean_csv(path, has_usage=True) is not None) == fast
    np.testing.assert_array_equal(load_fer2013(path, progress=False, cache=False).images, images)


def test_bad_usage_value_missing_column_and_empty_file(tmp_path):
    pixels = " ".join(["5"] * 2304)
    bad_usage = tmp_path / "fer2013.csv"
    bad_usage.write_text(f"emotion,pixels,Usage\n0,{pixels},Training\n1,{pixels},Validation\n")
    with pytest.raises(ValueError, match="row 1 .*Usage must be one of"):
        load_fer2013(bad_usage, progress=False)
    missing = tmp_path / "missing.csv"
    missing.write_text(f"label,pixels\n0,{pixels}\n")
    with pytest.raises(ValueError, match="missing.csv: missing column.*emotion"):
        load_fer2013(missing, progress=False)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty.csv: the file is empty"):
        load_fer2013(empty, progress=False)
    header_only = tmp_path / "train.csv"
    header_only.write_text("emotion,pixels\n")
    with pytest.raises(ValueError, match="train.csv: the file has a header but no rows"):
        load_fer2013(header_only, progress=False)


def test_bad_images_are_reported_or_skipped(tmp_path, small):
    images, labels = small
    write_image_folders(tmp_path, images[:3], labels[:3], ["Training"] * 3)
    broken = tmp_path / "train" / "happy" / "Training_broken.jpg"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="Training_broken.jpg: unreadable image"):
        load_fer2013(tmp_path, progress=False)
    with pytest.warns(UserWarning, match="skipped 1 bad image"):
        assert len(load_fer2013(tmp_path, on_bad_rows="skip", progress=False).target) == 3
    broken.unlink()
    big = tmp_path / "train" / "sad" / "Training_big.png"
    big.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((64, 60), dtype=np.uint8)).convert("RGB").save(big)
    with pytest.raises(ValueError, match="Training_big.png: image is 60x64, expected 48x48"):
        load_fer2013(tmp_path, progress=False)
    fer = load_fer2013(tmp_path, resize=True, progress=False)
    assert fer.images.shape == (4, 48, 48)


def test_unknown_layouts_and_paths(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_fer2013(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="unrecognised FER2013 layout"):
        load_fer2013(tmp_path)
    with pytest.raises(ValueError, match="unrecognised FER2013 file"):
        load_fer2013(tmp_path / "notes.txt")
    (tmp_path / "train" / "smug").mkdir(parents=True)
    with pytest.raises(ValueError, match="unknown emotion folder 'smug'"):
        load_fer2013(tmp_path)
    with pytest.raises(ValueError, match="usage must be one of"):
        load_fer2013(tmp_path, usage="Validation")


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_idx(tmp_path, rng, compress):
    images = rng.integers(0, 256, (5, 28, 28))
    labels = np.array([3, 1, 4, 1, 5])
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, compress)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, compress)
    mnist = load_mnist(tmp_path)
    np.testing.assert_array_equal(mnist.images, images)
    np.testing.assert_array_equal(mnist.target, labels)
    X, y = load_mnist(tmp_path / f"t10k-images-idx3-ubyte{suffix}", return_X_y=True)
    assert X.shape == (5, 784)
    (tmp_path / f"t10k-labels-idx1-ubyte{suffix}").write_bytes(b"garbage!")
    with pytest.raises(ValueError, match="labels-idx1-ubyte.*(not an unsigned-byte IDX file|cannot read IDX file)"):
        load_mnist(tmp_path)


def test_synthetic_faces_are_balanced_reproducible_and_not_trivial(faces):
    from sklearn.linear_model import RidgeClassifier
    from sklearn.model_selection import cross_val_score

    assert faces.images.shape == (490, 48, 48) and faces.images.dtype == np.uint8
    assert np.bincount(faces.target).tolist() == [70] * 7
    assert "synthetic" in faces.DESCR.lower()
    again = make_synthetic_faces(490, random_state=0)
    np.testing.assert_array_equal(faces.images, again.images)
    # A linear model learns something but not everything (a ridge classifier: ~1 s, where a
    # 100-iteration logistic regression took a minute of CPU next to a training network).
    linear = cross_val_score(RidgeClassifier(alpha=1.0), faces.data / 255.0, faces.target, cv=3).mean()
    assert 1 / 7 + 0.1 < linear < 0.9


def test_official_split_fits_on_training_and_selects_on_publictest():
    usage = np.array(["Training", "Training", "PublicTest", "Training", "PublicTest"])
    (train, test), = official_split(usage).split()
    assert train.tolist() == [0, 1, 3] and test.tolist() == [2, 4]
    with pytest.raises(ValueError, match="other than"):
        official_split(np.append(usage, "PrivateTest"))
    with pytest.raises(ValueError, match="no sample has usage 'PublicTest'"):
        official_split(["Training"])


@pytest.mark.parametrize("quality", [50, 95])
def test_jpeg_folders_decode_to_the_pixels_pil_gives(tmp_path, small, quality):
    """Gray 48x48 JPEGs (FER2013's files) take the libjpeg-turbo fast path; colour, other sizes and PNGs
    take PIL's; all load to what PIL decodes."""
    from sklearn_fer._decoding import decode_gray_jpeg

    images, labels = small
    usages = np.where(np.arange(len(labels)) % 2, "Training", "PublicTest")
    root = write_image_folders(tmp_path / "jpg", images, labels, usages, suffix=".jpg")
    colour = root / "train" / "angry" / "Training_rgb.jpg"
    Image.fromarray(np.stack([images[0], images[1], images[2]], axis=-1)).save(colour, quality=quality)
    big = root / "train" / "angry" / "Training_big.jpg"
    Image.fromarray(np.kron(images[1], np.ones((2, 2))).astype(np.uint8)).save(big, quality=quality)
    fer = load_fer2013(root, cache=False, resize=True, progress=False)
    for file, image in zip(fer.filenames, fer.images):
        with Image.open(file) as opened:
            expected = opened.convert("L")
            if expected.size != (48, 48):
                expected = expected.resize((48, 48), Image.Resampling.BILINEAR)
        np.testing.assert_array_equal(image, np.asarray(expected), err_msg=file)
    fast = [decode_gray_jpeg(open(file, "rb").read()) is not None for file in fer.filenames]
    assert len(fast) == len(labels) + 2 and sum(fast) == len(labels), "only the gray 48x48 JPEGs take the fast path"


def test_worker_processes_decode_what_this_process_decodes(tmp_path, small, monkeypatch):
    """Big folders decode in worker processes (here: from 4 files a worker); the arrays, the named errors
    and the skip warnings are those of the in-process decoder."""
    from sklearn_fer import _decoding

    images, labels = small
    usages = np.where(np.arange(len(labels)) % 2, "Training", "PublicTest")
    root = write_image_folders(tmp_path / "faces", images, labels, usages, suffix=".jpg")
    here = load_fer2013(root, cache=False, progress=False)
    started = []
    start_worker = _decoding._start_worker
    monkeypatch.setattr(_decoding, "_start_worker", lambda *a: started.append(1) or start_worker(*a))
    monkeypatch.setattr(_decoding, "MIN_FILES_PER_WORKER", 4)
    for n_jobs in (2, 3):
        spread = load_fer2013(root, cache=False, progress=True, n_jobs=n_jobs)
        for name in ("images", "target", "usage", "filenames"):
            np.testing.assert_array_equal(spread[name], here[name], err_msg=name)
    assert len(started) == 5
    (root / "train" / "fear" / "Training_broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(ValueError, match="Training_broken.jpg: unreadable image"):
        load_fer2013(root, cache=False, progress=False, n_jobs=2)
    with pytest.warns(UserWarning, match=r"skipped 1 bad image.*Training_broken.jpg"):
        assert len(load_fer2013(root, on_bad_rows="skip", cache=False, progress=False, n_jobs=2).target) == len(labels)


def test_a_failing_worker_is_reported_with_its_error_output(tmp_path, small, monkeypatch):
    from sklearn_fer import _decoding

    images, labels = small
    root = write_image_folders(tmp_path / "faces", images, labels, ["Training"] * len(labels), suffix=".jpg")
    monkeypatch.setattr(_decoding, "MIN_FILES_PER_WORKER", 4)
    monkeypatch.setattr(_decoding, "_WORKER_CODE", "import sys; sys.exit('decoder exploded')")
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(_decoding, "_scratch_folder", lambda: str(tmp_path / "scratch"))
    with pytest.raises(RuntimeError, match=r"an image-decoding worker failed \(exit code 1\):\ndecoder exploded"):
        load_fer2013(root, cache=False, progress=False, n_jobs=2)
    assert list((tmp_path / "scratch").iterdir()) == []  # the shared pixel file is removed
