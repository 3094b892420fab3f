"""The named experiments: one record each (name, description, builder, kind, the baseline row it answers)."""

from dataclasses import dataclass
from typing import Callable

from ._recipes import (
    BOVW_FEATURES,
    CHOSEN_HOG,
    CHOSEN_SVC_C,
    CLASSICAL_PCA_COMPONENTS,
    HOG_SVM_CANDIDATE_FRACTION,
    HOG_SVM_GRID,
    LBP_FEATURES,
    LEVER_BUDGET,
    MODERN_EPOCHS,
    MODERN_LEVERS,
    QUICK_CNN_GRID,
    QUICK_BOVW_FEATURES,
    QUICK_CLASSICAL_PCA_COMPONENTS,
    QUICK_HOG_SVM_GRID,
    SVC_CACHE_MB,
    VOTE_MEMBERS,
    lever_network,
    modern_with_levers,
    selection_split,
    tuned_network,
    voting_networks,
)

# The levers of the shipped network's recipe, `modern_crop44_residual`; the split levers are also
# measured on top of them.
_SHIPPED_LEVERS = ("crop44", "residual")

# The baseline report's rows and their PrivateTest accuracy. A range is the spread of its augmentation
# variants; None: no comparable figure (its multi-task 86% was binary accuracy over one-hot outputs).
BASELINE_ROWS = {
    "FNN (hyperopt-tuned)": 0.455,
    "CNN (grid / hyperopt-tuned)": 0.585,
    "CNN + augmentation (standardisation, ZCA whitening, rotation)": (0.577, 0.603),
    "MNIST transfer": 0.409,
    "MNIST + FER multi-task": None,
}
_FNN, _CNN, _AUGMENTED, _TRANSFER, _MULTITASK = BASELINE_ROWS

# Published FER2013 records under the official protocol (no training data beyond FER2013 Training,
# PublicTest only for selection), as accuracy on PrivateTest: the report's reference lines.
PUBLISHED_REFERENCES = {
    "8-network ensemble (Pramerdorfer & Kampel 2016)": 0.752,
    "single VGG-type network (Pramerdorfer & Kampel 2016)": 0.727,
    "CNN with an SVM loss (Tang 2013, the challenge's winner)": 0.712,
    "dense SIFT bag of visual words + SVM (Ionescu et al. 2013)": 0.675,
}


@dataclass(frozen=True)
class Experiment:
    """A named experiment.

    Attributes
    ----------
    name : str
    description : str
        May name the budgets the settings give: ``{search_epochs}``, ``{epochs}``, ``{grid}``,
        ``{modern_epochs}``, ``{lever_epochs}``, ``{vote_member_epochs}``.
    build : callable
        ``build(settings)`` -> the unfitted estimator (:class:`~sklearn_fer.experiments.Settings`).
    kind : {"single", "search"}
        A search keeps its finished candidates in a trials file and resumes from it.
    auxiliary : bool
        Trains on a second data set (MNIST, or scikit-learn's digits without one).
    answers : tuple of str
        The rows of the baseline report (keys of :data:`BASELINE_ROWS`) it reruns or improves on.
    in_table : bool
        A row of the table ``sklearn-fer benchmark`` runs by default; the lever
        ablation runs only when named.
    """

    name: str
    description: str
    build: Callable
    kind: str = "single"
    auxiliary: bool = False
    answers: tuple = ()
    in_table: bool = True

    def describe(self, settings):
        """The description with the budgets these settings give."""
        grid = QUICK_CNN_GRID if settings.quick else {"dropout": "[0.1..0.5]", "kernel_size": [2, 3]}
        grid_text = f"dropout {grid['dropout']} x kernel {grid['kernel_size']}".replace("'", "")
        return self.description.format(
            search_epochs=settings.search_epochs, epochs=settings.epochs, grid=grid_text,
            modern_epochs=settings.modern_epochs, lever_epochs=settings.lever_epochs,
            vote_member_epochs=settings.vote_member_epochs,
        )

    @property
    def baseline_figure(self):
        """The figure of the first baseline row it answers (None: no comparable figure)."""
        return BASELINE_ROWS[self.answers[0]] if self.answers else None


def _estimators():
    from .. import estimators

    return estimators


def _hog(settings):
    from ..features import HOGTransformer

    return HOGTransformer(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2), n_jobs=settings.n_jobs)


def _hog_svm(s):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(_hog(s), StandardScaler(), SVC(C=1.0))


def _hog_svm_grid(s):
    from ..metrics import fer_scorers
    from ..search import ResumableGridSearchCV

    return ResumableGridSearchCV(
        _hog_svm(s), QUICK_HOG_SVM_GRID if s.quick else HOG_SVM_GRID, scoring=fer_scorers(), refit="accuracy",
        cv=selection_split(s.random_state, train_size=HOG_SVM_CANDIDATE_FRACTION), n_jobs=s.n_jobs, checkpoint=s.trials_file,
        verbose=min(s.verbose, 1),
    )


def _chosen_svc():
    """The RBF SVC of the classical pipelines beside HOG: hog_svm_grid's C, a kernel cache for all of Training."""
    from sklearn.svm import SVC

    return SVC(C=CHOSEN_SVC_C, cache_size=SVC_CACHE_MB)


def _hog_lbp_svm(s):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(_hog_lbp_union(s), StandardScaler(), _chosen_svc())


def _hog_lbp_union(s, *more_features):
    from sklearn.pipeline import make_union

    from ..features import HOGTransformer, LBPTransformer

    return make_union(HOGTransformer(**CHOSEN_HOG, n_jobs=s.n_jobs), LBPTransformer(**LBP_FEATURES, n_jobs=s.n_jobs), *more_features)


def _visual_words(s):
    from ..features import BagOfVisualWords

    words = QUICK_BOVW_FEATURES if s.quick else BOVW_FEATURES
    return BagOfVisualWords(**words, random_state=s.random_state, n_jobs=s.n_jobs)


def _bovw_svm(s):
    from sklearn.pipeline import make_pipeline

    return make_pipeline(_visual_words(s), _chosen_svc())


def _hog_lbp_bovw_svm(s):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    components = QUICK_CLASSICAL_PCA_COMPONENTS if s.quick else CLASSICAL_PCA_COMPONENTS
    return make_pipeline(
        _hog_lbp_union(s, _visual_words(s)), StandardScaler(), PCA(components, random_state=s.random_state), _chosen_svc()
    )


def _pretrained_classical_vote(s):
    """The shipped network, frozen, soft-voting with ``hog_lbp_bovw_svm`` (its SVC with Platt probabilities)."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator

    from ..pretrained import load_pretrained

    classical = _hog_lbp_bovw_svm(s).set_params(svc__probability=True, svc__random_state=s.random_state)
    return VotingClassifier([("pretrained", FrozenEstimator(load_pretrained())), ("hog_lbp_bovw_svm", classical)], voting="soft")


def _hog_fnn(s):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    network = _estimators().FNNClassifier(hidden_layer_sizes=s.fnn_units, dropout=0.5, image_shape=(1, -1), **s.network_params)
    return make_pipeline(_hog(s), StandardScaler(), network)


def _cnn(s, **params):
    return _estimators().CNNClassifier(**s.small_cnn, **params, **s.network_params)


def _search_cnn(s):
    return _estimators().CNNClassifier(**s.small_cnn, **{**s.network_params, "epochs": s.search_epochs})


def _fnn_hyperopt(s):
    from ..search import baseline_hyperopt_search

    network = _estimators().FNNClassifier(hidden_layer_sizes=s.fnn_units, **s.network_params)
    return baseline_hyperopt_search("fnn", network, **s.search, **s.hyperopt)


def _cnn_grid(s):
    from ..search import baseline_grid_search

    return baseline_grid_search(
        _search_cnn(s), param_grid=QUICK_CNN_GRID if s.quick else None, checkpoint=s.trials_file, verbose=min(s.verbose, 1),
        refit_params={"epochs": s.epochs}, **s.search,
    )


def _cnn_hyperopt(s):
    from ..search import baseline_hyperopt_search

    return baseline_hyperopt_search("cnn", _search_cnn(s), refit_params={"epochs": s.epochs}, **s.search, **s.hyperopt)


def _with_transformer(transformer, s):
    from sklearn.pipeline import make_pipeline

    return make_pipeline(transformer, _cnn(s))


def _transfer(s):
    return _estimators().TransferCNNClassifier(
        source_data=s.aux_data, source_epochs=1 if s.quick else 3, fine_tune_epochs=1 if s.quick else 15, **s.small_cnn, **s.network_params
    )


def _preprocessing():
    from .. import preprocessing

    return preprocessing


EXPERIMENTS = {
    experiment.name: experiment
    for experiment in (
        Experiment("hog_svm", "HOG (9 orientations, 8x8 cells, 2x2 blocks) + scaler + RBF SVC", _hog_svm),
        Experiment(
            "hog_svm_grid",
            "HOG + scaler + RBF SVC, grid cells 6/8 x sqrt x C 1/5 (candidates on a third of Training, chosen one refit on all)",
            _hog_svm_grid, kind="search",
        ),
        Experiment(
            "hog_lbp_svm",
            "HOG (8x8 cells, square root: hog_svm_grid's choice) + uniform LBP histograms (6x6 cells) in a FeatureUnion "
            "+ scaler + RBF SVC (C=5)",
            _hog_lbp_svm,
        ),
        Experiment(
            "bovw_svm",
            "Bag of visual words: DAISY descriptors every 2 pixels, MiniBatchKMeans codebook of 512 words (16 when quick), "
            "1 + 2x2 spatial pyramid (Hellinger-mapped) + RBF SVC (C=5)",
            _bovw_svm,
        ),
        Experiment(
            "hog_lbp_bovw_svm",
            "HOG + uniform LBP + bovw_svm's visual words in a FeatureUnion + scaler + PCA to 1000 components (20 when quick) "
            "+ RBF SVC (C=5)",
            _hog_lbp_bovw_svm,
        ),
        Experiment("hog_fnn", "HOG (9 orientations, 8x8 cells, 2x2 blocks) + scaler + feed-forward net", _hog_fnn),
        Experiment(
            "fnn", "Feed-forward net 2304-1152-7",
            lambda s: _estimators().FNNClassifier(hidden_layer_sizes=s.fnn_units, dropout=0.3, **s.network_params), answers=(_FNN,),
        ),
        Experiment(
            "fnn_hyperopt", "Feed-forward net, baseline hyperopt space (activation, dropout, optimizer), TPE",
            _fnn_hyperopt, kind="search", answers=(_FNN,),
        ),
        Experiment(
            "fnn_tuned", "Our FNN recipe: 2304-2048-1024-7, per-image standardisation, flips, cosine LR, flip TTA",
            lambda s: tuned_network("fnn", **s.recipe), answers=(_FNN,),
        ),
        Experiment("cnn", "Baseline CNN (32-32, 64-64, dense 512)", _cnn, answers=(_CNN,)),
        Experiment(
            "cnn_grid", "Baseline CNN, grid {grid} (candidates {search_epochs} epochs, refit {epochs})",
            _cnn_grid, kind="search", answers=(_CNN,),
        ),
        Experiment(
            "cnn_hyperopt",
            "Baseline CNN, baseline hyperopt space (kernel 1/3/5, dropout, optimizer), TPE (trials {search_epochs} epochs, refit {epochs})",
            _cnn_hyperopt, kind="search", answers=(_CNN,),
        ),
        Experiment(
            "cnn_tuned", "Our recipe of the baseline CNN: flip + shift in fit, lighter dropout, cosine LR, flip TTA",
            lambda s: tuned_network("cnn", **s.recipe), answers=(_CNN, _AUGMENTED),
        ),
        Experiment(
            "cnn_standardized", "Baseline CNN on per-image standardised faces (fitted transformer)",
            lambda s: _with_transformer(_preprocessing().ImageStandardizer(mode="sample"), s), answers=(_AUGMENTED,),
        ),
        Experiment(
            "cnn_zca", "Baseline CNN on ZCA-whitened faces (fitted transformer)",
            lambda s: _with_transformer(_preprocessing().ZCAWhitening(epsilon=0.1), s), answers=(_AUGMENTED,),
        ),
        Experiment(
            "cnn_rotation", "Baseline CNN + in-fit random rotation (15 degrees)", lambda s: _cnn(s, rotation=15), answers=(_AUGMENTED,)
        ),
        Experiment(
            "cnn_augmented", "Baseline CNN + in-fit augmentation (flip, rotation, shift)",
            lambda s: _cnn(s, flip=True, rotation=10, shift=0.1), answers=(_AUGMENTED,),
        ),
        Experiment("transfer", "MNIST-pretrained CNN, new head, fine-tuned", _transfer, auxiliary=True, answers=(_TRANSFER,)),
        Experiment(
            "multitask", "Joint MNIST + FER multi-task CNN",
            lambda s: _estimators().MultiTaskCNNClassifier(aux_data=s.aux_data, **s.small_cnn, **s.network_params),
            auxiliary=True, answers=(_MULTITASK,),
        ),
        Experiment(
            "modern", "Modern VGG-style CNN (BN, aug, cosine LR, label smoothing, flip + shift TTA)",
            lambda s: tuned_network("modern", **s.recipe),
        ),
        Experiment(
            "modern_crop44",
            "Modern recipe with random 44x44 crops in training (the crop lever: as accurate on the split, more images a second), "
            "{modern_epochs} epochs on all of Training",
            lambda s: modern_with_levers("crop44", **s.recipe),
        ),
        Experiment(
            "modern_crop44_residual",
            "Modern recipe with random 44x44 crops in training and ResNet-style shortcuts around each block (the shipped "
            "network), {modern_epochs} epochs on all of Training",
            lambda s: modern_with_levers(*_SHIPPED_LEVERS, **s.recipe),
        ),
        Experiment(
            "modern_vote",
            f"Soft vote (VotingClassifier) of {VOTE_MEMBERS} modern networks of {{vote_member_epochs}} epochs, one seed each "
            "(the epochs of one modern run)",
            lambda s: voting_networks(**s.recipe),
        ),
        Experiment(
            "pretrained_classical_vote",
            "Soft vote (VotingClassifier) of the shipped network (FrozenEstimator: not retrained) and hog_lbp_bovw_svm "
            "(its SVC with Platt-scaled probabilities), equal weights",
            _pretrained_classical_vote,
        ),
    )
}


def _lever_experiments(*base_levers):
    """The experiments ``split_<levers>``: each lever of :data:`MODERN_LEVERS` on top of ``base_levers``.

    Without a base, every lever alone, against ``split_recipe``; with a base (``crop44``; ``crop44`` and
    ``residual``, the shipped recipe), every other lever on top of it, against ``split_<base levers>``,
    on the same Training split. A lever that sets a parameter of a base lever takes that lever's place
    (``crop40`` on the shipped recipe: ``split_crop40_residual``); where it would replace the whole
    base, it is the lever alone, already among the experiments without a base.
    """
    experiments = {}
    for lever, (_, wording) in MODERN_LEVERS.items():
        if base_levers and lever in ("recipe", *base_levers):
            continue
        levers = _stacked_levers(base_levers, lever)
        if base_levers and levers == (lever,):
            continue
        name = f"split_{'_'.join(levers)}"
        against = f", against split_{'_'.join(base_levers)}" if base_levers else ""
        experiments[name] = Experiment(
            name,
            f"modern recipe, {'levers' if base_levers else 'lever'} {' + '.join(levers)} ({wording}); "
            f"{{lever_epochs}} epochs on 90% of Training (early stopping){against}",
            lambda s, levers=levers: lever_network(*levers, **s.recipe),
            in_table=False,
        )
    return experiments


def _stacked_levers(base_levers, lever):
    """``base_levers`` with ``lever`` added, in place of the base levers that set one of its parameters."""
    params = MODERN_LEVERS[lever][0].keys()
    kept = [base if params.isdisjoint(MODERN_LEVERS[base][0]) else lever for base in base_levers]
    return tuple(dict.fromkeys(kept)) if lever in kept else (*kept, lever)


# The lever ablation of the modern recipe (`sklearn-fer run split_crop44 --data ...`), the levers on top
# of the crop lever (`sklearn-fer run split_crop44_head512 --data ...`) and on top of the shipped recipe
# (`sklearn-fer run split_crop44_residual_dropout0 --data ...`, against split_crop44_residual).
EXPERIMENTS.update(_lever_experiments())
EXPERIMENTS.update(_lever_experiments("crop44"))
EXPERIMENTS.update(_lever_experiments(*_SHIPPED_LEVERS))

# The shipped recipe on the split with the full-length budget instead of the levers' 50 epochs: whether more
# epochs of the same network are what the single network lacks. They fit the training faces better and the
# validation faces no better than the seed-to-seed spread (benchmarks/RESULTS.md).
_SHIPPED_SPLIT = f"split_{'_'.join(_SHIPPED_LEVERS)}"
_LONGER_SPLIT = f"{_SHIPPED_SPLIT}_epochs{MODERN_EPOCHS}"
EXPERIMENTS[_LONGER_SPLIT] = Experiment(
    _LONGER_SPLIT,
    f"modern recipe, levers {' + '.join(_SHIPPED_LEVERS)} (the shipped network) with {{modern_epochs}} epochs instead of "
    f"{LEVER_BUDGET['epochs']}; 90% of Training (early stopping), against {_SHIPPED_SPLIT}",
    lambda s: lever_network(*_SHIPPED_LEVERS, **s.recipe).set_params(epochs=s.modern_epochs),
    in_table=False,
)
