import subprocess
import sys


def test_import_does_not_load_tensorflow():
    code = (
        "import sys; import sklearn_fer, sklearn_fer.features, sklearn_fer.preprocessing, "
        "sklearn_fer.datasets, sklearn_fer.metrics, sklearn_fer.networks, sklearn_fer.faces, sklearn_fer.inference, "
        "sklearn_fer.pretrained; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_top_level_names_resolve_lazily():
    import sklearn_fer

    assert sklearn_fer.HOGTransformer.__name__ == "HOGTransformer"
    assert sklearn_fer.FaceCropper.__name__ == "FaceCropper" and callable(sklearn_fer.analyze)
    assert len(sklearn_fer.EMOTIONS) == 7
