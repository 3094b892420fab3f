"""Small FER2013 files in every layout, written to a temporary folder."""

import numpy as np
from PIL import Image

from sklearn_fer import EMOTIONS


def pixel_strings(images):
    return [" ".join(map(str, image.ravel())) for image in images]


def write_classic_csv(path, images, labels, usages):
    lines = ["emotion,pixels,Usage"]
    lines += [f"{label},{pixels},{usage}" for label, pixels, usage in zip(labels, pixel_strings(images), usages)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_split_csv(path, images, labels):
    lines = ["emotion,pixels"] + [f"{label},{pixels}" for label, pixels in zip(labels, pixel_strings(images))]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_image_folders(root, images, labels, usages, *, prefixes=True, suffix=".png"):
    """Kaggle layout: train/<emotion>/Training_<i>.png, test/<emotion>/PublicTest_<i>.png ..."""
    for i, (image, label, usage) in enumerate(zip(images, labels, usages)):
        split = "train" if usage == "Training" else "test"
        folder = root / split / EMOTIONS[label]
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{usage}_{i:05d}{suffix}" if prefixes else f"img_{i:05d}{suffix}"
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(folder / name)
    return root
