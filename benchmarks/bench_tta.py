"""Test-time flip and shift averaging (``tta_flip``, ``tta_shift``) on a network trained by bench_networks.py.

Reports accuracy with and without ``tta_flip``, and with each ``--shifts`` value of ``tta_shift``, on the inner validation split the network was
early-stopped on (the 10% of Training that bench_networks.py held out, recovered from its seed)
and on PublicTest. The decision belongs to the validation figures; neither parameter changes anything in
training, so the saved network with them set is exactly what a fit with them gives.

    python benchmarks/bench_tta.py --data ../shared/data/fer2013 --model benchmarks/out/cnn.keras --shifts 2,3
"""

import joblib
import numpy as np
from sklearn.metrics import accuracy_score

from _common import early_stopping_rows, machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators import load_model
from sklearn_fer.experiments import fitted_network


def _load(path):
    return load_model(path) if str(path).endswith(".keras") else joblib.load(path)


def main():
    p = parser(__doc__)
    p.add_argument("--model", required=True, help=".keras file or .joblib pipeline written by bench_networks.py")
    p.add_argument(
        "--split", choices=("stratified", "random"), default="stratified",
        help="how the network's early-stopping split was drawn: 'stratified' (what the networks do) or 'random' "
        "(for networks saved with an unstratified split)",
    )
    p.add_argument(
        "--restored-by", choices=("loss", "accuracy"), default="loss",
        help="the network's early-stopping monitor, to find its restored epoch in the history (the "
        "bench_networks.py recipes that early-stop: loss)",
    )
    p.add_argument("--shifts", default="", help="comma-separated tta_shift values (pixels) to score with tta_flip=True")
    args = p.parse_args()
    model = _load(args.model)
    network = fitted_network(model)
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    validation = early_stopping_rows(network, train.target, stratified=args.split == "stratified")
    print(f"machine: {machine()}; {args.model}: {type(network).__name__}, {len(validation)} validation faces ({args.split} split)")
    history = network.history_
    accuracy_key = next((key for key in ("val_accuracy", "val_emotion_accuracy") if key in history), None)
    if accuracy_key:
        restored = int(np.argmin(history["val_loss"]) if args.restored_by == "loss" else np.argmax(history[accuracy_key]))
        print(f"history: {accuracy_key} {history[accuracy_key][restored]:.4f} at the restored epoch {restored + 1} (should match below)")
    settings = [(False, 0), (True, 0)] + [(True, int(shift)) for shift in args.shifts.split(",") if shift]
    for flip, shift in settings:
        network.set_params(tta_flip=flip, tta_shift=shift)
        val = accuracy_score(train.target[validation], model.predict(train.data[validation]))
        public = accuracy_score(test.target, model.predict(test.data))
        print(f"tta_flip={flip!s:5} tta_shift={shift}: validation {val:.4f}, PublicTest {public:.4f}")


if __name__ == "__main__":
    main()
