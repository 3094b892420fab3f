"""Where parsed data sets are cached."""

import os
from pathlib import Path


def get_data_home(data_home=None):
    """Cache folder: ``data_home``, else ``$SKLEARN_FER_DATA``, else ``~/.cache/sklearn-fer``."""
    folder = Path(data_home or os.environ.get("SKLEARN_FER_DATA") or Path.home() / ".cache" / "sklearn-fer")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_path(name, data_home=None):
    return get_data_home(data_home) / name
