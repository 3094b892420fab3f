"""hpsklearn trials with a Keras estimator: forked (hpsklearn's default) vs spawned_trials().

Starts TensorFlow in this process first (as any session that has already fitted a network
has), then runs a 2-trial HyperoptEstimator search over a tiny CNN both ways. Uses the
embedded synthetic faces; the point is whether the trials come back, not accuracy.

    python bench_trials.py --trial-timeout 60
"""

import argparse
import time

from _common import machine


def search(trial_timeout):
    from hpsklearn import HyperoptEstimator

    from sklearn_fer.search import cnn_classifier, pixel_scaler

    tiny = dict(filters=(4, 8), dense_units=16, epochs=1, batch_size=32, random_state=0)
    return HyperoptEstimator(
        classifier=cnn_classifier("cnn", **tiny), preprocessing=[pixel_scaler("scale")], max_evals=2, trial_timeout=trial_timeout, seed=0
    )


def run(label, estimator, faces, context):
    start = time.perf_counter()
    try:
        with context:
            estimator.fit(faces.data, faces.target)
        outcome = f"best trial accuracy {1 - min(estimator.trials.losses()):.3f}"
    except Exception as error:  # noqa: BLE001 - the failure is the measurement here
        outcome = f"failed: {type(error).__name__}"
    statuses = [t["result"].get("failure", t["result"]["status"]) for t in estimator.trials.trials]
    print(f"{label}: {time.perf_counter() - start:6.1f} s, trial results {statuses}, {outcome}", flush=True)


def main():
    import contextlib

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--trial-timeout", type=float, default=60.0)
    args = p.parse_args()
    from sklearn_fer.datasets import make_synthetic_faces
    from sklearn_fer.estimators import CNNClassifier
    from sklearn_fer.search import spawned_trials

    faces = make_synthetic_faces(140, random_state=0)
    CNNClassifier(filters=(4, 8), dense_units=16, epochs=1).fit(faces.data, faces.target)  # TensorFlow runtime now running
    print(f"machine: {machine()}; 2 trials, tiny CNN, 140 synthetic faces, trial_timeout {args.trial_timeout:.0f} s")
    run("forked trials (hpsklearn default)", search(args.trial_timeout), faces, contextlib.nullcontext())
    run("spawned_trials()                 ", search(args.trial_timeout), faces, spawned_trials())


if __name__ == "__main__":
    main()
