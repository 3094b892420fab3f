"""Knowledge distillation as a meta-estimator: a small student network taught by a teacher's probabilities."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._networks import TINY_NETWORK, FNNClassifier


def soften(probabilities, temperature):
    """Class probabilities at a higher temperature: ``p ** (1 / T)``, renormalised.

    For softmax outputs this equals the softmax of the logits divided by ``T``
    (Hinton et al., 2015), without needing the logits.
    """
    logs = np.log(np.clip(probabilities, 1e-12, None)) / temperature
    logs -= logs.max(axis=1, keepdims=True)
    softened = np.exp(logs)
    return softened / softened.sum(axis=1, keepdims=True)


class DistilledClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A student network trained on a teacher's softened class probabilities (knowledge distillation).

    ``fit`` fits (a clone of) the teacher on ``(X, y)`` -- wrap an already fitted
    teacher, such as a soft-voting ensemble of trained networks, in
    :class:`sklearn.frozen.FrozenEstimator` to keep it as it is -- then trains
    (a clone of) the student on ``alpha * one_hot(y) + (1 - alpha) * soften(teacher
    probabilities, temperature)``. Predictions are the student's alone, so a small
    student predicts at its own speed.

    Parameters
    ----------
    teacher : classifier
        Any classifier with ``predict_proba`` whose classes include those of ``y``.
    student : network classifier
        A sklearn-fer network (its ``fit`` takes ``target_probabilities``).
    temperature : float, default=2.0
        Softening of the teacher's probabilities (1: as given; higher: flatter,
        so the student also learns which wrong classes the teacher finds close).
    alpha : float, default=0.5
        Weight of the true labels in the targets (0: the teacher's alone).

    Attributes
    ----------
    teacher_ : classifier
        The fitted teacher.
    student_ : network classifier
        The trained student, which makes the predictions.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    """

    _test_params = [
        dict(teacher=LogisticRegression(), student=FNNClassifier(**TINY_NETWORK, hidden_layer_sizes=(16,)))
    ]
    _parameter_constraints = {
        "teacher": [HasMethods(["fit", "predict_proba"])],
        "student": [HasMethods(["fit", "predict_proba"])],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, teacher, student, *, temperature=2.0, alpha=0.5):
        self.teacher = teacher
        self.student = student
        self.temperature = temperature
        self.alpha = alpha

    def fit(self, X, y):
        """Fit the teacher, then train the student on the blended targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, h * w) or (n_samples, h, w[, 1])
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.teacher_ = clone(self.teacher).fit(X, y)
        targets = self._blended_targets(self.teacher_.predict_proba(X), y)
        self.student_ = clone(self.student).fit(X, y, target_probabilities=targets)
        self.classes_ = self.student_.classes_
        self.n_features_in_ = self.student_.n_features_in_
        return self

    def _blended_targets(self, teacher_probabilities, y):
        classes = np.unique(y)
        teacher_classes = np.asarray(self.teacher_.classes_)
        missing = classes[~np.isin(classes, teacher_classes)]
        if missing.size:
            raise ValueError(f"the teacher knows the classes {teacher_classes.tolist()}; y also has {missing.tolist()}")
        column_of = {label: column for column, label in enumerate(teacher_classes.tolist())}
        columns = [column_of[label] for label in classes.tolist()]
        soft = soften(teacher_probabilities[:, columns], self.temperature)
        one_hot = (y[:, None] == classes[None, :]).astype(float)
        return self.alpha * one_hot + (1.0 - self.alpha) * soft

    def predict_proba(self, X):
        """The student's class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, h * w) or (n_samples, h, w[, 1])

        Returns
        -------
        probabilities : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.student_.predict_proba(X)

    def predict(self, X):
        """The student's predicted classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, h * w) or (n_samples, h, w[, 1])

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.student_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
