"""Train each network on FER2013 Training, select on a split of Training, report PublicTest.

Model selection (early stopping with best-weight restore) uses a stratified 10% split of
Training; PublicTest is only used for the final report, with the shared metrics.

    python benchmarks/bench_networks.py --data ../shared/data/fer2013 --mnist ../shared/data/mnist --network cnn
"""

import ast
import functools
import json
import time

import joblib
from pathlib import Path

from _common import DEFAULT_DATA, machine, parser
from sklearn_fer.datasets import load_fer2013, load_mnist
from sklearn_fer.experiments import EXPERIMENTS, MODERN_LEVERS, TUNED_NETWORKS, fitted_network, lever_network, tuned_network
from sklearn_fer.metrics import evaluate
from sklearn_fer.networks import describe_machine

# The baseline report's figure for each network (PrivateTest; None: no comparable figure).
BASELINE_FIGURES = {"fnn": 0.455, "cnn": 0.585, "transfer": 0.409, "multitask": None, "modern": None}


def networks(mnist):
    """The recipes (sklearn_fer.experiments.tuned_network), as measured here: dtype policy "auto", one line per epoch."""
    return {
        name: functools.partial(tuned_network, name, aux_data=mnist, dtype_policy="auto", verbose=2)
        for name in TUNED_NETWORKS
    }


def _override(item):
    name, separator, value = item.partition("=")
    if not separator:
        raise SystemExit(f"--set {item!r}: expected PARAM=VALUE")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value  # a bare string such as --set optimizer=sgd


def _lever_experiment(levers):
    """The experiment ``split_<lever>`` or ``split_crop44_<lever>`` that trains these levers."""
    name = f"split_{'_'.join(levers)}"
    if name not in EXPERIMENTS:
        known = ", ".join(n for n in EXPERIMENTS if n.startswith("split_"))
        raise SystemExit(f"--lever {' '.join(levers)}: no experiment {name}; the lever experiments: {known}")
    return name


def _description(args, lever_experiment, network):
    """What was trained, for the record and the report: the recipe, its lever or overrides, its budget and data."""
    parts = [EXPERIMENTS[lever_experiment].description.partition(";")[0] if lever_experiment else f"{args.network} recipe"]
    parts += args.set
    data = f"{1 - network.validation_fraction:.0%} of Training (early stopping)" if network.early_stopping else "all of Training"
    return ", ".join(parts) + f"; {network.epochs} epochs on {data}"


def main():
    p = parser(__doc__)
    p.add_argument("--mnist", default=str(Path(DEFAULT_DATA).parent / "mnist"))
    p.add_argument("--network", required=True, choices=sorted(BASELINE_FIGURES))
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epoch budget")
    p.add_argument(
        "--set", action="append", default=[], metavar="PARAM=VALUE",
        help="override a parameter of the recipe's network, e.g. --set dropout=0.1 (a Python literal; repeatable)",
    )
    p.add_argument(
        "--lever", nargs="+", default=None, choices=sorted(MODERN_LEVERS),
        help="train the modern recipe with a lever on the Training split (the experiment split_LEVER: 50 epochs, early stopping); "
        "'--lever crop44 LEVER' is the experiment split_crop44_LEVER, the lever on top of the crop lever",
    )
    p.add_argument("--tag", default=None, help="name of the output files (default: the network's)")
    p.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = p.parse_args()
    if args.lever is not None and args.network != "modern":
        raise SystemExit(f"--lever {' '.join(args.lever)}: levers apply to the modern recipe, not {args.network}")
    lever_experiment = _lever_experiment(args.lever) if args.lever else None  # an unknown combination fails before any work
    tag = args.tag or lever_experiment or args.network
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    mnist = load_mnist(args.mnist, return_X_y=True) if args.network in ("transfer", "multitask") else None
    if args.lever is not None:
        model = lever_network(*args.lever, dtype_policy="auto", verbose=2)
    else:
        model = networks(mnist)[args.network]()
    network = fitted_network(model)  # the Keras step of a Pipeline, where history_ lives
    if args.epochs:
        network.set_params(epochs=args.epochs)
    network.set_params(**dict(_override(item) for item in args.set))
    print(f"machine: {machine()}; {args.network}: {model}", flush=True)
    start = time.time()
    result = evaluate(model, test.data, test.target, X_fit=train.data, y_fit=train.target)
    result.update(experiment=tag, description=_description(args, lever_experiment, network), network=args.network, wall_seconds=time.time() - start, epochs_run=len(network.history_["loss"]),
                  history=dict(network.history_), baseline_figure=BASELINE_FIGURES[args.network],
                  dtype_policy=network.dtype_policy_, machine=describe_machine(), lever=args.lever)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{tag}.json").write_text(json.dumps(result, indent=1))
    if model is network:
        model.save(out / f"{tag}.keras")
    else:
        joblib.dump(model, out / f"{tag}.joblib")
    print(
        f"RESULT {args.network}: PublicTest accuracy {result['accuracy']:.4f} (baseline report {BASELINE_FIGURES[args.network]}), "
        f"balanced {result['balanced_accuracy']:.4f}, macro-F1 {result['f1_macro']:.4f}, "
        f"{result['epochs_run']} epochs, fit {result['fit_time'] / 60:.1f} min, wall {result['wall_seconds'] / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
