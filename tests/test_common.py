"""scikit-learn's estimator checks over every transformer (and network) of the package, with tiny params."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fer.features import HOGTransformer, LBPTransformer
from sklearn_fer.preprocessing import (
    ImageReshaper,
    ImageResizer,
    ImageStandardizer,
    PixelScaler,
    SobelEdges,
    ZCAWhitening,
)

# Checks feed (n, k) arrays with k = 1..10 features; transformers that need the 2-D
# structure of each sample get image_shape=(1, -1) (a 1 x k image) so that any k works.
ROW = (1, -1)
TRANSFORMERS = [
    PixelScaler(),
    PixelScaler(mode="centered"),
    ImageStandardizer(mode="dataset"),
    ImageStandardizer(mode="pixel"),
    ImageStandardizer(mode="sample"),
    ZCAWhitening(),
    SobelEdges(image_shape=ROW),
    ImageResizer(output_shape=(1, 2), image_shape=ROW),
    ImageReshaper(to="flat", image_shape=ROW),
    HOGTransformer(orientations=4, pixels_per_cell=(1, 1), cells_per_block=(1, 1), image_shape=ROW),
    LBPTransformer(n_points=4, radius=1, grid=(1, 1), image_shape=ROW),
]

# Each expected failure, with the reason it cannot pass.
EXPECTED_FAILURES = {}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(TRANSFORMERS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
