"""Knowledge distillation: a small `modern` student taught by a soft-voting ensemble of trained networks.

The teacher is ``VotingClassifier(voting="soft")`` over ``FrozenEstimator``-wrapped saved networks (as in
bench_ensemble.py); the student is the `modern` recipe at smaller widths, trained by
``DistilledClassifier`` on all of Training. With ``--labels-only`` the same student is also trained on
the labels alone, the comparison that says what the teacher adds. Prints PublicTest figures, parameter
counts, and predict times per face in a batch and for one face alone, side by side.

    python benchmarks/bench_distill.py --data ../shared/data/fer2013 --teachers out/a.keras out/b.keras \\
        --widths 16,32,64,128 --head-units 128 --epochs 40 --labels-only --out out/distill.json
"""

import json
import time
from pathlib import Path
from statistics import median

from sklearn.frozen import FrozenEstimator

from _common import machine, parser, random_subsets
from bench_ensemble import load_members, soft_vote
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators import DistilledClassifier
from sklearn_fer.experiments import tuned_network
from sklearn_fer.metrics import score_predictions


def single_face_ms(model, faces, repeats=30):
    """Median milliseconds of ``predict_proba`` on one face (after one warm-up call)."""
    model.predict_proba(faces[:1])
    times = []
    for face in faces[:repeats]:
        start = time.perf_counter()
        model.predict_proba(face[None])
        times.append(time.perf_counter() - start)
    return 1000 * median(times)


def measure(name, model, test, parameters):
    start = time.perf_counter()
    proba = model.predict_proba(test.data)
    batch_ms = 1000 * (time.perf_counter() - start) / len(test.target)
    scores = score_predictions(test.target, model.classes_[proba.argmax(axis=1)])
    row = dict(scores, parameters=parameters, batch_ms_per_face=batch_ms, single_face_ms=single_face_ms(model, test.data))
    print(
        f"| {name} | {parameters:,} | {100 * scores['accuracy']:.1f}% | {100 * scores['balanced_accuracy']:.1f}% "
        f"| {100 * scores['f1_macro']:.1f}% | {batch_ms:.1f} | {row['single_face_ms']:.1f} |",
        flush=True,
    )
    return row


def main():
    p = parser(__doc__)
    p.add_argument("--teachers", nargs="+", required=True, help="saved networks (.keras) whose soft vote teaches")
    p.add_argument("--widths", default="16,32,64,128", help="the student's block widths")
    p.add_argument("--head-units", type=int, default=128)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--temperature", type=float, default=2.0)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--labels-only", action="store_true", help="also train the student on the labels alone")
    p.add_argument("--n", type=int, default=None, help="train on N random Training faces, score N // 8 PublicTest ones (smoke runs)")
    p.add_argument("--out", help="write the figures as JSON here")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    if args.n:
        random_subsets(train, test, args.n)
    members = load_members(args.teachers, "--teachers")
    teacher = soft_vote(members, train.data, train.target)
    teacher_parameters = sum(member.model_.count_params() for member in members.values())
    student = tuned_network("modern", verbose=2).set_params(
        widths=tuple(int(w) for w in args.widths.split(",")), head_units=args.head_units, epochs=args.epochs
    )
    print(f"machine: {machine()}; {len(train.target)} Training faces; teacher: soft vote of {', '.join(members)}")
    print(f"student: {student}; temperature {args.temperature}, alpha {args.alpha}", flush=True)
    record = {"settings": vars(args)}
    students = {"distilled": DistilledClassifier(FrozenEstimator(teacher), student, temperature=args.temperature, alpha=args.alpha)}
    if args.labels_only:
        students["labels only"] = student
    fitted = {}
    for name, model in students.items():
        start = time.perf_counter()
        model.fit(train.data, train.target)
        fitted[name] = model
        record[f"{name} fit seconds"] = time.perf_counter() - start
        print(f"{name} student fitted in {record[f'{name} fit seconds'] / 60:.1f} min", flush=True)
    print("| model | parameters | accuracy | balanced | macro-F1 | batch ms/face | one face ms |")
    print("|---|---|---|---|---|---|---|")
    record["teacher"] = measure("teacher: soft vote", teacher, test, teacher_parameters)
    for name, model in fitted.items():
        network = getattr(model, "student_", model)
        record[name] = measure(f"student, {name}", model, test, network.model_.count_params())
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1, default=float))


if __name__ == "__main__":
    main()
