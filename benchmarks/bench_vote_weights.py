"""The classical member's weight in a soft vote of networks and the classical pipeline, chosen on
Training faces that no member trained on.

``bench_ensemble.py`` votes with equal weights, so each network added takes weight from the classical
member, the member whose errors differ from the networks'. Here that weight is chosen without PublicTest:

1. The networks of the lever runs (``--split-networks``: models of ``sklearn-fer run split_*`` or
   ``bench_networks.py --lever``) held out the same stratified 10% of Training for early stopping.
2. The classical pipeline (``hog_lbp_bovw_svm``, its SVC with Platt probabilities, as in
   ``pretrained_classical_vote``) is fitted on the other 90% and saved to ``--split-classical`` with
   those rows, or loaded from there when that file exists and was fitted on the same rows.
3. On the held-out faces each candidate weight ``w`` (the classical member's share; the networks share
   ``1 - w`` equally) is scored, and the most accurate is chosen. A 5-fold cross-validation of that
   choice (chosen on four folds, scored on the fifth) estimates its accuracy without the optimism of
   choosing and scoring on the same faces.
4. ``VotingClassifier(voting="soft", weights=...)`` over frozen members trained on all of Training
   (``--networks`` and ``--classical``) is scored on PublicTest with the chosen weight, next to equal
   weights.

    python benchmarks/bench_vote_weights.py --data ../shared/data/fer2013 \\
        --split-networks out/levers/split_crop44_residual/model.keras out/levers/split_crop44_head512/model.keras \\
        --split-classical out/split_hog_lbp_bovw_svm.joblib \\
        --networks crop44_seed0.keras crop44_seed1.keras --classical "out/vote/model.joblib#hog_lbp_bovw_svm"
"""

import json
import time
from pathlib import Path

import joblib
import numpy as np

from _common import machine, parser
from bench_ensemble import _row, _table_line, held_out_rows, load_members
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.metrics import score_predictions

WEIGHT_GRID = np.round(np.arange(0.0, 0.85, 0.05), 2)
CHOICE_FOLDS = 5


def network_weights(n_networks, classical_weight):
    """``VotingClassifier`` weights: the networks share ``1 - classical_weight`` equally, the classical member (last) the rest."""
    return [(1 - classical_weight) / n_networks] * n_networks + [classical_weight]


def weighted_vote(network_probas, classical_proba, classical_weight):
    """The soft vote's probabilities: the networks' mean, and the classical member, mixed by ``classical_weight``."""
    return (1 - classical_weight) * np.mean(network_probas, axis=0) + classical_weight * classical_proba


def weight_scores(network_probas, classical_proba, y, classes, grid=WEIGHT_GRID):
    """Accuracy of the vote for each candidate classical weight."""
    return {float(w): float(np.mean(classes[weighted_vote(network_probas, classical_proba, w).argmax(axis=1)] == y)) for w in grid}


def best_weight(scores):
    """The most accurate candidate weight of :func:`weight_scores` (the smallest of equals)."""
    return max(scores, key=lambda w: (scores[w], -w))


def cross_validated_choice(network_probas, classical_proba, y, classes, grid=WEIGHT_GRID, n_folds=CHOICE_FOLDS):
    """Accuracy of choosing the weight on all folds but one and voting on that one, over the folds; and the choices."""
    from sklearn.model_selection import StratifiedKFold

    correct, chosen = np.zeros(len(y), dtype=bool), []
    network_probas = np.asarray(network_probas)
    for fit_rows, score_rows in StratifiedKFold(n_folds, shuffle=True, random_state=0).split(classical_proba, y):
        w = best_weight(weight_scores(network_probas[:, fit_rows], classical_proba[fit_rows], y[fit_rows], classes, grid))
        vote = weighted_vote(network_probas[:, score_rows], classical_proba[score_rows], w)
        correct[score_rows] = classes[vote.argmax(axis=1)] == y[score_rows]
        chosen.append(w)
    return float(correct.mean()), chosen


def split_classical(path, X, y, fit_rows, n_jobs):
    """The classical member fitted on the networks' training rows: loaded from ``path``, or fitted and saved there.

    The file keeps the Training rows the member was fitted on, and a file fitted on other rows is refused.
    """
    if Path(path).exists():
        saved = joblib.load(path)
        if not (isinstance(saved, dict) and np.array_equal(saved.get("fit_rows"), fit_rows)):
            raise SystemExit(
                f"--split-classical: {path} was not fitted on the {len(fit_rows)} Training rows that the --split-networks "
                "trained on; remove it to fit it again"
            )
        print(f"classical member on the split: loaded from {path}", flush=True)
        return saved["model"]
    from sklearn_fer.experiments import make_experiment

    model = make_experiment("hog_lbp_bovw_svm", n_jobs=n_jobs).set_params(svc__probability=True, svc__random_state=0)
    start = time.time()
    model.fit(X, y)
    print(f"classical member on the split: fitted on {len(y)} faces in {(time.time() - start) / 60:.1f} min, saved to {path}", flush=True)
    joblib.dump({"model": model, "fit_rows": fit_rows}, path)
    return model


def main():
    p = parser(__doc__)
    p.add_argument("--split-networks", nargs="+", required=True, help="networks that held out the same 10%% of Training (lever runs)")
    p.add_argument("--split-classical", required=True, help="the classical member fitted on the other 90%%: loaded (if fitted on those rows), or fitted and saved here")
    p.add_argument("--networks", nargs="+", required=True, help="networks trained on all of Training (.keras, .joblib, PATH#MEMBER)")
    p.add_argument("--classical", required=True, help="the classical member trained on all of Training (.joblib or PATH#MEMBER)")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel feature extraction of the classical fit")
    p.add_argument("--out", help="write the figures as JSON here")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    split_networks = load_members(args.split_networks, "--split-networks")
    rows = held_out_rows(split_networks, train.target, option="--split-networks")
    fit_rows = np.setdiff1d(np.arange(len(train.target)), rows)
    print(f"machine: {machine()}; {len(rows)} held-out Training faces, the classical split member fits on {len(fit_rows)}", flush=True)
    classical = split_classical(args.split_classical, train.data[fit_rows], train.target[fit_rows], fit_rows, args.n_jobs)
    X_held, y_held = train.data[rows], train.target[rows]
    classes = classical.classes_
    for name, model in split_networks.items():
        if not np.array_equal(model.classes_, classes):
            raise SystemExit(f"--split-networks: {name} knows classes {model.classes_.tolist()}, the classical member {classes.tolist()}")
    network_probas = [model.predict_proba(X_held) for model in split_networks.values()]
    classical_proba = classical.predict_proba(X_held)
    scores = weight_scores(network_probas, classical_proba, y_held, classes)
    chosen = best_weight(scores)
    cv_accuracy, fold_choices = cross_validated_choice(network_probas, classical_proba, y_held, classes)
    print("classical weight -> accuracy on the held-out faces: " + ", ".join(f"{w:.2f}: {100 * a:.1f}%" for w, a in scores.items()))
    equal = 1 / (len(network_probas) + 1)  # the classical member's share when every member weighs the same
    equal_accuracy = weight_scores(network_probas, classical_proba, y_held, classes, grid=[equal])[equal]
    print(
        f"chosen weight {chosen:.2f} ({100 * scores[chosen]:.1f}%); equal weights ({equal:.2f}) {100 * equal_accuracy:.1f}%; "
        f"the choice {CHOICE_FOLDS}-fold cross-validated {100 * cv_accuracy:.1f}% (weights chosen per fold: {fold_choices})",
        flush=True,
    )
    record = {"held_out_faces": int(len(rows)), "weight_scores": scores, "chosen_weight": chosen, "cross_validated_accuracy": cv_accuracy, "fold_choices": fold_choices}
    record["publictest"] = score_on_publictest(args, chosen, train, test)
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1, default=float))


def score_on_publictest(args, chosen, train, test):
    """The members trained on all of Training, soft-voted with the chosen classical weight and with equal weights."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator

    members = load_members([*args.networks, args.classical], "--networks / --classical")
    n_networks = len(args.networks)
    voting = VotingClassifier([(name, FrozenEstimator(model)) for name, model in members.items()], voting="soft", weights=network_weights(n_networks, chosen))
    voting.fit(train.data[::50], train.target[::50])  # encodes the labels; the frozen members do not train
    print("| model | accuracy | balanced | macro-F1 | disgust recall | fear recall | predict ms/face |")
    print("|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    probas = voting.transform(test.data).reshape(len(test.target), len(members), -1).transpose(1, 0, 2)  # each member's predict_proba
    seconds = time.perf_counter() - start
    weighted = weighted_vote(probas[:n_networks], probas[n_networks], chosen)
    np.testing.assert_allclose(voting.predict_proba(test.data[:100]), weighted[:100], rtol=1e-5, atol=1e-6)
    record = {}
    for name, proba in zip(members, probas):
        record[name] = score_predictions(test.target, voting.classes_[proba.argmax(axis=1)])
        print(_table_line(name, record[name], "-"))
    for label, proba in ((f"soft vote, classical weight {chosen:.2f} (chosen on the held-out faces)", weighted), ("soft vote, equal weights", probas.mean(axis=0))):
        line, record[label] = _row(label, test.target, voting.classes_[proba.argmax(axis=1)], seconds, len(test.target))
        print(line)
    return record


if __name__ == "__main__":
    main()
