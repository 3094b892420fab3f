"""float32 against dtype_policy="auto" on the same recipe and seed: training images/s and PublicTest accuracy.

Fits the ``modern`` recipe (sklearn_fer.experiments.tuned_network) on a stratified sample of ``--n`` Training faces
for ``--epochs`` epochs in each policy, one after the other in one process, and scores PublicTest.
A short budget: it checks that "auto" is faster and loses no accuracy, not what the recipe reaches.
``--policies`` compares others (on a CPU where "auto" is float32: float32 against mixed_bfloat16).

    python benchmarks/bench_dtype_policy.py --data ../shared/data/fer2013 --n 12800 --epochs 4
    python benchmarks/bench_dtype_policy.py --data ../shared/data/fer2013 --policies float32 mixed_bfloat16
"""

import numpy as np
from _common import machine, parser
from sklearn.model_selection import train_test_split

from sklearn_fer.datasets import load_fer2013
from sklearn_fer.experiments import tuned_network
from sklearn_fer.metrics import evaluate
from sklearn_fer.networks import DTYPE_POLICIES, describe_dtype_policy


def main():
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=12800)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--network", default="modern")
    p.add_argument("--seed", type=int, default=0, help="random seed of both fits (and of the sample)")
    p.add_argument("--policies", nargs=2, default=["float32", "auto"], choices=DTYPE_POLICIES, metavar="POLICY", help="the two dtype policies to compare")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    # The folders list the faces emotion by emotion: sample across them.
    sample, _ = train_test_split(np.arange(len(train.target)), train_size=args.n, stratify=train.target, random_state=args.seed)
    X, y = train.data[sample], train.target[sample]
    print(f"machine: {machine()}; auto resolves to {describe_dtype_policy('auto')}")
    print(f"{args.network} recipe, {len(y)} Training faces, {args.epochs} epochs, seed {args.seed}")
    print("| dtype policy | fit s | training images/s | PublicTest accuracy | macro-F1 |")
    print("|---|---|---|---|---|")
    rates = {}
    for policy in args.policies:
        model = tuned_network(args.network, dtype_policy=policy, random_state=args.seed)
        model.set_params(epochs=args.epochs)
        result = evaluate(model, test.data, test.target, X_fit=X, y_fit=y)
        rates[policy] = len(y) * args.epochs / result["fit_time"]
        print(
            f"| {describe_dtype_policy(policy)} | {result['fit_time']:.0f} | {rates[policy]:.0f} | "
            f"{result['accuracy']:.1%} | {result['f1_macro']:.1%} |",
            flush=True,
        )
    first, second = args.policies
    print(f"{second} / {first} training speed: {rates[second] / rates[first]:.2f}x")


if __name__ == "__main__":
    main()
