"""The official FER2013 protocol as a scikit-learn cross-validation splitter."""

import numpy as np
from sklearn.model_selection import PredefinedSplit


def official_split(usage, *, train="Training", test="PublicTest"):
    """A :class:`~sklearn.model_selection.PredefinedSplit` for ``cv=``: fit on ``train``, score on ``test``.

    Parameters
    ----------
    usage : array-like of str
        The ``usage`` column of a loaded data set (one entry per sample).
    train, test : str
        The usages to fit on and to select on. Samples of any other usage raise
        a ``ValueError``: select them out first (``load_fer2013(..., usage=[train, test])``).

    Returns
    -------
    cv : PredefinedSplit
        A single split, usable as ``GridSearchCV(..., cv=cv)``.

    Examples
    --------
    >>> fer = load_fer2013(path, usage=["Training", "PublicTest"])  # doctest: +SKIP
    >>> GridSearchCV(pipe, grid, cv=official_split(fer.usage)).fit(fer.data, fer.target)  # doctest: +SKIP
    """
    usage = np.asarray(usage)
    for name, value in (("train", train), ("test", test)):
        if not np.any(usage == value):
            raise ValueError(f"official_split: no sample has usage {value!r} (the {name} split); found {sorted(set(usage.tolist()))}")
    fold = np.full(len(usage), -2)
    fold[usage == train] = -1
    fold[usage == test] = 0
    if np.any(fold == -2):
        raise ValueError(
            "official_split: samples with usages other than "
            f"{train!r}/{test!r} are present; select them out first (load_fer2013(..., usage=[{train!r}, {test!r}]))"
        )
    return PredefinedSplit(fold)
