"""Classical pipelines on FER2013 (HOG, HOG + LBP, a bag of dense visual words, all three; SVMs): fit on Training,
report PublicTest with the shared metrics, fit and predict times side by side.

    python benchmarks/bench_hog_svm.py --data ../shared/data/fer2013 [--only TEXT] [--n N] [--out FOLDER]

With --out, each pipeline's figures go to FOLDER/<key>.json, a record `sklearn-fer report` renders.
"""

import json
import time
from pathlib import Path

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from _common import machine, parser, random_subsets
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.experiments import EXPERIMENTS, make_experiment
from sklearn_fer.features import HOGTransformer
from sklearn_fer.metrics import evaluate
from sklearn_fer.networks import describe_machine

# key -> (description, factory)
PIPELINES = {
    "hog8_svc": ("HOG 9/8x8/2x2 + scaler + RBF SVC (C=1)", lambda: make_pipeline(
        HOGTransformer(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)), StandardScaler(), SVC(C=1.0)
    )),
    "hog6_svc": ("HOG 9/6x6/2x2 sqrt + scaler + RBF SVC (C=5)", lambda: make_pipeline(
        HOGTransformer(orientations=9, pixels_per_cell=(6, 6), cells_per_block=(2, 2), transform_sqrt=True),
        StandardScaler(),
        SVC(C=5.0),
    )),
    # The named experiments (`sklearn-fer run hog_lbp_svm --data ...` fits the same pipeline).
    **{
        name: (EXPERIMENTS[name].description, lambda name=name: make_experiment(name, n_jobs=-1))
        for name in ("hog_lbp_svm", "bovw_svm", "hog_lbp_bovw_svm")
    },
}


def main():
    p = parser(__doc__)
    p.add_argument("--only", default=None, help="run only the pipelines whose key or description contains this text")
    p.add_argument("--n", type=int, default=None, help="fit on N random Training faces and score on N // 8 PublicTest (smoke runs)")
    p.add_argument("--out", default=None, help="write each pipeline's figures to OUT/<key>.json")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    if args.n:
        random_subsets(train, test, args.n)
    print(f"machine: {machine()}; fit on {len(train.target)} Training, score on {len(test.target)} PublicTest")
    for key, (description, make) in PIPELINES.items():
        if args.only and args.only not in key and args.only not in description:
            continue
        start = time.time()
        result = evaluate(make(), test.data, test.target, X_fit=train.data, y_fit=train.target)
        result.update(experiment=key, description=description, wall_seconds=time.time() - start, n_train=len(train.target), machine=describe_machine())
        print(
            f"{description}: PublicTest accuracy {result['accuracy']:.4f}, balanced {result['balanced_accuracy']:.4f}, "
            f"macro-F1 {result['f1_macro']:.4f}, fit {result['fit_time']:.0f} s, predict {result['predict_time']:.1f} s "
            f"({result['predict_time_per_sample']:.2f} ms/face)",
            flush=True,
        )
        print("  per-class recall:", json.dumps({k[7:]: round(v, 3) for k, v in result.items() if k.startswith("recall_")}))
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / f"{key}.json").write_text(json.dumps(result, indent=1, default=float))


if __name__ == "__main__":
    main()
