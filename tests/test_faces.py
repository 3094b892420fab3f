"""Photos -> faces: reading any image, both detectors, FER2013-style crops, analysis tables, video."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from skimage import data as photos
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import make_pipeline

from sklearn_fer import EMOTIONS
from sklearn_fer.faces import FaceCropper, analyze, analyze_video, annotate, detect_faces, list_images, read_image, video_summary
from sklearn_fer.faces._crop import FRAMING, face_square

ASTRONAUT = photos.astronaut()  # one face, about 93 px wide


def _in_frame(photo, size, at=(700, 1100), frame=(1200, 1600)):
    import cv2

    canvas = np.full((*frame, 3), 90, np.uint8)
    canvas[at[0] : at[0] + size, at[1] : at[1] + size] = cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)
    return canvas


class MeanBrightness(ClassifierMixin, BaseEstimator):
    """A stand-in classifier on 48x48 crops: class by mean brightness (no network needed)."""

    def __init__(self, classes=(3, 4)):
        self.classes = classes

    def fit(self, X=None, y=None):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, X):
        bright = np.asarray(X, dtype=float).reshape(len(X), -1).mean(axis=1) / 255
        return np.column_stack([1 - bright, bright])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_haar_finds_the_astronaut_and_crops_48x48():
    faces = detect_faces(ASTRONAUT)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 150 < x < 210 and 40 < y < 100 and 70 < w < 120  # the face, not the suit or the flag
    crop = FaceCropper().fit_transform([ASTRONAUT])
    assert crop.shape == (1, 48 * 48) and crop.dtype == np.uint8


def test_mtcnn_finds_the_astronaut_with_eyes_and_levels_them():
    faces = detect_faces(ASTRONAUT, "mtcnn")
    assert len(faces) == 1 and faces[0].confidence > 0.9
    left, right = faces[0].left_eye, faces[0].right_eye
    assert left is not None and right is not None and left[0] < right[0]
    tilted = np.asarray(Image.fromarray(ASTRONAUT).rotate(12, resample=Image.BILINEAR, center=(225, 110)))
    tilt = detect_faces(tilted, "mtcnn")[0]
    assert abs(tilt.right_eye[1] - tilt.left_eye[1]) > 5  # the eyes are tilted in the photo
    cropper = FaceCropper(detector="mtcnn")
    level, unaligned = cropper.transform([tilted]), cropper.set_params(align=False).transform([tilted])
    straight = cropper.set_params(align=True).transform([ASTRONAUT])
    # The levelled crop of the tilted photo looks like the crop of the upright one; the unaligned one does not.
    assert np.abs(level.astype(float) - straight).mean() < np.abs(unaligned.astype(float) - straight).mean()


def test_a_small_face_in_a_large_frame_is_found_and_cropped():
    frame = _in_frame(ASTRONAUT, 200)
    faces = detect_faces(frame)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 1100 < x < 1300 and 700 < y < 900
    direct = FaceCropper().transform([ASTRONAUT]).astype(float)
    small = FaceCropper().transform([frame]).astype(float)
    # The small face's crop shows the same face as the large one's (not the gray frame).
    assert np.corrcoef(direct.ravel(), small.ravel())[0, 1] > 0.8


def test_a_photo_without_a_face_is_named_or_used_whole_with_a_warning():
    coffee = photos.coffee()
    assert detect_faces(coffee) == []
    with pytest.raises(ValueError, match=r"image 1: no face found"):
        FaceCropper().transform([ASTRONAUT, coffee])
    with pytest.warns(UserWarning, match=r"image 0: no face found.*whole photo"):
        crops = FaceCropper(no_face="whole_image").transform([coffee])
    assert crops.shape == (1, 2304)


def test_two_faces_in_one_image_give_two_rows_largest_first():
    import cv2

    pair = np.full((512, 1100, 3), 60, np.uint8)
    pair[:, :512] = ASTRONAUT
    pair[100:420, 700:1020] = cv2.resize(ASTRONAUT[:, ::-1], (320, 320), interpolation=cv2.INTER_AREA)
    table = analyze(pair, model=MeanBrightness().fit())
    assert list(table["face"]) == [1, 2]
    assert table["width"].iloc[0] > table["width"].iloc[1]
    assert table["x"].iloc[0] < 512 < table["x"].iloc[1]


def test_fer_faces_pass_through_unchanged(faces):
    cropper = FaceCropper()
    assert np.array_equal(cropper.transform(faces.data[:5]), faces.data[:5])
    assert np.array_equal(cropper.transform(faces.images[:5]), faces.data[:5])
    # One pipeline scores FER2013 rows and photos alike.
    model = make_pipeline(FaceCropper(), MeanBrightness().fit())
    assert model.predict(faces.data[:3]).shape == (3,)
    assert model.predict([ASTRONAUT]).shape == (1,)


def test_rgba_16_bit_and_float_inputs_give_the_same_crop(tmp_path):
    reference = FaceCropper().transform([ASTRONAUT]).astype(int)
    rgba = np.dstack([ASTRONAUT, np.full(ASTRONAUT.shape[:2], 255, np.uint8)])
    gray16 = (read_image(ASTRONAUT).astype(np.uint16) @ np.array([0.299, 0.587, 0.114])).astype(np.uint16) * 257
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(gray16.astype(np.uint16)).save(tmp_path / "gray16.png")
    assert Image.open(tmp_path / "gray16.png").mode.startswith("I")
    for source in (rgba, tmp_path / "rgba.png", gray16, tmp_path / "gray16.png", ASTRONAUT / 255.0):
        crop = FaceCropper().transform([source]).astype(int)
        assert np.abs(crop - reference).mean() < 2, source if isinstance(source, type(tmp_path)) else type(source)


def test_exif_orientation_is_honoured(tmp_path):
    stored = Image.fromarray(ASTRONAUT).rotate(90, expand=True)  # as a camera held sideways stores it
    assert detect_faces(np.asarray(stored)) == []  # the sideways face is not found as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    stored.save(tmp_path / "sideways.jpg", exif=exif, quality=95)
    assert len(detect_faces(tmp_path / "sideways.jpg")) == 1


def test_unreadable_images_are_named(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(ValueError, match=r"broken\.jpg: unreadable image"):
        read_image(broken)
    with pytest.raises(ValueError, match=r"missing\.png' does not exist"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match=r"image: expected an image of shape"):
        read_image(np.zeros((4, 4, 5), np.uint8))
    table = analyze([broken, ASTRONAUT], model=MeanBrightness().fit(), errors="report")
    assert "broken.jpg: unreadable image" in table["error"].iloc[0]
    assert table["face"].iloc[1] == 1 and pd.isna(table["error"].iloc[1])


def test_analyze_names_classes_from_the_model():
    ids = analyze(ASTRONAUT, model=MeanBrightness(classes=(3, 4)).fit())
    assert {"happy", "sad"} <= set(ids.columns) and ids["emotion"].iloc[0] in ("happy", "sad")
    names = analyze(ASTRONAUT, model=MeanBrightness(classes=("calm", "excited")).fit())
    assert {"calm", "excited"} <= set(names.columns)
    assert not set(EMOTIONS) & set(names.columns)
    none = analyze(photos.coffee(), model=MeanBrightness().fit())
    assert none["emotion"].iloc[0] == "no face" and none["face"].iloc[0] == 0


def test_detector_none_centre_crops_instead_of_distorting():
    wide = np.zeros((48, 96), np.uint8)
    wide[:, 24:72] = 200  # a bright square in the middle of a wide image
    table = analyze(wide, model=MeanBrightness().fit(), detector="none")
    assert tuple(table.loc[0, ["x", "y", "width", "height"]]) == (24, 0, 48, 48)
    assert table["sad"].iloc[0] == pytest.approx(200 / 255, abs=0.01)  # only the square, not squashed black sides


def test_framing_reproduces_fer2013_around_a_box():
    from sklearn_fer.faces import Face

    cx, cy, side = face_square(Face((100, 50, 80, 80), 1.0), FRAMING["haar"])
    assert (cx, cy) == (140, 90) and side == pytest.approx(80 * FRAMING["haar"][0])
    assert FaceCropper(margin=0.25).framing() == (1.5, 0.0, 0.0)


def test_face_cropper_rejects_bad_parameters():
    with pytest.raises(ValueError, match="output_shape must be a pair"):
        FaceCropper(output_shape=(48,)).fit()
    with pytest.raises(ValueError, match="'detector' parameter"):
        FaceCropper(detector="yolo").fit()
    assert FaceCropper(output_shape=(64, 64)).transform([ASTRONAUT]).shape == (1, 4096)
    assert FaceCropper().get_feature_names_out().shape == (2304,)


def test_list_images_walks_folders_and_keeps_odd_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/one.jpg", "a/b/two.PNG", "a/notes.txt"):
        (tmp_path / name).write_bytes(b"")
    found = list_images([tmp_path / "a", tmp_path / "gone.jpg"])
    assert sorted(p.name for p in found[:2]) == ["one.jpg", "two.PNG"] and found[2].name == "gone.jpg"


def test_annotate_draws_boxes():
    table = analyze(ASTRONAUT, model=MeanBrightness().fit())
    drawn = annotate(ASTRONAUT, table)
    assert drawn.shape == ASTRONAUT.shape and (drawn != ASTRONAUT).any()
    x, y, w, h = (int(table[k].iloc[0]) for k in ("x", "y", "width", "height"))
    assert (drawn[y + h // 2, x] != ASTRONAUT[y + h // 2, x]).any()  # the box's left edge


def _write_video(path, frames, fps=10.0):
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (frames[0].shape[1], frames[0].shape[0]))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def test_video_rows_and_timestamps(tmp_path):
    import cv2

    small = cv2.resize(ASTRONAUT, (256, 256), interpolation=cv2.INTER_AREA)
    blank = np.full_like(small, 90)
    frames = [small if i < 6 else blank for i in range(10)]  # a face for 0.6 s, then none
    _write_video(tmp_path / "clip.avi", frames)
    table = analyze_video(tmp_path / "clip.avi", model=MeanBrightness().fit(), every=2, progress=False, annotated=tmp_path / "out.avi")
    assert list(table["frame"]) == [0, 2, 4, 6, 8]
    assert np.allclose(table["time"], [0.0, 0.2, 0.4, 0.6, 0.8])
    assert list(table["face"]) == [1, 1, 1, 0, 0]
    summary = video_summary(table)
    assert summary["frames_analysed"] == 5 and summary["frames_with_faces"] == 3
    assert (tmp_path / "out.avi").stat().st_size > 0
    by_fps = analyze_video(tmp_path / "clip.avi", model=MeanBrightness().fit(), fps=5, progress=False)
    assert list(by_fps["frame"]) == [0, 2, 4, 6, 8]


def test_unreadable_videos_are_named(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 and nothing else")
    with pytest.raises(ValueError, match=r"broken\.mp4: (not a video|no frame)"):
        analyze_video(broken, model=MeanBrightness().fit(), progress=False)
    with pytest.raises(ValueError, match=r"gone\.mp4' does not exist"):
        analyze_video(tmp_path / "gone.mp4", model=MeanBrightness().fit(), progress=False)
    with pytest.raises(ValueError, match="every= or fps="):
        analyze_video(broken, model=MeanBrightness().fit(), every=2, fps=3, progress=False)
