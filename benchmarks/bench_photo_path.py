"""The photo path: FER2013 faces pasted into larger photos, found, cropped and classified by the shipped model.

Each sampled PublicTest face is upscaled 2-6x (96-288 px) and pasted at a random place into a 640x480 (or
larger) background: smoothed noise or one of the ``skimage.data`` photos. Each detector then runs on the
photo, FaceCropper crops the face it found (FER2013's framing for that detector), and the shipped model
(ONNX) classifies it. Reported per detector and face size: detection recall (a box whose centre lies in
the pasted face and whose width is 50-150% of it), accuracy on the faces found, and end-to-end accuracy
(a missed face counts as wrong), against the accuracy on the original 48x48 crops of the same faces.
Then photos/s for a 640x480 photo with one face, and ``sklearn-fer predict photo.jpg`` (process start to
output) against ``python -c "import tensorflow"``.

    python benchmarks/bench_photo_path.py --data ../shared/data/fer2013 --n 600
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, parser

from sklearn_fer.datasets import load_fer2013
from sklearn_fer.faces import FaceCropper, crop_face, detect_faces
from sklearn_fer.pretrained import load_pretrained

SIZES = ((96, 143), (144, 191), (192, 288))


def backgrounds(rng):
    import cv2
    from skimage import data

    photos = [data.coffee(), data.chelsea(), data.rocket(), data.hubble_deep_field(), data.immunohistochemistry()]
    yield from (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in photos)
    while True:
        noise = rng.normal(128, 60, (480, 640)).astype(np.float32)
        yield np.clip(cv2.GaussianBlur(noise, (0, 0), 3) * 2 - 128, 0, 255).astype(np.uint8)


def make_scene(face, size, background, rng):
    import cv2

    height, width = max(480, size + 20), max(640, size + 20)
    scene = cv2.resize(background, (width, height), interpolation=cv2.INTER_AREA)
    top, left = rng.integers(0, height - size), rng.integers(0, width - size)
    scene[top : top + size, left : left + size] = cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC)
    return scene, (left, top, size)


def found(faces, placed):
    left, top, size = placed
    for face in faces:
        x, y, w, h = face.box
        cx, cy = x + w / 2, y + h / 2
        if left <= cx <= left + size and top <= cy <= top + size and 0.5 * size <= w <= 1.5 * size:
            return face
    return None


def photo_path(test, n, detectors, rng):
    model = load_pretrained("onnx")
    index = rng.choice(len(test.target), n, replace=False)
    faces, labels = test.images[index], test.target[index]
    sizes = rng.integers(96, 289, n)
    scenes = []
    pool = backgrounds(rng)
    pictures = [next(pool) for _ in range(12)]
    for face, size in zip(faces, sizes):
        scenes.append(make_scene(face, int(size), pictures[rng.integers(len(pictures))], rng))
    original = model.predict(faces.reshape(n, -1)) == labels
    print(f"{n} PublicTest faces; accuracy on their original crops: {original.mean():.1%}")
    print("| detector | face size | faces | recall | accuracy on found | end-to-end | original crops | gap |")
    print("|---|---|---|---|---|---|---|---|")
    for detector, count in detectors:
        framing = FaceCropper(detector=detector).framing()
        hit, correct = np.zeros(count, bool), np.zeros(count, bool)
        crops, which = [], []
        for i, (scene, placed) in enumerate(scenes[:count]):
            face = found(detect_faces(scene, detector), placed)
            if face is not None:
                hit[i] = True
                crops.append(crop_face(scene, face, framing=framing))
                which.append(i)
        if crops:
            correct[which] = model.predict(np.stack(crops).reshape(len(crops), -1)) == labels[which]
        for low, high in SIZES:
            sel = (sizes[:count] >= low) & (sizes[:count] <= high)
            if not sel.any():
                continue
            acc_found = correct[sel & hit].mean() if (sel & hit).any() else float("nan")
            end = correct[sel].mean()
            print(
                f"| {detector} | {low}-{high} px | {sel.sum()} | {hit[sel].mean():.1%} | {acc_found:.1%} | {end:.1%} | "
                f"{original[:count][sel].mean():.1%} | {100 * (end - original[:count][sel].mean()):+.1f} |",
                flush=True,
            )


def photos_per_second(test, detectors, rng):
    model = load_pretrained("onnx")
    pool = backgrounds(rng)
    scenes = [make_scene(test.images[i], 160, next(pool), rng)[0] for i in range(20)]
    print("| detector | photos/s (640x480, one face: detect + crop + classify) |")
    print("|---|---|")
    for detector, _ in detectors:
        cropper = FaceCropper(detector=detector, no_face="whole_image")
        cropper.transform(scenes[:1])  # loads the detector
        start = time.perf_counter()
        for scene in scenes:
            model.predict(cropper.transform([scene]))
        print(f"| {detector} | {len(scenes) / (time.perf_counter() - start):.1f} |", flush=True)


def start_up(repeats=3):
    from PIL import Image
    from skimage import data

    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "astronaut.jpg"
        Image.fromarray(data.astronaut()).save(photo)
        commands = {
            "sklearn-fer predict photo.jpg": [sys.executable, "-m", "sklearn_fer.cli", "predict", str(photo)],
            'python -c "import tensorflow"': [sys.executable, "-c", "import tensorflow"],
        }
        times = {name: [] for name in commands}
        for _ in range(repeats):  # interleaved, so that both see the same machine load
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print("| command | median of 3 (s) |")
    print("|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value:.2f} |")
    ratio = medians["sklearn-fer predict photo.jpg"] / medians['python -c "import tensorflow"']
    print(f"predict / import tensorflow: {ratio:.2f} (goal <= 0.25)")


def main():
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=600, help="faces for Haar (MTCNN gets half)")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    print(f"machine: {machine()}")
    detectors = [("haar", args.n), ("mtcnn", args.n // 2)]
    photo_path(test, args.n, detectors, rng)
    photos_per_second(test, detectors, rng)
    start_up()


if __name__ == "__main__":
    main()
