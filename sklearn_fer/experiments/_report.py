"""The benchmark table and its report, rendered from recorded results (``results.json`` files or a CSV table)."""

import csv
import json
from pathlib import Path

import numpy as np

from .._constants import EMOTIONS
from ._registry import BASELINE_ROWS, EXPERIMENTS, PUBLISHED_REFERENCES

# The columns of a recorded table (benchmarks/table/results.csv); best_params is a JSON object or empty.
TABLE_COLUMNS = ("experiment", "description", "best_params", "accuracy", "balanced_accuracy", "f1_macro", "fit_time", "wall_seconds")
_NUMBERS = ("accuracy", "balanced_accuracy", "f1_macro", "fit_time", "wall_seconds")
# Columns a table has when its runs recorded them (older tables lack them): the per-face predict time
# (ms), the machine, the seed, and each emotion's recall.
RECALLS = tuple(f"recall_{emotion}" for emotion in EMOTIONS)
OPTIONAL_COLUMNS = ("predict_time_per_sample", "machine", "random_state", *RECALLS)
_TEXT_COLUMNS = ("machine",)
_INTEGER_COLUMNS = ("random_state",)

MARKDOWN_HEADER = (
    "| experiment | baseline report (PrivateTest) | ours: accuracy | balanced acc. | macro-F1 | fit | wall | predict (ms/face) |\n"
    "|---|---|---|---|---|---|---|---|"
)
RECALL_HEADER = (
    f"| experiment | {' | '.join(EMOTIONS)} | machine |\n"
    f"|---|{'---|' * len(EMOTIONS)}---|"
)


def _percent(value):
    if value is None:
        return "-"
    if isinstance(value, (tuple, list)):
        low, high = value
        return f"{100 * low:.1f}-{100 * high:.1f}%"
    return f"{100 * value:.1f}%"


def _baseline_figure(results):
    experiment = EXPERIMENTS.get(results["experiment"])
    return experiment.baseline_figure if experiment else None


def run_label(results):
    """The name of a run in tables and charts: its experiment, with its seed unless that is the default 0.

    Runs of one experiment with other seeds (``sklearn-fer run NAME --random-state 1``) are
    then rows of their own.
    """
    seed = results.get("random_state")
    return results["experiment"] if seed in (None, 0) else f"{results['experiment']} (random_state={seed})"


def markdown_row(results):
    """One row of the benchmark table (the baseline report's figure beside ours); :data:`MARKDOWN_HEADER` heads it."""
    chosen = ""
    if results.get("best_params"):
        shown = ", ".join(
            f"{k.split('__')[-1]}={v:.3g}" if isinstance(v, float) else f"{k.split('__')[-1]}={v}" for k, v in results["best_params"].items()
        )
        chosen = f" (selected: {shown})"
    return (
        f"| {run_label(results)}: {results['description']}{chosen} | {_percent(_baseline_figure(results))} | "
        f"{_percent(results['accuracy'])} | {_percent(results['balanced_accuracy'])} | {_percent(results['f1_macro'])} | "
        f"{results['fit_time']:.0f} s | {results['wall_seconds'] / 60:.1f} min | {_number(results.get('predict_time_per_sample'))} |"
    )


def _number(value):
    return "-" if value is None else f"{value:.1f}"


def recall_row(results):
    """One row of the per-emotion recall table (:data:`RECALL_HEADER` heads it); "-" where not recorded."""
    recalls = " | ".join(_percent(results.get(column)) for column in RECALLS)
    return f"| {run_label(results)} | {recalls} | {results.get('machine') or '-'} |"


def _recall_section(results, measured_on):
    recorded = [entry for entry in results if any(entry.get(column) is not None for column in RECALLS)]
    if not recorded:
        return []
    unrecorded = "" if len(recorded) == len(results) else f" ({len(results) - len(recorded)} runs did not record them)"
    return [
        f"Recall of each emotion on {measured_on} (disgust and fear are where FER2013 models fail), and the machine of each run{unrecorded}:",
        "",
        RECALL_HEADER,
        *(recall_row(entry) for entry in recorded),
        "",
    ]


def reference_table():
    """The published records (:data:`PUBLISHED_REFERENCES`) as a Markdown table."""
    lines = ["| published record (PrivateTest) | accuracy |", "|---|---|"]
    lines += [f"| {label} | {_percent(figure)} |" for label, figure in PUBLISHED_REFERENCES.items()]
    return "\n".join(lines)


def write_table(results, path):
    """Record finished experiments as a CSV table (:data:`TABLE_COLUMNS`, then :data:`OPTIONAL_COLUMNS`, empty
    where a run did not record them), which :func:`read_results` reads back."""
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(TABLE_COLUMNS + OPTIONAL_COLUMNS)
        for entry in results:
            best = json.dumps(entry["best_params"], default=str) if entry.get("best_params") else ""
            optional = ["" if entry.get(column) is None else entry[column] for column in OPTIONAL_COLUMNS]
            writer.writerow([entry["experiment"], entry["description"], best, *(entry[column] for column in _NUMBERS), *optional])
    return Path(path)


def _read_table(path):
    with open(path, newline="") as stream:
        reader = csv.DictReader(stream)
        missing = set(TABLE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: a results table needs the columns {list(TABLE_COLUMNS)}; missing {sorted(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            entry = {"experiment": row["experiment"], "description": row["description"]}
            recorded = [column for column in OPTIONAL_COLUMNS if row.get(column)]
            for column in [*_NUMBERS, *recorded]:
                entry[column] = _table_value(row[column], column, f"{path}, line {line}")
            try:
                entry["best_params"] = json.loads(row["best_params"]) if row["best_params"] else {}
            except json.JSONDecodeError:
                raise ValueError(f"{path}, line {line}, column best_params: expected a JSON object or nothing") from None
            rows.append(entry)
    return rows


def _table_value(text, column, where):
    if column in _TEXT_COLUMNS:
        return text
    kind, expected = (int, "an integer") if column in _INTEGER_COLUMNS else (float, "a number")
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{where}, column {column}: expected {expected}, got {text!r}") from None


def read_results(path):
    """Finished experiments recorded at ``path``, in file order.

    Parameters
    ----------
    path : str or path
        A ``results.json`` file (one experiment), a CSV table (:func:`write_table`),
        or a folder of ``<name>/results.json`` files (``sklearn-fer benchmark --out``).

    Returns
    -------
    results : list of dict
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*/results.json"), key=lambda file: list(EXPERIMENTS).index(file.parent.name) if file.parent.name in EXPERIMENTS else len(EXPERIMENTS))
        if not files:
            raise ValueError(f"{path}: no <experiment>/results.json files in this folder")
        return [json.loads(file.read_text()) for file in files]
    if not path.is_file():
        raise ValueError(f"results file {str(path)!r} does not exist")
    if path.suffix == ".csv":
        return _read_table(path)
    if path.suffix == ".json":
        try:
            return [json.loads(path.read_text())]
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not a results.json file ({error})") from None
    raise ValueError(f"{path}: expected a results.json file, a .csv table or a folder of results")


def class_counts(target, usage):
    """Per-split class counts (the baseline report's "Angry 3995 ... Total 28709" table) as a DataFrame."""
    import pandas as pd

    frame = pd.crosstab(
        pd.Categorical(np.asarray(EMOTIONS)[target], categories=EMOTIONS), np.asarray(usage), dropna=False, rownames=["emotion"], colnames=["usage"]
    )
    frame.loc["Total"] = frame.sum()
    return frame


def _beats_the_baseline(best, figure):
    if best is None:
        return "not run"
    if figure is None:
        return "no comparable baseline figure"
    margin = 100 * (best["accuracy"] - np.max(figure))  # a range is beaten above its top
    return f"{'yes' if margin > 0 else 'no'} ({margin:+.1f} points)"


def baseline_comparison(results):
    """Markdown table of the baseline report's rows against ours: the experiments that answer each, and the best.

    Parameters
    ----------
    results : list of dict
        Finished experiments (``results.json`` contents or table rows).

    Returns
    -------
    table : str
        One line per entry of :data:`BASELINE_ROWS`; "beats the baseline report" compares our
        best PublicTest accuracy with the baseline report's figure (the top of a range).
    """
    lines = [
        "| baseline report row | its figure (PrivateTest) | ours (PublicTest) | best of ours | beats the baseline report |",
        "|---|---|---|---|---|",
    ]
    for label, figure in BASELINE_ROWS.items():
        names = [name for name, experiment in EXPERIMENTS.items() if label in experiment.answers]
        ran = [entry for name in names for entry in results if entry["experiment"] == name]  # each seed's run
        ours = ", ".join(f"{run_label(entry)} {_percent(entry['accuracy'])}" for entry in ran) or "-"
        best = max(ran, key=lambda entry: entry["accuracy"], default=None)
        best_text = "-" if best is None else f"{_percent(best['accuracy'])} ({run_label(best)})"
        lines.append(f"| {label} | {_percent(figure)} | {ours} | {best_text} | {_beats_the_baseline(best, figure)} |")
    return "\n".join(lines)


def write_report(results, *, out, source, quick=False):
    """Write ``out/report.md`` (the table, the baseline report comparison) and ``out/report.png`` (a bar chart).

    Parameters
    ----------
    results : list of dict
        Finished experiments, in table order.
    out : path
    source : str
        What the experiments ran on (a data path, or the synthetic faces).
    quick : bool, default=False

    Returns
    -------
    path : Path
        The Markdown report.
    """
    import matplotlib.pyplot as plt

    from ..metrics import plot_benchmark

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = source.startswith("synthetic faces")
    measured_on = "held-out synthetic faces (demo data)" if synthetic else "PublicTest"
    names = [run_label(entry) for entry in results]
    figure = plot_benchmark(
        names,
        [entry["accuracy"] for entry in results],
        baseline_figures=[_baseline_figure(entry) for entry in results],
        references=None if synthetic else PUBLISHED_REFERENCES,
        title=f"Accuracy on {measured_on}{chr(10) + '(quick run: not a measurement)' if quick else ''}",
    )
    figure.savefig(out / "report.png", dpi=110)
    plt.close(figure)
    report = [
        f"# sklearn-fer benchmark{' (quick)' if quick else ''}",
        "",
        f"Data: {source}. Fit on {'the training part' if synthetic else 'Training'}, reported on {measured_on}.",
        "",
        f"![Accuracy per experiment on {measured_on}; the baseline report's figures marked](report.png)",
        "",
        MARKDOWN_HEADER,
        *(markdown_row(entry) for entry in results),
        "",
        *_recall_section(results, measured_on),
        *([] if synthetic else [
            "## Published records",
            "",
            "The best published FER2013 results under the official protocol (FER2013 Training only, PublicTest for "
            "selection), drawn as reference lines in the chart. They are PrivateTest accuracies; ours are PublicTest.",
            "",
            reference_table(),
            "",
        ]),
        "## Against the baseline report's rows",
        "",
        "The baseline report gave PrivateTest figures, which this benchmark leaves aside; its multi-task 86% was binary accuracy.",
        "",
        baseline_comparison(results),
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(report))
    return path
