"""Knowledge distillation: a `modern` student taught by a soft-voting ensemble of trained networks.

The teacher is ``VotingClassifier(voting="soft")`` over ``FrozenEstimator``-wrapped saved networks (as in
bench_ensemble.py); the student, trained by ``DistilledClassifier``, is either the `modern` recipe at
smaller widths (``--widths``, ``--head-units``) or, with ``--levers``, the full-size recipe with those
levers (``--levers crop44 residual``: the shipped network's recipe, a "born-again" student as large as
one member). With ``--labels-only`` the same student is also trained on the labels alone, the
comparison that says what the teacher adds. Prints PublicTest figures, parameter counts, and predict
times per face in a batch and for one face alone, side by side.

``--split`` trains the student as the lever runs do (``lever_network``: 50 epochs, early stopping on
the seed's stratified 10% of Training) and adds the teacher's and the student's accuracy on those
held-out faces, the figures to compare with the lever run ``split_<levers>`` of the same seed. The
teachers must then be networks that never trained on those faces: split runs of the same seed (checked).

    python benchmarks/bench_distill.py --data ../shared/data/fer2013 --teachers out/a.keras out/b.keras \\
        --widths 16,32,64,128 --head-units 128 --epochs 40 --labels-only --out out/distill.json
    python benchmarks/bench_distill.py --data ../shared/data/fer2013 --teachers out/levers/split_*/model.keras \\
        --levers crop44 residual --split --save out/born_again_split.keras --out out/born_again_split.json
"""

import json
import time
from pathlib import Path
from statistics import median

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score

from _common import early_stopping_rows, machine, parser, random_subsets
from bench_ensemble import held_out_rows, load_members, soft_vote
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators import DistilledClassifier
from sklearn_fer.experiments import lever_network, modern_with_levers, tuned_network
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


def make_student(args):
    """The untrained student the arguments describe (see the module docstring)."""
    if args.levers:
        if args.widths or args.head_units:
            raise SystemExit("--widths / --head-units: the student of --levers has the recipe's sizes; give one or the other")
        if args.split:
            return lever_network(*args.levers, random_state=args.random_state, verbose=2)
        return modern_with_levers(*args.levers, random_state=args.random_state, verbose=2).set_params(epochs=args.epochs)
    if args.split:
        raise SystemExit("--split trains the student of --levers as the lever runs do; name the levers")
    student = tuned_network("modern", random_state=args.random_state, verbose=2)
    return student.set_params(
        widths=tuple(int(w) for w in (args.widths or "16,32,64,128").split(",")), head_units=args.head_units or 128, epochs=args.epochs
    )


def check_teachers_held_out_the_students_faces(members, student, targets):
    """With ``--split``: an error unless every teacher held out exactly the Training faces the student is scored on."""
    teachers_rows = held_out_rows(members, targets, "--split --teachers")
    if not np.array_equal(teachers_rows, np.sort(early_stopping_rows(student, targets))):
        raise SystemExit(
            f"--split --teachers: the teachers held out other Training faces than the student (random_state={student.random_state}, "
            f"validation_fraction={student.validation_fraction}), so they trained on faces it is scored on; use split runs of its seed"
        )


def held_out_accuracy(name, model, train, rows):
    """Accuracy on the Training faces ``rows`` (the split the student early-stopped on), printed."""
    accuracy = accuracy_score(train.target[rows], model.predict(train.data[rows]))
    print(f"{name}: {100 * accuracy:.1f}% on the {len(rows)} held-out Training faces", flush=True)
    return accuracy


def main():
    p = parser(__doc__)
    p.add_argument("--teachers", nargs="+", required=True, help="saved networks (.keras) whose soft vote teaches")
    p.add_argument("--widths", default=None, help="the small student's block widths (default 16,32,64,128)")
    p.add_argument("--head-units", type=int, default=None, help="the small student's head (default 128)")
    p.add_argument("--levers", nargs="+", default=None, help="a full-size student: the modern recipe with these levers")
    p.add_argument("--split", action="store_true", help="train the --levers student as the lever runs do and score the held-out faces")
    p.add_argument("--epochs", type=int, default=40, help="the student's epochs (not with --split: the lever runs' budget)")
    p.add_argument("--random-state", type=int, default=0, help="the student's seed (with --split, also its held-out faces)")
    p.add_argument("--save", help="save the distilled student network here (.keras), e.g. for bench_tta.py")
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
    student = make_student(args)
    members = load_members(args.teachers, "--teachers")
    if args.split:
        check_teachers_held_out_the_students_faces(members, student, train.target)
    teacher = soft_vote(members, train.data, train.target)
    teacher_parameters = sum(member.model_.count_params() for member in members.values())
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
    if args.split:
        if args.n:
            print("with --n the held-out faces are drawn from the subset: the teachers may have trained on them")
        rows = early_stopping_rows(fitted["distilled"].student_, train.target)
        record["held-out accuracy"] = {name: held_out_accuracy(name, model, train, rows) for name, model in [("teacher", teacher), *fitted.items()]}
    record["distilled student history"] = fitted["distilled"].student_.history_
    if args.save:
        fitted["distilled"].student_.save(args.save)
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1, default=float))


if __name__ == "__main__":
    main()
