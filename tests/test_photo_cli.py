"""``sklearn-fer predict`` / ``video`` / ``evaluate`` on photos, folders, videos and models of any labels."""

import json
import subprocess
import sys

import joblib
import numpy as np
import pytest
from PIL import Image
from skimage import data as photos
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from _fixtures import write_image_folders
from sklearn_fer.cli import main


@pytest.fixture(scope="module")
def face_files(tmp_path_factory, faces):
    """Eight 48x48 synthetic faces as PNG files (already crops: --detector none)."""
    folder = tmp_path_factory.mktemp("crops")
    for i, image in enumerate(faces.images[:8]):
        Image.fromarray(image).save(folder / f"face{i}.png")
    return folder


def _saved(tmp_path, model, faces, labels, name):
    model.fit(faces.data[:200] / 255.0 * 255.0, labels)
    path = tmp_path / f"{name}.joblib"
    joblib.dump(model, path)
    return path


@pytest.mark.parametrize(
    "labels, names",
    [(lambda y: np.where(y % 2 == 0, 3, 4), {"happy", "sad"}), (lambda y: np.where(y % 2 == 0, "calm", "tense"), {"calm", "tense"})],
)
def test_predict_names_emotions_from_the_models_classes(tmp_path, capsys, faces, face_files, labels, names):
    model = _saved(tmp_path, LogisticRegression(max_iter=300), faces, labels(faces.target[:200]), "model")
    assert main(["predict", "--model", str(model), "--detector", "none", "--format", "json", str(face_files)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 8 and {row["emotion"] for row in rows} <= names
    assert names <= set(rows[0]) and "disgust" not in rows[0]  # columns named by classes_, not by position


def test_predict_without_predict_proba_prints_names(tmp_path, capsys, faces, face_files):
    model = _saved(tmp_path, LinearSVC(), faces, np.where(faces.target[:200] % 2 == 0, 3, 4), "svc")
    assert main(["predict", "--model", str(model), "--detector", "none", "--format", "csv", str(face_files)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("source,face,x,y,width,height,confidence,emotion")
    assert {line.split(",")[-2] for line in lines[1:]} <= {"happy", "sad"}


def test_evaluate_a_model_fitted_on_emotion_names(tmp_path, capsys, faces):
    from sklearn_fer import EMOTIONS

    usages = np.where(np.arange(60) < 40, "Training", "PublicTest")
    folder = write_image_folders(tmp_path / "fer", faces.images[:60], faces.target[:60], usages)
    model = _saved(tmp_path, LogisticRegression(max_iter=300), faces, np.asarray(EMOTIONS)[faces.target[:200]], "names")
    assert main(["evaluate", str(model), "--data", str(folder)]) == 0
    scores = json.loads(capsys.readouterr().out)
    expected = (joblib.load(model).predict(faces.data[40:60]) == np.asarray(EMOTIONS)[faces.target[40:60]]).mean()
    assert scores["accuracy"] == pytest.approx(expected, abs=1e-4)
    assert {"predict_time_s", "predict_time_per_face_ms"} <= set(scores) and "predict_time" not in scores


def test_predict_reports_bad_files_and_goes_on(tmp_path, capsys, faces, face_files):
    model = _saved(tmp_path, LogisticRegression(max_iter=300), faces, faces.target[:200] % 2, "model")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    status = main(["predict", "--model", str(model), "--detector", "none", "--format", "csv", str(broken), str(face_files / "face0.png")])
    captured = capsys.readouterr()
    assert status == 1
    assert "broken.jpg: unreadable image" in captured.err
    assert "face0.png" in captured.out and "broken.jpg" not in captured.out


def test_predict_with_the_shipped_model_finds_the_face_without_tensorflow(tmp_path):
    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(photos.astronaut()).save(photo)
    code = (
        "import sys; from sklearn_fer.cli import main; "
        f"status = main(['predict', {str(photo)!r}, '--format', 'json', '--annotate', {str(tmp_path / 'drawn')!r}]); "
        "print('tensorflow imported:', 'tensorflow' in sys.modules); sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    output, flag = result.stdout.rsplit("tensorflow imported:", 1)
    assert flag.strip() == "False"
    (row,) = json.loads(output)
    assert row["face"] == 1 and 150 < row["x"] < 210 and row["emotion"] == "happy"  # she smiles
    assert (tmp_path / "drawn" / "astronaut.annotated.png").is_file()


def test_video_command_writes_rows_chart_and_summary(tmp_path, capsys):
    import cv2

    small = cv2.resize(photos.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (256, 256))
    for _ in range(6):
        writer.write(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    writer.release()
    out = tmp_path / "out"
    assert main(["video", str(tmp_path / "clip.avi"), "--every", "3", "--out", str(out), "--annotate"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames_analysed"] == 2 and summary["frames_with_faces"] == 2 and summary["dominant_emotion"] == "happy"
    rows = (out / "emotions.csv").read_text().splitlines()
    assert rows[0].startswith("frame,time,face") and len(rows) == 3
    assert (out / "emotions.png").stat().st_size > 0 and (out / "clip.annotated.mp4").stat().st_size > 0
    assert main(["video", str(tmp_path / "missing.mp4"), "--out", str(out)]) == 2
    assert "missing.mp4' does not exist" in capsys.readouterr().err
