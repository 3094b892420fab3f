"""Loading FER2013 from every layout users actually have.

Supported layouts (detected automatically):

1. the classic Kaggle CSV ``fer2013.csv`` with columns ``emotion,pixels,Usage``;
2. per-split CSVs with columns ``emotion,pixels`` (``Train_Data.csv``, ...);
3. the Kaggle image-folder layout ``train/<emotion>/*.jpg``, ``test/<emotion>/*.jpg``.
"""

import hashlib
import os
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._constants import EMOTIONS, IMAGE_SHAPE, USAGES
from .._decoding import decode_files, decode_in_workers, worker_count
from ._cache import cache_path
from ._csv_fast import read_clean_csv
from ._pixels import find_bad_pixel_rows

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".gif", ".tif", ".tiff"}
_CSV_CHUNK_ROWS = 4096
_CACHE_VERSION = "3"

# Split folder / file names users have, mapped to the official usage.
_SPLIT_ALIASES = {
    "train": "Training",
    "training": "Training",
    "val": "PublicTest",
    "valid": "PublicTest",
    "validation": "PublicTest",
    "publictest": "PublicTest",
    "public": "PublicTest",
    "test": "PublicTest",
    "privatetest": "PrivateTest",
    "private": "PrivateTest",
}
# The baseline report's per-split CSVs name the held-out test set "Test".
_CSV_SPLIT_ALIASES = {**_SPLIT_ALIASES, "test": "PrivateTest"}
_FILE_PREFIX = re.compile(r"^(Training|PublicTest|PrivateTest)_", re.IGNORECASE)

DESCR = """\
FER2013 facial expression data set
----------------------------------
48x48 grayscale face images labelled with one of 7 emotions:
0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral.
Official splits (``usage``): Training (28,709), PublicTest (3,589), PrivateTest (3,589).

Goodfellow et al., "Challenges in Representation Learning: A report on three
machine learning contests", ICONIP 2013.
"""


def load_fer2013(
    path,
    *,
    usage=None,
    split_usage=None,
    on_bad_rows="raise",
    resize=False,
    cache=True,
    data_home=None,
    n_jobs=None,
    progress=True,
    return_X_y=False,
):
    """Load FER2013 from a CSV file or an image folder.

    Parameters
    ----------
    path : str or path-like
        A ``fer2013.csv`` file, a per-split CSV (``emotion,pixels``), a folder
        holding either of them, a Kaggle image folder with ``train/<emotion>/``
        and ``test/<emotion>/`` sub-folders, or one split as ``<emotion>/*.jpg``
        (the layout of Keras's ``image_dataset_from_directory`` and torchvision's
        ``ImageFolder``).
    usage : str or list of str, default=None
        Keep only these official splits (``"Training"``, ``"PublicTest"``,
        ``"PrivateTest"``). ``None`` keeps everything.
    split_usage : str or dict, default=None
        For per-split CSVs: the usage of the given file (str), or a mapping
        ``{file name: usage}``. By default the usage is inferred from the file
        name (``Train_Data.csv`` -> Training, ``Validation_Data.csv`` ->
        PublicTest, ``Test_Data.csv`` -> PrivateTest). For a one-split image
        folder ``<emotion>/*.jpg`` whose file names carry no ``Training_`` /
        ``PublicTest_`` / ``PrivateTest_`` prefix: the usage of its images (str).
    on_bad_rows : {"raise", "skip"}, default="raise"
        What to do with a malformed row or image. ``"skip"`` drops it and
        warns with the number dropped.
    resize : bool, default=False
        Resize images that are not 48x48 instead of raising.
    cache : bool, default=True
        Cache the parsed arrays (a folder of ``.npy`` files) keyed on the source files' sizes
        and modification times, so later loads take well under a second.
    data_home : str, default=None
        Cache folder; defaults to ``$SKLEARN_FER_DATA`` or ``~/.cache/sklearn-fer``.
    n_jobs : int, default=None
        Worker processes that decode image files (``None``: one per CPU core). Folders
        of a few thousand images decode in this process, faster than a worker starts.
    progress : bool, default=True
        Show a progress bar while parsing.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (n, 48, 48) uint8, ``data`` (n, 2304) uint8, ``target``
        (n,) int, ``target_names``, ``usage`` (n,) str, ``filenames`` (image
        folders only, else None), ``DESCR``.

    Raises
    ------
    ValueError
        For a missing path, an unrecognised layout, or bad rows/images; the
        message names the file, the row and what was expected.
    """
    _check_choice("on_bad_rows", on_bad_rows, ("raise", "skip"))
    wanted_usages = _check_usage_filter(usage)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"FER2013 path {str(path)!r} does not exist")
    kind, sources = detect_layout(path)
    options = dict(split_usage=split_usage, on_bad_rows=on_bad_rows, resize=resize, progress=progress, n_jobs=n_jobs)
    arrays = _cached(kind, sources, options, cache, data_home)
    keep = np.isin(arrays["usage"], wanted_usages) if wanted_usages else slice(None)
    images = arrays["images"][keep]
    bunch = Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=arrays["target"][keep].astype(np.int64),
        target_names=np.array(EMOTIONS),
        usage=arrays["usage"][keep],
        filenames=arrays["filenames"][keep] if arrays["filenames"].size else None,
        DESCR=DESCR,
    )
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def detect_layout(path):
    """Return ``(kind, sources)`` for a FER2013 path, or raise a clear ValueError."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() != ".csv":
            raise ValueError(f"{path}: unrecognised FER2013 file; expected a .csv file with columns emotion,pixels[,Usage]")
        return "csv", [path]
    classic = path / "fer2013.csv"
    if classic.is_file():
        return "csv", [classic]
    split_dirs = [d for d in sorted(path.iterdir()) if d.is_dir() and d.name.lower() in _SPLIT_ALIASES]
    if split_dirs:
        return "folder", split_dirs
    csvs = sorted(p for p in path.glob("*.csv"))
    if csvs:
        return "csv", csvs
    if any(d.is_dir() and d.name.lower() in EMOTIONS for d in path.iterdir()):
        return "folder", [path]  # one split: <emotion>/*.jpg (Keras's image_dataset_from_directory, torchvision's ImageFolder)
    raise ValueError(
        f"{path}: unrecognised FER2013 layout; expected fer2013.csv, per-split CSVs (emotion,pixels), "
        "image folders train/<emotion>/*.jpg and test/<emotion>/*.jpg, or one split as <emotion>/*.jpg"
    )


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _check_usage_filter(usage):
    if usage is None:
        return None
    wanted = [usage] if isinstance(usage, str) else list(usage)
    for value in wanted:
        _check_choice("usage", value, USAGES)
    return wanted


# --------------------------------------------------------------------------- cache


def _source_fingerprint(kind, scanned, options):
    """A key of the sources' content: their paths, and every file's name, size and modification time.

    One ``stat`` a file, so that a file rewritten in place (same name, same folder listing) is read again.
    """
    digest = hashlib.sha1(f"{_CACHE_VERSION}|{kind}|{options['split_usage']}|{options['on_bad_rows']}|{options['resize']}".encode())
    if kind == "folder":
        for split_dir in dict.fromkeys(split_dir for split_dir, *_ in scanned):
            digest.update(f"\n{split_dir.resolve()}".encode())
        for part in _folder_stats(scanned):
            digest.update(part)
    else:
        for source in scanned:
            stat = source.stat()
            digest.update(f"\n{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def _cached(kind, sources, options, cache, data_home):
    """The arrays of the sources, from the cache when they are unchanged.

    The cache keeps what the reader skipped (``on_bad_rows="skip"``), so every load
    warns about those rows, not only the one that parsed the files.
    """
    scanned = _scan_folders(sources) if kind == "folder" else sources
    arrays = _read_or_reuse(kind, scanned, options, cache, data_home)
    skipped = arrays.pop("skipped")
    for message in skipped:
        warnings.warn(str(message), UserWarning, stacklevel=3)
    return arrays


_CACHED_ARRAYS = ("images", "target", "usage", "filenames", "skipped")


def _read_or_reuse(kind, scanned, options, cache, data_home):
    """The reader's arrays, or the cached ones: a folder of plain ``.npy`` files (``np.load`` speed)."""
    reader = _READERS[kind]
    if not cache:
        return reader(scanned, **options)
    target = cache_path(f"fer2013-{_source_fingerprint(kind, scanned, options)}", data_home)
    if target.is_dir():
        return {name: np.load(target / f"{name}.npy", allow_pickle=False) for name in _CACHED_ARRAYS}
    arrays = reader(scanned, **options)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.mkdir(parents=True, exist_ok=True)
    for name in _CACHED_ARRAYS:
        np.save(temporary / f"{name}.npy", arrays[name], allow_pickle=False)
    try:
        os.rename(temporary, target)  # atomic: a reader sees the whole folder or none
    except OSError:  # another process cached the same sources first
        shutil.rmtree(temporary, ignore_errors=True)
    return arrays


# --------------------------------------------------------------------------- CSV


def _read_csvs(sources, *, split_usage, on_bad_rows, progress, **_):
    parts = [_read_csv(source, split_usage, on_bad_rows, progress) for source in sources]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _csv_usage(source, split_usage):
    if isinstance(split_usage, str):
        _check_choice("split_usage", split_usage, USAGES)
        return split_usage
    if isinstance(split_usage, dict) and source.name in split_usage:
        _check_choice(f"split_usage[{source.name!r}]", split_usage[source.name], USAGES)
        return split_usage[source.name]
    stem = source.stem.lower().replace("-", "_")
    for word in re.split(r"[_\W]+", stem):
        if word in _CSV_SPLIT_ALIASES:
            return _CSV_SPLIT_ALIASES[word]
    raise ValueError(
        f"{source}: has no Usage column and its name does not say which split it is; "
        "pass split_usage='Training' (or PublicTest / PrivateTest)"
    )


def _read_csv(source, split_usage, on_bad_rows, progress):
    import pandas as pd
    from tqdm.auto import tqdm

    try:
        header = pd.read_csv(source, nrows=0)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{source}: the file is empty; expected a CSV with columns emotion,pixels[,Usage]") from None
    columns = [str(c).strip() for c in header.columns]
    missing = [c for c in ("emotion", "pixels") if c not in columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}; expected columns emotion,pixels[,Usage], found {columns}")
    has_usage = "Usage" in columns
    fixed_usage = None if has_usage else _csv_usage(source, split_usage)
    if columns in (["emotion", "pixels", "Usage"], ["emotion", "pixels"]):
        clean = read_clean_csv(source, has_usage=has_usage, fixed_usage=fixed_usage, progress=progress)
        if clean is not None:
            return clean
    # The detailed parser: a file the fast path does not take (bad rows, other column orders or quoting).

    reader = pd.read_csv(
        source,
        dtype=str,
        keep_default_na=False,
        chunksize=_CSV_CHUNK_ROWS,
        skipinitialspace=True,
    )
    images, targets, usages, problems = [], [], [], []
    first_row = 0
    # The reader closes the file when the block ends, also when a bad row raises.
    with reader as chunks, tqdm(desc=f"Parsing {source.name}", unit=" rows", disable=not progress) as bar:
        for chunk in chunks:
            chunk.columns = columns
            pixels, bad_pixels = find_bad_pixel_rows(chunk["pixels"].tolist())
            target, bad_labels = _parse_labels(chunk["emotion"].to_numpy())
            usage = chunk["Usage"].str.strip().to_numpy() if has_usage else np.full(len(chunk), fixed_usage)
            bad_usage = np.flatnonzero(~np.isin(usage, USAGES))
            chunk_problems = {int(i): f"Usage must be one of {USAGES}, found {usage[i]!r}" for i in bad_usage}
            chunk_problems.update(bad_labels)
            chunk_problems.update(bad_pixels)
            for row, message in sorted(chunk_problems.items()):
                if on_bad_rows == "raise":
                    raise ValueError(f"{source}: row {first_row + row} (line {first_row + row + 2}): {message}")
                problems.append(first_row + row)
            good = np.ones(len(chunk), dtype=bool)
            good[list(chunk_problems)] = False
            images.append(pixels[good].reshape(-1, *IMAGE_SHAPE))
            targets.append(target[good])
            usages.append(np.asarray(usage[good], dtype="U11"))
            first_row += len(chunk)
            bar.update(len(chunk))
    if first_row == 0:
        raise ValueError(f"{source}: the file has a header but no rows")
    return {
        "skipped": _skipped_message(source, problems),
        "images": np.concatenate(images),
        "target": np.concatenate(targets).astype(np.int8),
        "usage": np.concatenate(usages),
        "filenames": np.array([], dtype="U1"),
    }


def _parse_labels(raw):
    """Labels as int8, plus ``(row, problem)`` for each label that is not an integer 0-6."""
    stripped = np.char.strip(raw.astype(str))
    is_int = np.char.isdigit(stripped)
    values = np.where(is_int, stripped, "-1").astype(np.int64)
    bad = np.flatnonzero(~is_int | (values > len(EMOTIONS) - 1))
    return values.astype(np.int8), [(int(i), f"emotion label must be an integer 0-6, found {raw[i]!r}") for i in bad]


def _skipped_message(source, rows):
    """The warning about a file's skipped rows, as a one-element array (empty when none were skipped)."""
    if not rows:
        return np.array([], dtype=str)
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    return np.array([f"{source}: skipped {len(rows)} bad row(s) (on_bad_rows='skip'): rows {shown}"])


# --------------------------------------------------------------------------- image folders


def _scan_folders(split_dirs):
    """``(split folder, emotion folder, label, sorted image file names)`` of every emotion folder, validated."""
    scan = []
    for split_dir in split_dirs:
        for emotion_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            name = emotion_dir.name.lower()
            if name not in EMOTIONS:
                raise ValueError(f"{emotion_dir}: unknown emotion folder {emotion_dir.name!r}; expected one of {EMOTIONS}")
            # Plain strings from one listdir: a Path or a DirEntry per file would cost more than decoding it.
            names = sorted(n for n in os.listdir(emotion_dir) if os.path.splitext(n)[1].lower() in _IMAGE_SUFFIXES)
            scan.append((split_dir, str(emotion_dir), EMOTIONS.index(name), names))
    if not any(names for *_, names in scan):
        raise ValueError(f"{split_dirs[0].parent}: no image files found under {[d.name for d in split_dirs]}/<emotion>/")
    return scan


def _folder_stats(scan):
    """Each folder's path and file names, then every file's size and modification time: one ``stat`` a file."""
    listing, stats = [], []
    for _, folder, _, names in scan:
        listing.append(folder + "\0" + "\0".join(names))
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            for name in names:
                stat = os.stat(name, dir_fd=descriptor)
                stats.append((stat.st_size, stat.st_mtime_ns))
        finally:
            os.close(descriptor)
    return "\n".join(listing).encode(), np.array(stats, dtype=np.int64).tobytes()


def _list_images(scan, split_usage=None):
    """``(file, label, usage)`` for every scanned image.

    Usage comes from a file's prefix (``Training_``, ...), else from its split folder's name, else
    (a one-split ``<emotion>/*.jpg`` folder) from ``split_usage``.
    """
    entries = []
    if isinstance(split_usage, str):
        _check_choice("split_usage", split_usage, USAGES)
    for split_dir, folder, label, names in scan:
        folder_usage = _SPLIT_ALIASES.get(split_dir.name.lower(), split_usage if isinstance(split_usage, str) else None)
        for file_name in names:
            prefix = _FILE_PREFIX.match(file_name)
            usage = _canonical_usage(prefix.group(1)) if prefix else folder_usage
            if usage is None:
                raise ValueError(
                    f"{os.path.join(folder, file_name)}: the file name does not say its split (Training_*, PublicTest_*, "
                    f"PrivateTest_*) and {split_dir} is not a split folder; pass split_usage='Training' (or 'PublicTest' / 'PrivateTest')"
                )
            entries.append((os.path.join(folder, file_name), label, usage))
    return entries


_USAGE_OF_PREFIX = {usage.lower(): usage for usage in USAGES}


def _canonical_usage(prefix):
    return _USAGE_OF_PREFIX[prefix.lower()]


def _decode(files, resize, n_jobs, progress):
    """Images and problems of ``files``: in worker processes when there are enough files to pay for them."""
    from tqdm.auto import tqdm

    n_workers = worker_count(len(files), n_jobs)
    with tqdm(total=len(files), desc="Reading images", unit=" img", disable=not progress, mininterval=0.5) as bar:
        if n_workers == 1:
            images, problems = decode_files(files, resize)
            bar.update(len(files))
            return images, problems
        return decode_in_workers(files, resize, n_workers, on_chunk_done=bar.update)


def _read_folders(scan, *, split_usage, on_bad_rows, resize, progress, n_jobs, **_):
    entries = _list_images(scan, split_usage)
    files, labels, usages = zip(*entries)
    images, problems = _decode(files, resize, n_jobs, progress)
    bad = np.flatnonzero(problems != "")
    if len(bad) and on_bad_rows == "raise":
        raise ValueError(f"{files[bad[0]]}: {problems[bad[0]]}")
    skipped = [files[index] for index in bad]
    message = [f"skipped {len(skipped)} bad image(s) (on_bad_rows='skip'): {skipped[:5]}"] if skipped else []
    good = problems == ""
    return {
        "skipped": np.array(message, dtype=str),
        "images": images[good],
        "target": np.array(labels, dtype=np.int8)[good],
        "usage": np.array(usages, dtype="U11")[good],
        "filenames": np.array(files)[good],
    }


_READERS = {"csv": _read_csvs, "folder": _read_folders}
