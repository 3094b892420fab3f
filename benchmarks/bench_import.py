"""Time of `import sklearn_fer` (+ transformers) in fresh interpreters, and whether TensorFlow got imported.

    python benchmarks/bench_import.py
"""

import statistics
import subprocess
import sys

CODE = (
    "import sys, time; t = time.perf_counter(); "
    "import sklearn_fer, sklearn_fer.datasets, sklearn_fer.preprocessing, sklearn_fer.features, sklearn_fer.metrics; "
    "print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
)


def main():
    runs = [subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.split() for _ in range(7)]
    seconds = [float(r[0]) for r in runs]
    only_package = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import sklearn_fer; print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print(f"import sklearn_fer alone: {float(only_package) * 1000:.1f} ms")
    print(f"import sklearn_fer + datasets/preprocessing/features/metrics: median {statistics.median(seconds):.3f} s "
          f"(min {min(seconds):.3f}, max {max(seconds):.3f}) over {len(runs)} fresh interpreters; "
          f"TensorFlow imported: {sorted({r[1] for r in runs})}")


if __name__ == "__main__":
    main()
