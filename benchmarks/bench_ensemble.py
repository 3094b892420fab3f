"""Soft voting and stacking over already-trained networks, with scikit-learn's own tools.

Each saved model (``--models a.keras b.keras ...``: the ``.keras`` networks bench_networks.py writes, or
any fitted classifier ``sklearn-fer run`` saved, ``.keras`` or ``.joblib``; ``PATH#NAME`` takes the member
``NAME`` of a saved ensemble, e.g. ``out/pretrained_classical_vote/model.joblib#hog_lbp_bovw_svm``)
is wrapped in ``sklearn.frozen.FrozenEstimator`` so that nothing retrains (a member is named after its
file, or after its folder for ``sklearn-fer run``'s ``<experiment>/model.keras``), and the members are combined
by ``VotingClassifier(voting="soft")``. Prints each member's PublicTest figures and the ensemble's, the
gain over the best member, and per-face predict times.

With ``--subsets``, the soft vote of every smaller group of two or more members is scored as well (the
mean of their probabilities, which the full vote is checked to equal): what each member adds. Those
figures are on PublicTest, so they describe the members and choose nothing.

With ``--stack``, the members are also combined by ``StackingClassifier`` (a logistic regression over
their probabilities). Its final estimator learns from faces no member trained on: the Training rows
the members held out for early stopping (``bench_networks.py --lever ...`` networks; every member must
have held out the same rows). On those rows the script also compares the best member, the soft vote and
the stack (5-fold cross-validated), the figures to choose by; PublicTest is reported.

    python benchmarks/bench_ensemble.py --data ../shared/data/fer2013 --models out/a.keras out/b.keras [--subsets] [--stack]
"""

import json
import time
from itertools import combinations
from pathlib import Path

import numpy as np

from _common import early_stopping_rows, machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer._models import load_model_file
from sklearn_fer.experiments import fitted_network
from sklearn_fer.metrics import score_predictions

STACK_FOLDS = 5


def soft_vote(members, X_fit, y_fit):
    """A fitted VotingClassifier over frozen, already-trained members."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator

    voting = VotingClassifier([(name, FrozenEstimator(model)) for name, model in members.items()], voting="soft")
    voting.fit(X_fit, y_fit)  # encodes the labels; the frozen members do not train
    for name, member in members.items():
        if not np.array_equal(voting.classes_, member.classes_):
            raise ValueError(f"the faces given to fit hold classes {voting.classes_.tolist()}, member {name} knows {member.classes_.tolist()}")
    return voting


def stack(members, X_fit, y_fit):
    """A StackingClassifier over frozen members, its logistic regression fitted on (X_fit, y_fit).

    The frozen members do not retrain in the stacker's cross-validation, so its final estimator sees
    the members' probabilities on ``X_fit``: faces the members must not have trained on.
    """
    from sklearn.ensemble import StackingClassifier
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    stacking = StackingClassifier(
        [(name, FrozenEstimator(model)) for name, model in members.items()],
        final_estimator=LogisticRegression(max_iter=1000), stack_method="predict_proba", cv=STACK_FOLDS,
    )
    return stacking.fit(X_fit, y_fit)


def held_out_rows(members, targets, option="--stack"):
    """The Training rows every member held out for early stopping; an error naming ``option`` if they differ or a member has none."""
    rows = None
    for name, model in members.items():
        network = fitted_network(model)
        if not network.early_stopping:
            raise SystemExit(f"{option}: member {name} trained on all of Training (early_stopping=False): no Training face is unseen by it")
        own = np.sort(early_stopping_rows(network, targets))
        if rows is not None and not np.array_equal(own, rows):
            raise SystemExit(f"{option}: member {name} held out other Training rows than the members before it (validation_fraction or random_state differ)")
        rows = own
    return rows


def compare_on_held_out(members, X, y):
    """Accuracy on the held-out rows: each member, the soft vote, and the stack's final estimator (cross-validated)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    probabilities = [model.predict_proba(X) for model in members.values()]
    classes = next(iter(members.values())).classes_
    figures = {name: float(np.mean(classes[proba.argmax(axis=1)] == y)) for name, proba in zip(members, probabilities)}
    figures["soft vote"] = float(np.mean(classes[np.mean(probabilities, axis=0).argmax(axis=1)] == y))
    # StackingClassifier's own features (the members' probabilities side by side) and its default folds.
    stacked = cross_val_predict(LogisticRegression(max_iter=1000), np.hstack(probabilities), y, cv=StratifiedKFold(STACK_FOLDS))
    figures["stacking"] = float(np.mean(stacked == y))
    return figures


def subset_votes(probabilities, classes, y):
    """Scores of the soft vote of every group of two or more members, short of all of them.

    ``probabilities`` maps each member's name to its ``predict_proba`` on the faces whose labels are ``y``.
    """
    names = list(probabilities)
    groups = [group for size in range(2, len(names)) for group in combinations(names, size)]
    return {
        " + ".join(group): score_predictions(y, classes[np.mean([probabilities[name] for name in group], axis=0).argmax(axis=1)])
        for group in groups
    }


def file_member_name(path):
    """A member's name from its file: the file's stem, or for ``sklearn-fer run``'s ``<experiment>/model.keras``
    (or ``.joblib``) the experiment's folder."""
    return path.parent.name if path.stem == "model" and path.parent.name else path.stem


def load_member(spec):
    """``(name, fitted classifier)`` from ``PATH`` or ``PATH#MEMBER`` (a member of a saved ensemble)."""
    from sklearn.frozen import FrozenEstimator

    path, _, member = spec.partition("#")
    model = load_model_file(path)
    if not member:
        return file_member_name(Path(path)), model
    members = getattr(model, "named_estimators_", None)
    if members is None:
        raise SystemExit(f"--models {spec}: {path} holds a {type(model).__name__}, not an ensemble with named members")
    if member not in members:
        raise SystemExit(f"--models {spec}: {path} has no member {member!r}; its members: {', '.join(members)}")
    model = members[member]
    return member, model.estimator if isinstance(model, FrozenEstimator) else model  # the fitted model inside


def load_members(specs, option):
    """``{name: fitted classifier}`` for ``specs`` (see :func:`load_member`); an error naming ``option`` if two share a name."""
    members = dict(load_member(spec) for spec in specs)
    if len(members) < len(specs):
        raise SystemExit(f"{option}: two members have one name ({', '.join(specs)}); rename a file")
    return members


def _row(name, y_true, y_pred, seconds, n):
    scores = score_predictions(y_true, y_pred)
    return _table_line(name, scores, f"{1000 * seconds / n:.1f}"), scores


def _table_line(name, scores, predict_ms):
    return (
        f"| {name} | {100 * scores['accuracy']:.1f}% | {100 * scores['balanced_accuracy']:.1f}% | {100 * scores['f1_macro']:.1f}% "
        f"| {100 * scores['recall_disgust']:.1f}% | {100 * scores['recall_fear']:.1f}% | {predict_ms} |"
    )


def main():
    p = parser(__doc__)
    p.add_argument("--models", nargs="+", required=True, help="saved models (.keras, .joblib), or PATH#MEMBER: a member of a saved ensemble")
    p.add_argument("--subsets", action="store_true", help="also score the soft vote of every smaller group of two or more members")
    p.add_argument("--stack", action="store_true", help="also stack the members, fitted on the Training rows they held out")
    p.add_argument("--out", help="write the figures as JSON here")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    members = load_members(args.models, "--models")
    print(f"machine: {machine()}; PublicTest: {len(test.target)} faces; members: {', '.join(members)}")
    print("| model | accuracy | balanced | macro-F1 | disgust recall | fear recall | predict ms/face |")
    print("|---|---|---|---|---|---|---|")
    record, probabilities = {}, []
    for name, model in members.items():
        start = time.perf_counter()
        proba = model.predict_proba(test.data)
        seconds = time.perf_counter() - start
        probabilities.append(proba)
        line, record[name] = _row(name, test.target, model.classes_[proba.argmax(axis=1)], seconds, len(test.target))
        print(line, flush=True)
    voting = soft_vote(members, train.data[::50], train.target[::50])  # every class, to encode the labels
    start = time.perf_counter()
    ensemble_proba = voting.predict_proba(test.data)
    seconds = time.perf_counter() - start
    np.testing.assert_allclose(ensemble_proba, np.mean(probabilities, axis=0), rtol=1e-5, atol=1e-6)
    line, record["soft vote"] = _row("VotingClassifier(soft) of the frozen members", test.target, voting.classes_[ensemble_proba.argmax(axis=1)], seconds, len(test.target))
    print(line)
    if args.subsets:
        record["subsets"] = subset_votes(dict(zip(members, probabilities)), voting.classes_, test.target)
        for group, scores in record["subsets"].items():
            print(_table_line(f"soft vote of {group}", scores, "-"))
    if args.stack:
        rows = held_out_rows(members, train.target)
        X_held, y_held = train.data[rows], train.target[rows]
        stacking = stack(members, X_held, y_held)
        start = time.perf_counter()
        stacked_pred = stacking.predict(test.data)
        seconds = time.perf_counter() - start
        line, record["stacking"] = _row("StackingClassifier(LogisticRegression) of the frozen members", test.target, stacked_pred, seconds, len(test.target))
        print(line)
        record["held out"] = compare_on_held_out(members, X_held, y_held)
        figures = ", ".join(f"{name} {100 * value:.1f}%" for name, value in record["held out"].items())
        print(f"accuracy on the {len(rows)} Training faces the members held out (stacking: {STACK_FOLDS}-fold cross-validated): {figures}")
    best = max(record[name]["accuracy"] for name in members)
    print(f"gain over the best member: {100 * (record['soft vote']['accuracy'] - best):+.1f} points (soft vote)", end="")
    print(f", {100 * (record['stacking']['accuracy'] - best):+.1f} (stacking)" if args.stack else "")
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1, default=float))


if __name__ == "__main__":
    main()
