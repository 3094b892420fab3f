"""The baseline report's searches as presets: its hyperopt spaces and its CNN grid."""

from hyperopt import hp

BASELINE_MAX_EVALS = 25
BASELINE_CNN_GRID = {"dropout": [0.1, 0.2, 0.3, 0.4, 0.5], "kernel_size": [2, 3]}

# The baseline report's spaces, as (parameter, factory of a labelled distribution).
_BASELINE_DISTRIBUTIONS = {
    "fnn": {
        "activation": lambda label: hp.choice(label, ["relu", "sigmoid", "tanh"]),
        "dropout": lambda label: hp.uniform(label, 0.1, 0.5),
        "optimizer": lambda label: hp.choice(label, ["adam", "sgd"]),
    },
    "cnn": {
        "kernel_size": lambda label: hp.choice(label, [1, 3, 5]),
        "dropout": lambda label: hp.uniform(label, 0.1, 0.35),
        "optimizer": lambda label: hp.choice(label, ["adam", "sgd"]),
    },
}


def _check_network(network):
    if network not in _BASELINE_DISTRIBUTIONS:
        raise ValueError(f"no baseline space for {network!r}; the baseline report searched {sorted(_BASELINE_DISTRIBUTIONS)}")


def _prefixed(step, param):
    return f"{step}__{param}" if step else param


def baseline_space(network, *, step=None):
    """The baseline report's hyperopt space for :class:`HyperoptSearchCV`.

    FNN: activation relu / sigmoid / tanh, dropout ~ U(0.1, 0.5), optimizer Adam / SGD.
    CNN: kernel size 1 / 3 / 5, dropout ~ U(0.1, 0.35), optimizer Adam / SGD.

    Parameters
    ----------
    network : {"fnn", "cnn"}
    step : str, default=None
        Name of the network's step when searching a Pipeline (keys become ``step__param``).

    Returns
    -------
    space : dict of str -> hyperopt expression
    """
    _check_network(network)
    return {_prefixed(step, p): make(_prefixed(step, p)) for p, make in _BASELINE_DISTRIBUTIONS[network].items()}


def baseline_component(network, name, **fixed):
    """The baseline report's space as an hpsklearn component (for ``HyperoptEstimator(classifier=...)``).

    Parameters
    ----------
    network : {"fnn", "cnn"}
    name : str
        Label prefix, as for every hpsklearn component.
    **fixed
        Estimator parameters to fix, e.g. ``epochs=10``; the others keep the
        estimator's defaults (only the baseline report's three parameters are searched).
    """
    from ._components import estimator_node

    _check_network(network)
    baseline = {p: make(f"{name}.{p}") for p, make in _BASELINE_DISTRIBUTIONS[network].items()}
    return estimator_node(_network_class(network), {**baseline, **fixed})


def _network_class(network):
    from .. import estimators

    return {"fnn": estimators.FNNClassifier, "cnn": estimators.CNNClassifier}[network]


def _default_network(network):
    return _network_class(network)()


def baseline_hyperopt_search(network, estimator=None, *, step=None, max_evals=BASELINE_MAX_EVALS, **search_params):
    """The baseline report's hyperopt experiment: its space, 25 TPE evaluations, the shared metrics.

    Parameters
    ----------
    network : {"fnn", "cnn"}
    estimator : estimator, default=None
        The network (or a Pipeline ending in it, with ``step`` naming it);
        ``None`` uses a default :class:`FNNClassifier` / :class:`CNNClassifier`.
    **search_params
        Passed to :class:`HyperoptSearchCV` (``cv``, ``trials_file``, ``random_state``, ...).

    Returns
    -------
    search : HyperoptSearchCV (unfitted)
    """
    from ._hyperopt_search import HyperoptSearchCV

    _check_network(network)
    estimator = _default_network(network) if estimator is None else estimator
    return HyperoptSearchCV(estimator, baseline_space(network, step=step), max_evals=max_evals, algo="tpe", **search_params)


def baseline_grid_search(
    estimator=None, *, step=None, param_grid=None, cv=None, n_jobs=None, refit="accuracy", verbose=0, checkpoint=None, refit_params=None
):
    """The baseline report's CNN grid, dropout [0.1 .. 0.5] x kernel size [2, 3], with the shared metrics.

    Parameters
    ----------
    estimator : estimator, default=None
        A CNN (or Pipeline with ``step`` naming the CNN); ``None`` uses :class:`CNNClassifier`.
    param_grid : dict, default=None
        Another grid over the same network (``None``: the baseline report's :data:`BASELINE_CNN_GRID`).
    cv : int, splitter or None
        ``official_split(usage)`` for the official protocol, an int for stratified k-fold.
    refit : str, default="accuracy"
        The shared metric that selects and refits.
    checkpoint : str or path, default=None
        File where every finished candidate is saved, so an interrupted grid resumes
        (see :class:`ResumableGridSearchCV`).
    refit_params : dict, default=None
        Parameters of the refit only, e.g. a longer epoch budget than the candidates'
        (see :class:`ResumableGridSearchCV`).

    Returns
    -------
    search : ResumableGridSearchCV (a GridSearchCV; unfitted), multi-metric, refit on ``refit``
    """
    from ..metrics import fer_scorers
    from ._grid_search import ResumableGridSearchCV

    estimator = _default_network("cnn") if estimator is None else estimator
    grid = {_prefixed(step, p): values for p, values in (param_grid or BASELINE_CNN_GRID).items()}
    return ResumableGridSearchCV(
        estimator, grid, scoring=fer_scorers(), refit=refit, cv=cv, n_jobs=n_jobs, verbose=verbose, checkpoint=checkpoint,
        refit_params=refit_params,
    )
