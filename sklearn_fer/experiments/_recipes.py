"""Our tuned network recipes, the searches' selection split, and the settings every experiment builds from."""

from dataclasses import dataclass

TUNED_NETWORKS = ("fnn", "cnn", "transfer", "multitask", "modern")
# --quick searches two points so the smoke run stays short; the full run uses the baseline report's 10.
QUICK_CNN_GRID = {"dropout": [0.1, 0.5], "kernel_size": [3]}
# The CNN searches compare their candidates on a short budget and train the chosen one on the full
# budget: full-budget candidates would take many hours on a CPU. (The feed-forward trials are cheap
# and run on the full budget.)
SEARCH_EPOCHS = {"quick": 1, "full": 10}
# Every network's budget in --quick runs (smoke runs and tests).
QUICK_EPOCHS = 2
# The modern recipe's budget on all of Training (its validation accuracy peaks at the end of 50 epochs).
MODERN_EPOCHS = 75
# Our HOG + RBF SVC search: HOG cells and the square-root normalisation, and the SVM's C. Its candidates
# fit on a third of Training (an RBF SVM's fit time grows with the square of the faces) and are compared
# on the 10% hold-out; the chosen one refits on all of Training.
HOG_SVM_GRID = {
    "hogtransformer__pixels_per_cell": [(6, 6), (8, 8)],
    "hogtransformer__transform_sqrt": [False, True],
    "svc__C": [1.0, 5.0],
}
QUICK_HOG_SVM_GRID = {"svc__C": [1.0, 5.0]}
HOG_SVM_CANDIDATE_FRACTION = 1 / 3
# What hog_svm_grid chose on the hold-out (8x8 cells, square root, C=5): the HOG and the SVM of the
# classical pipelines that add features beside it.
CHOSEN_HOG = {"orientations": 9, "pixels_per_cell": (8, 8), "cells_per_block": (2, 2), "transform_sqrt": True}
CHOSEN_SVC_C = 5.0
# Uniform LBP codes (8 neighbours, radius 1) in 6x6 cells. A 512-word codebook of DAISY descriptors
# every 2 pixels (radius 6) in a 1 + 2x2 pyramid: on a split of Training (fit on 6,000 faces, scored on
# 2,000 others) it beat 256 words every 4 pixels (radius 8) by 5.7 points and HOG + LBP by 3.6.
LBP_FEATURES = {"n_points": 8, "radius": 1, "grid": (6, 6)}
BOVW_FEATURES = {"n_words": 512, "step": 2, "radius": 6, "pyramid": (1, 2)}
QUICK_BOVW_FEATURES = {"n_words": 16, "step": 8, "radius": 6, "pyramid": (1, 2)}
# HOG, LBP and the visual words side by side are 3,820 columns; PCA to 1,000 before the RBF SVC keeps
# its accuracy on the Training split (52.0% against 51.4% without) and shortens its fit
# (benchmarks/select_classical.py; the figures are in benchmarks/RESULTS.md).
CLASSICAL_PCA_COMPONENTS = 1000
QUICK_CLASSICAL_PCA_COMPONENTS = 20
# The RBF SVC's kernel cache in MB (scikit-learn's default is 200): on all of Training a one-against-one
# pair has up to 12,000 faces, whose kernel rows no longer fit the default cache.
SVC_CACHE_MB = 1000


def tuned_network(name, *, aux_data=None, quick=False, dtype_policy="auto", random_state=0, verbose=0):
    """Our tuned recipe of a network: the one ``benchmarks/bench_networks.py`` measures.

    Each recipe was chosen on a stratified 10% validation split of Training
    (``benchmarks/RESULTS.md`` lists the measurements behind each choice). The
    ``fnn`` and ``modern`` recipes refit their epoch budget on all of Training,
    so they train without early stopping.

    Parameters
    ----------
    name : str
        One of :data:`TUNED_NETWORKS`.
    aux_data : tuple (X, y) or None
        MNIST-style source / auxiliary data of ``transfer`` and ``multitask``
        (``None``: scikit-learn's bundled digits).
    quick : bool, default=False
        Tiny layers and 2 epochs (smoke runs and tests), the recipe otherwise.
    dtype_policy : str, default="auto"
        Keras dtype policy: ``"auto"`` trains in the fastest precision this
        machine runs natively (:func:`sklearn_fer.networks.resolve_dtype_policy`).
    random_state, verbose
        Passed to the network.

    Returns
    -------
    estimator : classifier or Pipeline (unfitted)
    """
    from sklearn.pipeline import make_pipeline

    from .. import estimators
    from ..preprocessing import ImageStandardizer

    if name not in TUNED_NETWORKS:
        raise ValueError(f"unknown tuned network {name!r}; known: {', '.join(TUNED_NETWORKS)}")
    # Flip test-time averaging raises every network's validation accuracy. The runs that early-stop
    # restore the epoch of lowest validation loss; with cosine decay to zero, loss and accuracy pick
    # nearby epochs.
    common = dict(
        early_stopping=True, validation_fraction=0.1, monitor="loss", dtype_policy=dtype_policy, tta_flip=True,
        random_state=random_state, verbose=verbose,
    )
    refit_on_all = {"early_stopping": False}
    if quick:
        common.update(epochs=QUICK_EPOCHS, batch_size=32)
    sizes = {
        "fnn": dict(hidden_layer_sizes=(64, 32)) if quick else dict(hidden_layer_sizes=(2048, 1024)),
        "cnn": dict(filters=(8, 16), dense_units=32) if quick else {},
        "modern": dict(widths=(8, 16), head_units=16) if quick else dict(widths=(32, 64, 128, 256), head_units=256),
    }
    recipes = {
        # Each face standardised by its own mean and std: lighting varies a lot between faces, and a
        # dense net cannot learn that invariance the way convolutions and pooling partly do. Flips only:
        # with random shifts as well it learns far slower. Validation accuracy still rises at 40
        # epochs of a cosine budget and peaks at the end of 60.
        "fnn": lambda: make_pipeline(
            ImageStandardizer(mode="sample"),
            estimators.FNNClassifier(
                **sizes["fnn"], dropout=0.5, flip=True, lr_schedule="cosine",
                **{"batch_size": 128, "epochs": 60, "n_iter_no_change": 10, **common, **refit_on_all},
            ),
        ),
        # The baseline report's architecture with cosine decay over the budget (a constant rate still
        # improves late), flip + shift augmentation, and lighter dropout (0.25 -> 0.1 after each block,
        # 0.5 -> 0.3 before the head): with the heavier dropout, training accuracy stays under
        # validation accuracy. No batch norm: it learns far slower on this budget.
        "cnn": lambda: estimators.CNNClassifier(
            **sizes["cnn"], dropout=0.1, dense_dropout=0.3, lr_schedule="cosine", flip=True, shift=0.1,
            **{"epochs": 40, "n_iter_no_change": 8, **common},
        ),
        "transfer": lambda: estimators.TransferCNNClassifier(
            **sizes["cnn"], source_data=aux_data, source_epochs=1 if quick else 3, freeze="all", fine_tune_epochs=1 if quick else 16,
            fine_tune_learning_rate=5e-4, flip=True, shift=0.1, **{"epochs": 4, "n_iter_no_change": 5, **common},
        ),
        "multitask": lambda: estimators.MultiTaskCNNClassifier(
            **sizes["cnn"], aux_data=aux_data, aux_loss_weight=0.3, lr_schedule="cosine", flip=True, shift=0.1,
            **{"epochs": 30, "n_iter_no_change": 8, **common},
        ),
        # Light per-block dropout (0.15) and no zoom: heavier regularisation underfits. Validation
        # accuracy peaks at the end of a 50-epoch budget, so the recipe refits on all of Training with
        # 75 epochs, and predictions average 3-pixel shifts (tta_shift, chosen on validation over 1-4).
        "modern": lambda: estimators.ModernCNNClassifier(
            **sizes["modern"], dropout=0.15, zoom=0.0, tta_shift=1 if quick else 3,
            **{"epochs": MODERN_EPOCHS, "n_iter_no_change": 15, **common, "monitor": "accuracy", **refit_on_all},
        ),
    }
    return recipes[name]()


def _nesterov_sgd(learning_rate):
    """SGD with Nesterov momentum 0.9 and weight decay 1e-3, as network parameters.

    Keras decays weights apart from the gradient (w -= lr * wd * w), so 1e-3 matches the usual coupled
    1e-4 under momentum 0.9 (the decay there passes through the momentum buffer, 1 / (1 - 0.9) = 10x).
    """
    optimizer = {"class_name": "SGD", "config": {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}}
    return {"optimizer": optimizer, "learning_rate": learning_rate}


# The levers measured on the `modern` recipe one at a time, against the recipe on the same split: a
# 50-epoch cosine budget, early stopping on the stratified 10% validation split of Training, the best
# epoch restored. Each is the experiment "split_<lever>" (`sklearn-fer run split_crop44 --data ...`).
LEVER_BUDGET = {"epochs": 50, "early_stopping": True}
MODERN_LEVERS = {
    "recipe": ({}, "the recipe itself"),
    "crop44": ({"crop_size": 44}, "random 44x44 crops in training, the central crop at test"),
    # 40x40 crops: 1600 pixels a face against 44x44's 1936, so each step costs less and more epochs fit
    # a fixed time; on the split it fits the faces less well at equal epochs (benchmarks/RESULTS.md).
    "crop40": ({"crop_size": 40}, "random 40x40 crops in training, the central crop at test"),
    "sgd_nesterov": (_nesterov_sgd(0.01), "SGD with Nesterov momentum 0.9, learning rate 0.01, weight decay 1e-3"),
    # At 0.01 SGD underfits the 50-epoch budget (training accuracy 66% at the best epoch, AdamW's 73%);
    # 0.05 is the usual rate at batch 64 (0.1 at 128).
    "sgd_nesterov_lr05": (_nesterov_sgd(0.05), "SGD with Nesterov momentum 0.9, learning rate 0.05, weight decay 1e-3"),
    # Keras's AdamW decays the weights by 0.004 (times the learning rate) a step; 0.05 is the usual decay
    # for convolutional networks trained with AdamW (DeiT, ConvNeXt). It costs no compute; on the split it
    # raises validation accuracy without the test-time views, not with them (benchmarks/RESULTS.md).
    "wd05": ({"optimizer": {"class_name": "AdamW", "config": {"weight_decay": 0.05}}}, "AdamW weight decay 0.05 instead of Keras's 0.004"),
    # The recipe's peak rate is twice Keras's Adam default; with cosine decay over a fixed budget, the
    # peak sets how far the weights move early on. On the split the default fits the training faces less
    # well and loses (benchmarks/RESULTS.md).
    "lr1e3": ({"learning_rate": 1e-3}, "AdamW peak learning rate 1e-3, Keras's default, instead of 2e-3"),
    # Polyak averaging: validation, early stopping and the fitted network use the optimizer's moving
    # average of the weights, which smooths the last epochs' steps. At 0.999 the average spans about a
    # thousand steps, two to three epochs of the split at batch 64. On the split it ties with the recipe:
    # the cosine schedule leaves the last epochs little to smooth (benchmarks/RESULTS.md).
    "ema999": (
        {"optimizer": {"class_name": "AdamW", "config": {"use_ema": True, "ema_momentum": 0.999}}},
        "an exponential moving average of the weights (momentum 0.999) for validation and the fitted network",
    ),
    # FER2013's labels are noisy: FER+ (Barsoum et al. 2016) had ten annotators relabel its faces, and
    # many disagree with the original label. Smoothing 0.2 instead of the recipe's 0.1 trusts each label
    # less and keeps the logits of the other emotions from being pushed as far down.
    # On the split it loses: the test-time views add less to it (benchmarks/RESULTS.md).
    "ls02": ({"label_smoothing": 0.2}, "label smoothing 0.2 instead of 0.1"),
    "plateau": ({"lr_schedule": "plateau"}, "the learning rate halved after 3 epochs without a better validation accuracy, instead of cosine decay"),
    # Beta(0.2, 0.2) weights, the usual choice for natural images: most batches stay close to one of the two faces.
    # On the split it loses with the test-time views: 0.6 points on the whole-face recipe, 1.9 beside the
    # random crops and shortcuts (benchmarks/RESULTS.md).
    "mixup02": ({"mixup": 0.2}, "mixup, Beta(0.2, 0.2) weights"),
    # Random Erasing's own choice (Zhong et al. 2020): p = 0.5. Unlike CutMix, the targets stay as they are.
    # On the split, like CutMix, it fits the training faces less well and loses (benchmarks/RESULTS.md).
    "erase05": ({"erasing": 0.5}, "Random Erasing: a random rectangle of half the training faces set to the mean"),
    # CutMix's own choice, Beta(1, 1): box areas uniform (before clipping at the borders).
    "cutmix10": ({"cutmix": 1.0}, "CutMix, Beta(1, 1) box areas"),
    "residual": ({"residual": True}, "ResNet-style shortcuts around each block"),
    # Squeeze-and-excitation adds well under 1% to the multiply-adds. Reduction 8, not the paper's 16:
    # at the CPU recipe's widths (32 to 256 channels) 16 would leave two units in the first gate. On the
    # split its epochs take longer and it is less accurate with the test-time views (benchmarks/RESULTS.md).
    "se8": ({"squeeze_excitation": 8}, "a squeeze-and-excitation gate (reduction 8) on each block's last convolution"),
    # Width on the 22x22 to 6x6 maps: the last three blocks 1.25x as wide, about 1.44x the multiply-adds,
    # towards the full-size recipe's 64-512 channels (a first block of 40 channels, not a multiple of 16,
    # trains far slower than one of 48). On the split its epochs take longer, and it fits the training
    # faces sooner but ties with the recipe on the validation faces with the test-time views
    # (benchmarks/RESULTS.md).
    "wide_late": ({"widths": (32, 80, 160, 320)}, "the last three blocks 1.25x as wide: 80, 160 and 320 channels instead of 64-256"),
    # Every block 1.5x as wide, every channel count a multiple of 16: 2.25x the multiply-adds. On the
    # split its epochs take longer, and it fits the training faces better but ties with the recipe on
    # the validation faces with the test-time views (benchmarks/RESULTS.md).
    "wide15": ({"widths": (48, 96, 192, 384)}, "every block 1.5x as wide: 48, 96, 192 and 384 channels instead of 32-256"),
    # Parameters in the head cost little compute next to the convolutions.
    "head512": ({"head_units": 512}, "a dense head of 512 units instead of 256"),
    # Per-block dropout 0.3 underfits where 0.15 does not, and the levers that fit the training faces
    # less well (SGD, mixup, CutMix) lose on this budget; this one removes the per-block dropout.
    "dropout0": ({"dropout": 0.0}, "no dropout after each block instead of 0.15"),
    # Depth on the small maps: the last two blocks work on 11x11 and 6x6 maps (at 44x44 crops), where a
    # third convolution adds 0.74M parameters and few multiply-adds. Its epochs still take longer, and it
    # fits the training faces better but not the validation faces (benchmarks/RESULTS.md).
    "deep_late": ({"convs_per_block": (2, 2, 3, 3)}, "a third convolution in each of the last two blocks"),
    # The other way: one convolution fewer, on the largest maps (44x44), for cheaper epochs; on the
    # split it is less accurate at equal epochs (benchmarks/RESULTS.md).
    "shallow_early": ({"convs_per_block": (1, 2, 2, 2)}, "one convolution in the first block instead of two"),
}


def modern_with_levers(*levers, quick=False, dtype_policy="auto", random_state=0, verbose=0):
    """The ``modern`` recipe, its budget on all it is fitted on, with levers of :data:`MODERN_LEVERS`.

    Parameters
    ----------
    *levers : str
        Keys of :data:`MODERN_LEVERS`, one or more; no two may set the same parameter.
    quick, dtype_policy, random_state, verbose
        As in :func:`tuned_network`.

    Returns
    -------
    estimator : ModernCNNClassifier (unfitted)
    """
    params = _lever_params(levers)
    network = tuned_network("modern", quick=quick, dtype_policy=dtype_policy, random_state=random_state, verbose=verbose)
    return network.set_params(**params)


def lever_network(*levers, quick=False, dtype_policy="auto", random_state=0, verbose=0):
    """The ``modern`` recipe with levers of :data:`MODERN_LEVERS`, on the levers' Training split.

    Parameters
    ----------
    *levers : str
        Keys of :data:`MODERN_LEVERS`, one or more (``lever_network("crop44", "head512")``: a
        lever measured on top of the crop lever). No two may set the same parameter.
    quick, dtype_policy, random_state, verbose
        As in :func:`tuned_network` (``quick`` keeps its 2-epoch budget).

    Returns
    -------
    estimator : ModernCNNClassifier (unfitted)
        Early stopping on a stratified 10% split of what it is fitted on,
        :data:`LEVER_BUDGET` epochs.
    """
    network = modern_with_levers(*levers, quick=quick, dtype_policy=dtype_policy, random_state=random_state, verbose=verbose)
    return network.set_params(**({"early_stopping": True} if quick else LEVER_BUDGET))


def _lever_params(levers):
    if not levers:
        raise ValueError(f"name at least one lever; known: {', '.join(MODERN_LEVERS)}")
    params, set_by = {}, {}
    for lever in levers:
        if lever not in MODERN_LEVERS:
            raise ValueError(f"unknown lever {lever!r}; known: {', '.join(MODERN_LEVERS)}")
        for name, value in MODERN_LEVERS[lever][0].items():
            if name in set_by:
                raise ValueError(f"levers {set_by[name]!r} and {lever!r} both set {name}; combine levers that set different parameters")
            params[name], set_by[name] = value, lever
    return params


# Several short runs against one long one at the same total budget: three members of the `modern`
# recipe, a third of its epochs each, seeds apart.
VOTE_MEMBERS = 3
VOTE_MEMBER_EPOCHS = MODERN_EPOCHS // VOTE_MEMBERS


def voting_networks(*, quick=False, dtype_policy="auto", random_state=0, verbose=0):
    """A soft vote of :data:`VOTE_MEMBERS` ``modern`` networks, each trained for
    :data:`VOTE_MEMBER_EPOCHS` epochs from its own seed.

    Together they train as many epochs as one ``modern`` run: the comparison of
    several short networks against one long one at equal total time.

    Parameters
    ----------
    quick, dtype_policy, random_state, verbose
        As in :func:`tuned_network`; member ``i`` is seeded ``random_state + i``.

    Returns
    -------
    estimator : sklearn.ensemble.VotingClassifier (unfitted)
    """
    from sklearn.ensemble import VotingClassifier

    members = []
    for i in range(VOTE_MEMBERS):
        member = tuned_network("modern", quick=quick, dtype_policy=dtype_policy, random_state=random_state + i, verbose=verbose)
        members.append((f"seed{random_state + i}", member if quick else member.set_params(epochs=VOTE_MEMBER_EPOCHS)))
    return VotingClassifier(members, voting="soft")


def selection_split(random_state=0, train_size=None):
    """The searches' model selection: one stratified 10% hold-out of Training (PublicTest stays unseen).

    ``train_size`` (a fraction of Training) fits the candidates on part of the rest only, for
    models whose fit grows faster than the data (kernel SVMs); ``None``: all of the rest.
    """
    from sklearn.model_selection import StratifiedShuffleSplit

    return StratifiedShuffleSplit(n_splits=1, test_size=0.1, train_size=train_size, random_state=random_state)


@dataclass(frozen=True)
class Settings:
    """What an experiment is built with: :func:`make_experiment`'s arguments, and what follows from them."""

    quick: bool = False
    aux_data: tuple = None
    random_state: int = 0
    verbose: int = 0
    n_jobs: int = None
    max_evals: int = None
    trials_file: object = None
    dtype_policy: str = "auto"

    @property
    def keras_verbose(self):
        return 2 if self.verbose == 1 else self.verbose  # level 1: one Keras line per epoch; 2 and up: progress bars

    @property
    def epochs(self):
        return QUICK_EPOCHS if self.quick else 30

    @property
    def modern_epochs(self):
        return QUICK_EPOCHS if self.quick else MODERN_EPOCHS

    @property
    def lever_epochs(self):
        return QUICK_EPOCHS if self.quick else LEVER_BUDGET["epochs"]

    @property
    def vote_member_epochs(self):
        return QUICK_EPOCHS if self.quick else VOTE_MEMBER_EPOCHS

    @property
    def search_epochs(self):
        return SEARCH_EPOCHS["quick" if self.quick else "full"]

    @property
    def network_params(self):
        """The untuned networks' training settings."""
        common = dict(epochs=self.epochs, dtype_policy=self.dtype_policy, random_state=self.random_state, verbose=self.keras_verbose)
        return dict(common, batch_size=32) if self.quick else dict(common, early_stopping=True)

    @property
    def small_cnn(self):
        return dict(filters=(8, 16), dense_units=64) if self.quick else {}

    @property
    def fnn_units(self):
        return (128,) if self.quick else (1152,)

    @property
    def search(self):
        return dict(cv=selection_split(self.random_state), n_jobs=self.n_jobs)

    @property
    def hyperopt(self):
        from ..search import BASELINE_MAX_EVALS

        max_evals = self.max_evals or (2 if self.quick else BASELINE_MAX_EVALS)
        return dict(max_evals=max_evals, trials_file=self.trials_file, random_state=self.random_state, verbose=int(self.verbose > 0))

    @property
    def recipe(self):
        return dict(quick=self.quick, dtype_policy=self.dtype_policy, random_state=self.random_state, verbose=self.keras_verbose)
