"""sklearn-fer: scikit-learn compatible facial expression recognition (FER2013)."""

from pathlib import Path

from setuptools import find_packages, setup

# One stack that a plain `pip install` resolves on a fresh Python 3.11: hyperopt-sklearn 1.1.1 caps
# scikit-learn, numpy, scipy and pandas; hyperopt 0.2.7 imports pkg_resources (setuptools < 81).
INSTALL_REQUIRES = [
    "numpy>=1.26,<=2.3.0",
    "scipy>=1.11,<=1.15.3",
    "pandas>=2.0,<=2.3.0",
    "scikit-learn==1.7.0",
    "scikit-image>=0.22,<0.26",
    "tensorflow>=2.18,<2.21",
    "keras>=3.6,<3.13",
    "scikeras==0.13.0",
    "hyperopt==0.2.7",
    "hyperopt-sklearn==1.1.1",
    "setuptools<81",
    "matplotlib>=3.7",
    "tqdm>=4.60",
    "pillow>=10",
    "simplejpeg>=1.6",  # libjpeg-turbo decoding of FER2013's JPEGs, without PIL's per-image overhead
    "joblib>=1.3",
    "dask[distributed]>=2024.1",
    # Photos and video: OpenCV 4 (the 5.x wheels ship no Haar cascades and no CascadeClassifier), MTCNN
    # (weights inside the package), and ONNX for TensorFlow-free inference and export.
    "opencv-python-headless>=4.8,<5",
    "mtcnn>=1.0,<2",
    "onnxruntime>=1.17",
    "onnx>=1.15",
    "tf2onnx>=1.16",
]

setup(
    name="sklearn-fer",
    version="0.1.0",
    description="scikit-learn compatible facial expression recognition: loaders, HOG/LBP, Keras networks, searches",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.13",
    packages=find_packages(include=["sklearn_fer", "sklearn_fer.*"]),
    package_data={"sklearn_fer.pretrained": ["data/*.keras", "data/*.onnx", "data/*.json", "MODEL_CARD.md"]},
    install_requires=INSTALL_REQUIRES,
    extras_require={"test": ["pytest>=7", "pytest-xdist>=3"], "gpu": ["tensorflow[and-cuda]>=2.18,<2.21"]},
    entry_points={"console_scripts": ["sklearn-fer=sklearn_fer.cli:main"]},
    classifiers=["Programming Language :: Python :: 3", "Topic :: Scientific/Engineering :: Artificial Intelligence"],
)
