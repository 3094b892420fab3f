"""Choosing the classical pipelines' features on a split of Training (PublicTest is not read): fit on N
random Training faces, score on M other Training faces, fit times side by side.

    python benchmarks/select_classical.py --data ../shared/data/fer2013 [--n-fit 6000] [--n-score 2000]

Each feature set is computed once; a candidate stacks some of them column-wise (what a `FeatureUnion`
does) before an RBF SVC, with or without a scaler and PCA. The Hellinger-mapped visual-word histograms
go to the SVC unscaled, as in `bovw_svm`.
"""

import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.experiments import CHOSEN_HOG, CHOSEN_SVC_C, LBP_FEATURES, SVC_CACHE_MB
from sklearn_fer.features import BagOfVisualWords, HOGTransformer, LBPTransformer

FEATURES = {
    "hog": lambda: HOGTransformer(**CHOSEN_HOG, n_jobs=2),
    "lbp": lambda: LBPTransformer(**LBP_FEATURES, n_jobs=2),
    "words256_step4_radius8": lambda: BagOfVisualWords(n_words=256, step=4, radius=8, random_state=0, n_jobs=2),
    "words512_step2_radius6": lambda: BagOfVisualWords(n_words=512, step=2, radius=6, random_state=0, n_jobs=2),
}
# name -> (feature sets, scaled, PCA components or None)
CANDIDATES = {
    "HOG + LBP (hog_lbp_svm)": (["hog", "lbp"], True, None),
    "256 words every 4 px, radius 8": (["words256_step4_radius8"], False, None),
    "512 words every 2 px, radius 6": (["words512_step2_radius6"], False, None),
    "HOG + LBP + 512 words": (["hog", "lbp", "words512_step2_radius6"], True, None),
    "HOG + LBP + 512 words, PCA 1000": (["hog", "lbp", "words512_step2_radius6"], True, 1000),
    "HOG + LBP + 512 words, PCA 600": (["hog", "lbp", "words512_step2_radius6"], True, 600),
}


def main():
    p = parser(__doc__)
    p.add_argument("--n-fit", type=int, default=6000, help="Training faces the candidates fit on")
    p.add_argument("--n-score", type=int, default=2000, help="other Training faces they are scored on")
    p.add_argument("--seed", type=int, default=1, help="random seed of the two subsets")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    rows = np.random.default_rng(args.seed).permutation(len(train.target))
    fit_rows, score_rows = rows[: args.n_fit], rows[args.n_fit : args.n_fit + args.n_score]
    X_fit, y_fit, X_score, y_score = train.data[fit_rows], train.target[fit_rows], train.data[score_rows], train.target[score_rows]
    print(f"machine: {machine()}; fit on {len(fit_rows)} Training faces, score on {len(score_rows)} other Training faces")
    features = {}
    for name, make in FEATURES.items():
        start = time.time()
        transformer = make()
        features[name] = (transformer.fit_transform(X_fit, y_fit), transformer.transform(X_score))
        print(f"{name}: {features[name][0].shape[1]} columns, {time.time() - start:.0f} s", flush=True)
    print("| candidate | columns | SVC fit | held-out Training accuracy |\n|---|---|---|---|")
    for name, (parts, scaled, components) in CANDIDATES.items():
        F_fit = np.hstack([features[part][0] for part in parts])
        F_score = np.hstack([features[part][1] for part in parts])
        steps = [StandardScaler()] if scaled else []
        steps += [PCA(components, random_state=0)] if components else []
        model = make_pipeline(*steps, SVC(C=CHOSEN_SVC_C, cache_size=SVC_CACHE_MB))
        start = time.time()
        model.fit(F_fit, y_fit)
        seconds = time.time() - start
        accuracy = np.mean(model.predict(F_score) == y_score)
        print(f"| {name} | {F_fit.shape[1]} | {seconds:.0f} s | {accuracy:.1%} |", flush=True)


if __name__ == "__main__":
    main()
