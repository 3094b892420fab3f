import numpy as np
import pytest

from sklearn_fer.datasets import make_synthetic_faces


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test caches parsed data in its own folder, never in the user's home."""
    monkeypatch.setenv("SKLEARN_FER_DATA", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def faces():
    return make_synthetic_faces(490, random_state=0)


@pytest.fixture
def rng():
    """A fresh generator per test: with pytest-xdist a shared one would hand each
    test different draws depending on which tests ran before it in the worker."""
    return np.random.default_rng(0)


@pytest.fixture
def fresh_auto(monkeypatch):
    """``"auto"`` resolved afresh (no pinning variable), and again after the test."""
    from sklearn_fer.networks import _precision

    _precision._auto_policy.cache_clear()
    monkeypatch.delenv(_precision.ENVIRONMENT_VARIABLE, raising=False)
    yield monkeypatch
    _precision._auto_policy.cache_clear()
