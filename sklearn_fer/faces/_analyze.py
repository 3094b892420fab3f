"""What emotion is on the faces of photos and videos: ``analyze``, ``analyze_video`` and ``annotate``."""

from pathlib import Path

import numpy as np

from .._models import class_names, resolve_model
from ._crop import crop_face, fit_square, framing_for
from ._detect import Face, detect_faces
from ._io import describe, read_image

NO_FACE = "no face"
DETECTOR_CHOICES = ("haar", "mtcnn", "none")


# How analyze crops faces when the model brings no FaceCropper: FaceCropper's defaults.
_CROP_DEFAULTS = {"output_shape": (48, 48), "margin": "auto", "align": True, "min_size": 20}


def _classifier(model):
    """The classifier to run on face crops, and how to crop (a leading FaceCropper's settings, else the defaults).

    ``None`` is the shipped network run by onnxruntime alone (no scikit-learn, no TensorFlow).
    """
    if model is None:
        from ..pretrained import shipped_network

        return shipped_network(), dict(_CROP_DEFAULTS)
    model = resolve_model(model)
    steps = getattr(model, "steps", None)
    if steps and type(steps[0][1]).__name__ == "FaceCropper":
        cropper = steps[0][1].get_params()
        rest = model[1:] if len(steps) > 2 else steps[-1][1]
        return rest, {key: cropper[key] for key in _CROP_DEFAULTS}
    return model, dict(_CROP_DEFAULTS)


def _faces_of(image, detector, crop):
    """``[(Face, crop)]`` of one photo; with ``detector="none"`` the photo is itself one face."""
    shape = tuple(crop["output_shape"])
    if detector == "none":
        height, width = image.shape[:2]
        side = min(height, width)
        box = ((width - side) // 2, (height - side) // 2, side, side)
        return [(Face(box, float("nan")), fit_square(image, shape))]
    framing = framing_for(detector, crop["margin"])
    faces = detect_faces(image, detector, min_size=crop["min_size"])
    return [(face, crop_face(image, face, framing=framing, output_shape=shape, align=crop["align"])) for face in faces]


def _probabilities(classifier, crops):
    if hasattr(classifier, "predict_proba"):
        return classifier.predict_proba(crops)
    return None


def _rows(source, faces, probabilities, names, predicted):
    rows = []
    for number, (face, _) in enumerate(faces, start=1):
        x, y, w, h = face.box
        row = {"source": source, "face": number, "x": x, "y": y, "width": w, "height": h, "confidence": face.confidence}
        if probabilities is not None:
            row.update(zip(names, map(float, probabilities[number - 1])))
        row["emotion"] = predicted[number - 1]
        rows.append(row)
    if not faces:
        rows.append({"source": source, "face": 0, "emotion": NO_FACE})
    return rows


# The columns of analyze's and analyze_video's tables that are not class probabilities.
_FACE_COLUMNS = ("frame", "time", "source", "face", "x", "y", "width", "height", "confidence", "emotion", "error")


def probability_columns(table):
    """The class-probability columns of an :func:`analyze` or :func:`analyze_video` table, in order."""
    return [column for column in table.columns if column not in _FACE_COLUMNS]


def _frame(rows, names, with_proba, leading=()):
    import pandas as pd

    columns = [*leading, "source", "face", "x", "y", "width", "height", "confidence", *(names if with_proba else []), "emotion", "error"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("face", "x", "y", "width", "height"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _predict_faces(classifier, faces, names):
    """Probabilities (or None) and the predicted emotion name of each crop."""
    if not faces:
        return None, []
    crops = np.stack([crop for _, crop in faces]).reshape(len(faces), -1)
    probabilities = _probabilities(classifier, crops)
    if probabilities is not None:
        predicted = [names[i] for i in np.argmax(probabilities, axis=1)]
    else:
        lookup = dict(zip(np.asarray(classifier.classes_).tolist(), names))
        predicted = [lookup[label] for label in np.asarray(classifier.predict(crops)).tolist()]
    return probabilities, predicted


def analyze(images, model=None, *, detector="haar", errors="raise"):
    """The emotion on every face of every image, as a table.

    Parameters
    ----------
    images : path, PIL image, array, or a list of them
        Photos of any size (see :func:`read_image`). Folders are not expanded
        here (see :func:`list_images`).
    model : classifier, path or None, default=None
        ``None``: the shipped network (ONNX, no TensorFlow); a ``.keras`` /
        ``.onnx`` / ``.joblib`` file; or a fitted classifier taking flat 48x48
        face rows (a Pipeline starting with a :class:`FaceCropper` works too:
        its crop size, margin and alignment are used).
    detector : {"haar", "mtcnn", "none"}, default="haar"
        ``"none"``: each image is already a face crop (a non-square one is
        centre-cropped, not distorted).
    errors : {"raise", "report"}, default="raise"
        An unreadable image: raise a ``ValueError`` naming it, or give it one row
        whose ``error`` column says what went wrong.

    Returns
    -------
    table : pandas.DataFrame
        One row per face: ``source`` (path, or ``image i``), ``face`` (1, 2, ...
        largest first), the box ``x, y, width, height``, the detector's
        ``confidence``, one probability column per class (emotion names for
        ids 0-6) and the top ``emotion``. An image without a face has one row with
        ``face`` 0 and ``emotion`` "no face".
    """
    if detector not in DETECTOR_CHOICES:
        raise ValueError(f"detector must be one of {', '.join(map(repr, DETECTOR_CHOICES))}, got {detector!r}")
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")
    if isinstance(images, (str, Path)) or not isinstance(images, (list, tuple)):
        images = [images]
    classifier, crop = _classifier(model)
    names = class_names(classifier.classes_)
    rows = []
    for index, image in enumerate(images):
        source = describe(image, index)
        try:
            photo = read_image(image, name=source)
            faces = _faces_of(photo, detector, crop)
        except ValueError as error:
            if errors == "raise":
                raise
            rows.append({"source": source, "error": str(error)})
            continue
        probabilities, predicted = _predict_faces(classifier, faces, names)
        rows += _rows(source, faces, probabilities, names, predicted)
    return _frame(rows, names, hasattr(classifier, "predict_proba"))


_COLOURS = {
    "angry": (220, 40, 40), "disgust": (120, 160, 40), "fear": (150, 60, 200), "happy": (250, 200, 0),
    "sad": (40, 90, 220), "surprise": (250, 130, 0), "neutral": (200, 200, 200),
}


def annotate(image, table):
    """A copy of a photo with each face's box and top emotion (with its probability) drawn on it.

    Parameters
    ----------
    image : path, PIL image or array
    table : pandas.DataFrame
        :func:`analyze`'s rows of this image.

    Returns
    -------
    annotated : ndarray of shape (h, w, 3), uint8 RGB
    """
    import cv2

    from ._io import to_rgb

    canvas = np.array(to_rgb(read_image(image)), dtype=np.uint8, order="C")  # a copy: the caller's photo stays as it is
    thickness = max(1, round(max(canvas.shape[:2]) / 400))
    for _, row in table[table["face"].fillna(0) > 0].iterrows():
        x, y, w, h = (int(row[k]) for k in ("x", "y", "width", "height"))
        emotion = str(row["emotion"])
        colour = _COLOURS.get(emotion, (0, 255, 0))
        label = f"{emotion} {row[emotion]:.2f}" if emotion in row.index and not np.isnan(row[emotion]) else emotion
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        scale = max(0.4, w / 160)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = y - th - base - 2 if y - th - base - 2 >= 0 else y + h
        cv2.rectangle(canvas, (x, top), (x + tw + 2, top + th + base + 2), colour, -1)
        cv2.putText(canvas, label, (x + 1, top + th + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness, cv2.LINE_AA)
    return canvas


def _frame_step(every, fps, video_fps, path):
    if every is not None:
        if int(every) != every or every < 1:
            raise ValueError(f"every must be a positive integer number of frames, got {every!r}")
        return int(every)
    if fps is not None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps!r}")
        if video_fps <= 0:
            raise ValueError(f"{path}: the video does not say its frame rate; use every= instead of fps=")
        return max(1, round(video_fps / fps))
    return 1


def analyze_video(path, model=None, *, every=None, fps=None, detector="haar", progress=True, annotated=None):
    """The emotion on every face of a video's frames, as a table.

    Parameters
    ----------
    path : str or path-like
        Any video OpenCV's ``VideoCapture`` reads.
    model : classifier, path or None, default=None
        As in :func:`analyze`.
    every : int, default=None
        Analyse every ``every``-th frame.
    fps : float, default=None
        Analyse about ``fps`` frames per second of video. With neither
        ``every`` nor ``fps``, every frame.
    detector : {"haar", "mtcnn"}, default="haar"
    progress : bool, default=True
        A progress bar over the frames.
    annotated : path, default=None
        Also write the analysed frames with boxes and emotions drawn to this
        video file (``.mp4``, ``.avi``), at the rate they were sampled.

    Returns
    -------
    table : pandas.DataFrame
        :func:`analyze`'s columns, with ``frame`` (index in the video) and
        ``time`` (seconds) in place of ``source``. A sampled frame without a face
        has one row with ``face`` 0 and ``emotion`` "no face".

    Raises
    ------
    ValueError
        Naming the file, if it is missing or no frame can be read from it.
    """
    import cv2
    from tqdm.auto import tqdm

    if detector not in ("haar", "mtcnn"):
        raise ValueError(f"detector must be 'haar' or 'mtcnn' for a video, got {detector!r}")
    if every is not None and fps is not None:
        raise ValueError("give every= or fps=, not both")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"video {str(path)!r} does not exist")
    capture, writer = cv2.VideoCapture(str(path)), None
    try:
        if not capture.isOpened():
            raise ValueError(f"{path}: not a video OpenCV can read")
        video_fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        step = _frame_step(every, fps, video_fps, path)
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        classifier, crop = _classifier(model)
        names = class_names(classifier.classes_)
        rows, index, read = [], 0, 0
        bar = tqdm(total=None if total is None else -(-total // step), desc=path.name, unit="frame", disable=not progress)
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            read += 1
            if index % step == 0:
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                faces = _faces_of(rgb, detector, crop)
                probabilities, predicted = _predict_faces(classifier, faces, names)
                frame_rows = _rows(str(path), faces, probabilities, names, predicted)
                for row in frame_rows:
                    row.update(frame=index, time=index / video_fps if video_fps > 0 else float("nan"))
                rows += frame_rows
                if annotated is not None:
                    picture = annotate(rgb, _frame(frame_rows, names, probabilities is not None))
                    writer = writer or _video_writer(annotated, picture.shape, video_fps / step if video_fps > 0 else 5.0)
                    writer.write(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
                bar.update()
            index += 1
        bar.close()
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if read == 0:
        raise ValueError(f"{path}: no frame could be read (damaged, empty or not a video)")
    table = _frame(rows, names, hasattr(classifier, "predict_proba"), leading=("frame", "time"))
    return table.drop(columns=["source", "error"])


def _video_writer(path, shape, rate):
    import cv2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix.lower() == ".mp4" else "MJPG"))
    writer = cv2.VideoWriter(str(path), fourcc, rate, (shape[1], shape[0]))
    if not writer.isOpened():
        raise ValueError(f"{path}: OpenCV cannot write this video format; use .mp4 or .avi")
    return writer


def video_summary(table):
    """Per-video summary of :func:`analyze_video`'s table: frames analysed, frames with a face,
    mean probability of each emotion over the faces, and the dominant emotion."""
    faces = table[table["face"] > 0]
    emotions = probability_columns(table)
    means = {name: float(faces[name].mean()) for name in emotions} if len(faces) else {}
    dominant = max(means, key=means.get) if means else (faces["emotion"].mode().iat[0] if len(faces) else NO_FACE)
    return {
        "frames_analysed": int(table["frame"].nunique()),
        "frames_with_faces": int(faces["frame"].nunique()),
        "faces": int(len(faces)),
        "mean_probabilities": means,
        "dominant_emotion": dominant,
    }


def plot_emotions_over_time(table, *, title="Emotions over time"):
    """Line chart of each emotion's probability (mean over the faces of a frame) against time.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    faces = table[table["face"] > 0]
    emotions = probability_columns(table)
    figure, ax = plt.subplots(figsize=(9, 3.8))
    if len(faces) and emotions:
        per_frame = faces.groupby("time")[emotions].mean()
        for name in emotions:
            ax.plot(per_frame.index, per_frame[name], label=name, color=np.array(_COLOURS.get(name, (0, 0, 0))) / 255, marker=".")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    else:
        ax.text(0.5, 0.5, "no face found", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    figure.tight_layout()
    return figure
