import numpy as np
import pytest
from skimage.feature import daisy, hog, local_binary_pattern
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_fer.features import BagOfVisualWords, HOGTransformer, LBPTransformer, hog_batch, hog_image

HOG_SETTINGS = [
    dict(),
    dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)),
    dict(orientations=6, pixels_per_cell=(7, 5), cells_per_block=(1, 2), block_norm="L1"),
    dict(orientations=4, pixels_per_cell=(6, 6), cells_per_block=(2, 2), block_norm="L2", transform_sqrt=True),
    dict(orientations=8, pixels_per_cell=(5, 5), block_norm="L1-sqrt"),
    dict(orientations=12, pixels_per_cell=(4, 4), cells_per_block=(3, 3), block_norm="L2-Hys"),
]


def _inputs(faces, rng):
    return {
        "uint8 faces": faces.images[:40],
        "float32 scaled": faces.images[:20].astype(np.float32) / 255,
        "float64 noise": rng.random((20, 48, 48)),
        "low-contrast uint8": rng.integers(0, 3, (20, 48, 48)).astype(np.uint8),
        "flat": faces.data[:10],
    }


@pytest.mark.parametrize("params", HOG_SETTINGS)
def test_hog_equals_scikit_image(faces, rng, params):
    for name, X in _inputs(faces, rng).items():
        features = HOGTransformer(**params).fit_transform(X)
        images = X.reshape(len(X), 48, 48)
        reference = np.stack([hog(image, **params) for image in images])
        assert features.shape == reference.shape, name
        assert np.abs(features - reference).max() <= 1e-6, name


def test_hog_on_a_non_square_image_shape(rng):
    X = rng.integers(0, 256, (6, 32 * 40)).astype(np.uint8)
    features = HOGTransformer(pixels_per_cell=(8, 8), cells_per_block=(2, 2), image_shape=(32, 40)).fit_transform(X)
    reference = np.stack([hog(x.reshape(32, 40), pixels_per_cell=(8, 8), cells_per_block=(2, 2)) for x in X])
    assert np.abs(features - reference).max() <= 1e-6


def test_hog_batches_and_threads_do_not_change_the_result(faces):
    single = hog_batch(faces.images[:300], cells_per_block=(2, 2))
    threaded = HOGTransformer(cells_per_block=(2, 2), n_jobs=2).fit_transform(faces.images[:300])
    np.testing.assert_allclose(single, threaded, atol=1e-12)


def test_hog_feature_names_and_errors(faces):
    transformer = HOGTransformer(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)).fit(faces.data[:5])
    names = transformer.get_feature_names_out()
    assert len(names) == transformer.transform(faces.data[:2]).shape[1] == 5 * 5 * 2 * 2 * 9
    assert names[0] == "hog_b0_0_c0_0_o0" and names[-1] == "hog_b4_4_c1_1_o8"
    with pytest.raises(ValueError, match="too small for HOG"):
        HOGTransformer(pixels_per_cell=(16, 16), cells_per_block=(4, 4)).fit(faces.data[:5])
    with pytest.raises(ValueError, match="X has 100 features, but HOGTransformer is expecting 2304"):
        transformer.transform(np.zeros((2, 100)))


def test_hog_image_shows_the_gradients(faces):
    picture = hog_image(faces.data[0])
    assert picture.shape == (48, 48) and picture.max() == 1.0 and picture.min() == 0.0


def test_lbp_histograms_match_scikit_image(faces):
    lbp = LBPTransformer(n_points=8, radius=1, method="uniform", grid=(2, 3))
    features = lbp.fit_transform(faces.images[:5])
    assert features.shape == (5, 2 * 3 * 10) and len(lbp.get_feature_names_out()) == 60
    codes = local_binary_pattern(faces.images[0], 8, 1, "uniform")
    top_left = np.bincount(codes[:24, :16].astype(int).ravel(), minlength=10) / (24 * 16)
    np.testing.assert_allclose(features[0, :10], top_left)
    np.testing.assert_allclose(features.reshape(5, 6, 10).sum(axis=2), 1.0)


def test_hog_linear_svm_beats_the_majority_class_by_far(faces):
    dummy = cross_val_score(DummyClassifier(), faces.data, faces.target, cv=3).mean()
    pipe = make_pipeline(HOGTransformer(pixels_per_cell=(6, 6), cells_per_block=(2, 2)), StandardScaler(), LinearSVC(C=0.01))
    score = cross_val_score(pipe, faces.data, faces.target, cv=3).mean()
    assert score > dummy + 0.3, (score, dummy)


def test_bag_of_words_counts_the_nearest_words_of_dense_daisy_descriptors(faces):
    bovw = BagOfVisualWords(n_words=16, step=4, radius=8, pyramid=(1, 2), power=1.0, random_state=0)
    features = bovw.fit_transform(faces.images[:60])
    assert features.shape == (60, 16 * 5) and len(bovw.get_feature_names_out()) == 80
    descriptors = daisy(faces.images[7].astype(float), step=4, radius=8, rings=2, histograms=6, orientations=8)
    words = bovw.codebook_.predict(descriptors.reshape(-1, descriptors.shape[-1])).reshape(descriptors.shape[:2])
    np.testing.assert_allclose(features[7, :16], np.bincount(words.ravel(), minlength=16) / words.size)
    assert words.shape == (8, 8)  # centres 8, 12, ..., 36 along each axis
    top_left = words[:4, :4]
    np.testing.assert_allclose(features[7, 16:32], np.bincount(top_left.ravel(), minlength=16) / top_left.size)
    np.testing.assert_allclose(features.reshape(60, 5, 16).sum(axis=2), 1.0)  # every cell's frequencies
    hellinger = BagOfVisualWords(n_words=16, pyramid=(1, 2), random_state=0).fit(faces.images[:60])
    np.testing.assert_allclose(hellinger.transform(faces.images[:60]), np.sqrt(features))


def test_bag_of_words_errors_and_small_images(faces):
    with pytest.raises(ValueError, match="n_words=5000 needs at least as many descriptors; the training images give 640"):
        BagOfVisualWords(n_words=5000).fit(faces.images[:10])
    with pytest.raises(ValueError, match="pyramid must list positive numbers of cells per side"):
        BagOfVisualWords(pyramid=(1, 0)).fit(faces.images[:10])
    tiny = BagOfVisualWords(n_words=3, radius=8, random_state=0).fit(faces.images[:20, :10, :12])  # padded to 17x17
    assert tiny.transform(faces.images[:4, :10, :12]).shape == (4, 3 * 5)


def test_bag_of_words_with_a_linear_svm_beats_the_majority_class_by_far(faces):
    dummy = cross_val_score(DummyClassifier(), faces.data, faces.target, cv=3).mean()
    pipe = make_pipeline(BagOfVisualWords(n_words=64, random_state=0), StandardScaler(), LinearSVC(C=0.01))
    score = cross_val_score(pipe, faces.data, faces.target, cv=3).mean()
    assert score > dummy + 0.2, (score, dummy)
