"""Soft voting over already-trained networks, with scikit-learn's own tools.

Each saved network (``--models a.keras b.keras ...``, e.g. the ``.keras`` files bench_networks.py writes)
is wrapped in ``sklearn.frozen.FrozenEstimator`` so that nothing retrains, and the members are combined
by ``VotingClassifier(voting="soft")``. Prints each member's PublicTest figures and the ensemble's, the
gain over the best member, and per-face predict times.

    python benchmarks/bench_ensemble.py --data ../shared/data/fer2013 --models out/a.keras out/b.keras
"""

import json
import time
from pathlib import Path

import numpy as np

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators import load_model
from sklearn_fer.metrics import score_predictions


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


def _row(name, y_true, y_pred, seconds, n):
    scores = score_predictions(y_true, y_pred)
    return (
        f"| {name} | {100 * scores['accuracy']:.1f}% | {100 * scores['balanced_accuracy']:.1f}% | {100 * scores['f1_macro']:.1f}% "
        f"| {100 * scores['recall_disgust']:.1f}% | {100 * scores['recall_fear']:.1f}% | {1000 * seconds / n:.1f} |"
    ), scores


def main():
    p = parser(__doc__)
    p.add_argument("--models", nargs="+", required=True, help="saved networks (.keras)")
    p.add_argument("--out", help="write the figures as JSON here")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    members = {Path(path).stem: load_model(path) for path in args.models}
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
    best = max(record[name]["accuracy"] for name in members)
    print(f"gain over the best member: {100 * (record['soft vote']['accuracy'] - best):+.1f} points")
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1, default=float))


if __name__ == "__main__":
    main()
