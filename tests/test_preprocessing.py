import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_fer.preprocessing import (
    ImageReshaper,
    ImageResizer,
    ImageStandardizer,
    PixelScaler,
    SobelEdges,
    ZCAWhitening,
)


def test_pixel_scaler_modes_keep_the_input_layout(faces):
    images = faces.images[:5]
    np.testing.assert_allclose(PixelScaler().fit_transform(images), images / 255.0)
    centered = PixelScaler(mode="centered").fit_transform(faces.data[:5])
    assert centered.shape == (5, 2304)
    np.testing.assert_allclose(centered, faces.data[:5] / 255.0 - 0.5)
    assert PixelScaler().fit_transform(images[..., None]).shape == (5, 48, 48, 1)
    # Stateless, so usable without fit (scikit-learn's requires_fit=False), and still validated.
    np.testing.assert_allclose(PixelScaler(mode="centered").transform(images), images / 255.0 - 0.5)
    with pytest.raises(ValueError, match="The 'mode' parameter of PixelScaler must be"):
        PixelScaler(mode="half").transform(images)


@pytest.mark.parametrize("mode", ["dataset", "pixel"])
def test_standardizer_learns_statistics_from_training_data_only(faces, mode):
    X_train, X_test = train_test_split(faces.data.astype(float), random_state=0)
    scaler = ImageStandardizer(mode=mode).fit(X_train)
    train_out = scaler.transform(X_train)
    test_out = scaler.transform(X_test)
    axis = None if mode == "dataset" else 0
    np.testing.assert_allclose(train_out.mean(axis=axis), 0, atol=1e-6)
    # Test data is transformed with the training statistics, not its own.
    expected = (X_test - X_train.mean(axis=axis)) / (X_train.std(axis=axis) + scaler.epsilon)
    np.testing.assert_allclose(test_out, expected)


def test_samplewise_standardisation_is_per_image(faces):
    out = ImageStandardizer(mode="sample").fit_transform(faces.images[:4])
    np.testing.assert_allclose(out.reshape(4, -1).mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(out.reshape(4, -1).std(axis=1), 1, atol=1e-4)


def test_zca_whitening_decorrelates_training_pixels(rng):
    # A rotation with pixel scales 1-5: every covariance eigenvalue is >= ~1, so epsilon
    # shrinks the whitened variances by at most ~epsilon, whatever the draw.
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    X = (rng.normal(size=(2000, 16)) * np.linspace(1, 5, 16)) @ rotation
    assert np.abs(np.cov(X, rowvar=False) - np.eye(16)).max() > 1
    white = ZCAWhitening(epsilon=1e-6).fit_transform(X)
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(16), atol=1e-4)


def test_resizer_and_reshaper_for_mnist_style_networks(faces):
    resized = ImageResizer(output_shape=(28, 28)).fit_transform(faces.data[:3])
    assert resized.shape == (3, 784)
    assert ImageResizer().fit_transform(faces.images[:3]).shape == (3, 28, 28)
    assert abs(resized.mean() - faces.data[:3].mean()) < 5
    images = ImageReshaper().fit_transform(faces.data[:3])
    assert images.shape == (3, 48, 48, 1)
    np.testing.assert_array_equal(ImageReshaper(to="flat").fit_transform(images), faces.data[:3])
    with pytest.raises(ValueError, match="image_shape=\\(10, 10\\) needs 100 features per sample, got 2304"):
        ImageReshaper(image_shape=(10, 10)).fit(faces.data)
    with pytest.raises(ValueError, match="cannot infer a square image from 7 features"):
        ImageReshaper().fit(np.zeros((2, 7)))


def test_sobel_edges_fire_on_edges_only():
    image = np.zeros((1, 12, 12))
    image[:, :, 6:] = 100.0
    edges = SobelEdges().fit_transform(image)
    assert edges[0, :, 1:4].max() == 0 and edges[0, :, 5:7].min() > 0


def test_transformers_chain_in_a_pipeline(faces):
    pipe = make_pipeline(PixelScaler(), ImageStandardizer(), ImageResizer((24, 24)), ImageReshaper(to="flat"))
    assert pipe.fit_transform(faces.data[:10]).shape == (10, 576)
