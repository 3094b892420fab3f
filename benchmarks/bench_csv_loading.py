"""FER2013 CSV parsing against a naive pandas parse: time and peak memory, each loader in a fresh process.

Writes a classic ``fer2013.csv`` of the Kaggle file's size (35,887 rows: Training and PublicTest from the
image folders, PrivateTest rows filled with PublicTest faces) and the per-split CSVs
(``train.csv``, ``test.csv``), then parses each, cold (no cache), with ``load_fer2013`` and with the naive
``pd.read_csv`` + ``np.fromstring(row, sep=" ")`` per row (float64, as it is usually written, and with
``dtype=np.uint8``), alternating, each in its own process, and
reports the medians and the ratios.

    python benchmarks/bench_csv_loading.py --data ../shared/data/fer2013 --repeats 3
"""

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import machine, parser

from sklearn_fer.datasets import load_fer2013

# Each loader runs in a fresh process; its imports come before the clock starts, and its peak memory
# is the process's high-water mark (VmHWM, which exec resets, unlike getrusage's maxrss).
CHILD = r"""
import json, re, sys, time
import numpy as np
import pandas as pd
from sklearn_fer.datasets import load_fer2013
path, loader = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if loader == "sklearn-fer":
    n = len(load_fer2013(path, cache=False, progress=False, split_usage="Training" if "train" in path else None).target)
else:
    dtype = np.uint8 if loader.endswith("uint8") else float
    frame = pd.read_csv(path)
    n = len(np.stack([np.fromstring(row, dtype=dtype, sep=" ") for row in frame["pixels"]]))
seconds = time.perf_counter() - start
peak = int(re.search(r"VmHWM:\s+(\d+) kB", open("/proc/self/status").read())[1]) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": n}))
"""
LOADERS = ("sklearn-fer", "naive pandas", "naive pandas, uint8")


def write_csvs(fer, folder):
    n_private = 35887 - len(fer.target)
    public = fer.usage == "PublicTest"
    images = np.concatenate([fer.images, fer.images[public][:n_private]]).reshape(-1, 2304)
    targets = np.concatenate([fer.target, fer.target[public][:n_private]])
    usages = np.concatenate([fer.usage, np.full(n_private, "PrivateTest")])
    lines = [f"{label},{' '.join(map(str, row))}" for label, row in zip(targets, images)]
    classic = folder / "fer2013.csv"
    classic.write_text("emotion,pixels,Usage\n" + "".join(f"{line},{usage}\n" for line, usage in zip(lines, usages)))
    train = folder / "train.csv"
    train.write_text("emotion,pixels\n" + "".join(f"{line}\n" for line, usage in zip(lines, usages) if usage == "Training"))
    test = folder / "test.csv"
    test.write_text("emotion,pixels\n" + "".join(f'{label},"{" ".join(map(str, row))}"\n' for label, row, usage in zip(targets, images, usages) if usage == "PublicTest"))
    return [classic, train, test]


def run(path, loader):
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), loader], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    fer = load_fer2013(args.data, progress=False)
    print(f"machine: {machine()}")
    print("| file | rows | MB | loader | time (s, median) | peak memory (MB, median) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for path in write_csvs(fer, Path(folder)):
            runs = {loader: [] for loader in LOADERS}
            for _ in range(args.repeats):
                for loader in runs:  # alternating, so that both see the same machine load
                    runs[loader].append(run(path, loader))
            medians = {}
            for loader, results in runs.items():
                medians[loader] = (statistics.median(r["seconds"] for r in results), statistics.median(r["peak_mb"] for r in results))
                print(
                    f"| {path.name} | {results[0]['rows']} | {path.stat().st_size / 1e6:.0f} | {loader} | "
                    f"{medians[loader][0]:.2f} | {medians[loader][1]:.0f} |",
                    flush=True,
                )
            ours = medians["sklearn-fer"]
            for loader in LOADERS[1:]:
                naive = medians[loader]
                print(f"| {path.name} | | | vs {loader} | {naive[0] / ours[0]:.1f}x faster | {ours[1] / naive[1]:.2f}x the memory |", flush=True)


if __name__ == "__main__":
    main()
