"""The ``sklearn-fer`` command line: data summary, experiments, the benchmark table and its report, evaluate, predict."""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ._constants import EMOTIONS
from .networks import DTYPE_POLICIES


def cmd_data(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datasets import load_fer2013, make_synthetic_faces
    from .experiments import class_counts

    fer = load_fer2013(args.path) if args.path else make_synthetic_faces(700, random_state=0)
    print(f"data: {args.path or 'synthetic faces (embedded demo data)'}")
    print(class_counts(fer.target, fer.usage).to_string())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(len(EMOTIONS), 8, figsize=(8, 7.5))
    for label, row in enumerate(axes):
        indices = np.flatnonzero(fer.target == label)[:8]
        for ax in row:
            ax.axis("off")
        for ax, index in zip(row, indices):
            ax.imshow(fer.images[index], cmap="gray", vmin=0, vmax=255)
        row[0].set_title(EMOTIONS[label], fontsize=8, loc="left")
    figure.tight_layout()
    figure.savefig(out / "samples.png", dpi=90)
    print(f"sample grid: {out / 'samples.png'}")


def _aux_data(args, name):
    from .experiments import EXPERIMENTS

    if name not in EXPERIMENTS or not EXPERIMENTS[name].auxiliary:
        return None  # an unknown name is reported by run_experiment
    if getattr(args, "mnist", None):
        from .datasets import load_mnist

        return load_mnist(args.mnist, return_X_y=True)
    if args.data:  # on real faces, a silent stand-in for MNIST would mislabel the row
        print(
            f"note: {name} has no --mnist, so its source task is scikit-learn's bundled 8x8 digits "
            "(1,797 images upscaled to 28x28); pass --mnist PATH for the baseline report's MNIST setup",
            file=sys.stderr,
        )
    return None


def _on_dask(address):
    """Run the searches' candidates on the Dask cluster at ``address`` (a no-op without one)."""
    import contextlib

    if not address:
        return contextlib.nullcontext()
    import joblib
    from distributed import Client

    stack = contextlib.ExitStack()
    client = stack.enter_context(Client(address))
    print(f"dask: {address}, {len(client.scheduler_info()['workers'])} workers", flush=True)
    stack.enter_context(joblib.parallel_backend("dask"))
    return stack


def _run_experiment(args, name):
    from .experiments import run_experiment

    with _on_dask(args.dask):
        return run_experiment(
            name,
            data=args.data,
            out=args.out,
            quick=args.quick,
            aux_data=_aux_data(args, name),
            random_state=args.random_state,
            verbose=args.verbose,
            n_jobs=args.n_jobs,
            max_evals=args.max_evals,
            dtype_policy=args.dtype_policy,
        )


def _announce_precision(args):
    from .networks import describe_dtype_policy

    print(f"dtype policy: {describe_dtype_policy(args.dtype_policy)}", flush=True)


def cmd_run(args):
    from .experiments import MARKDOWN_HEADER, markdown_row

    _announce_precision(args)
    results = _run_experiment(args, args.experiment)
    print(MARKDOWN_HEADER)
    print(markdown_row(results))
    print(f"outputs: {Path(args.out) / args.experiment}")


def benchmark_names(experiments=None):
    """The experiments ``benchmark`` runs: the comma-separated names given, or the default table's."""
    from .experiments import EXPERIMENTS

    if not experiments:
        return [name for name, experiment in EXPERIMENTS.items() if experiment.in_table]
    names = experiments.split(",")
    for name in names:
        if name not in EXPERIMENTS:
            raise ValueError(f"unknown experiment {name!r}; known experiments: {', '.join(EXPERIMENTS)}")
    return names


def cmd_benchmark(args):
    from .experiments import EXPERIMENTS, MARKDOWN_HEADER, Settings, finished_results, markdown_row, write_report, write_table

    names = benchmark_names(args.experiments)
    _announce_precision(args)
    print(MARKDOWN_HEADER, flush=True)
    results = []
    for name in names:
        print(f"[{len(results) + 1}/{len(names)}] {name}: {EXPERIMENTS[name].describe(Settings(quick=args.quick))}", flush=True)
        finished = finished_results(name, out=args.out, data=args.data, quick=args.quick, random_state=args.random_state) if args.resume else None
        if finished is not None:
            results.append(finished)
            print(f"{markdown_row(finished)}  (finished earlier: {Path(args.out) / name / 'results.json'})", flush=True)
            continue
        results.append(_run_experiment(args, name))
        print(markdown_row(results[-1]), flush=True)
    source = args.data or "synthetic faces (embedded demo data; accuracies say nothing about real faces)"
    path = write_report(results, out=args.out, source=source, quick=args.quick)
    table = write_table(results, Path(args.out) / "results.csv")
    print(f"\nreport: {path} (chart: {path.with_suffix('.png')}; table: {table})")


def cmd_report(args):
    from .experiments import read_results, run_label, write_report

    results, seen = [], {}
    for path in args.results:
        for row in read_results(path):
            label = run_label(row)
            if label in seen:
                raise ValueError(f"experiment {label!r} is in both {seen[label]} and {path}")
            seen[label] = path
            results.append(row)
    source = args.source or f"the results recorded in {', '.join(args.results)}"
    path = write_report(results, out=args.out, source=source)
    print(f"report of {len(results)} rows: {path} (chart: {path.with_suffix('.png')})")


def cmd_evaluate(args):
    from ._models import emotion_ids, load_model_file
    from .datasets import load_fer2013
    from .metrics import score_predictions

    model = load_model_file(args.model) if args.model else _pretrained()
    fer = load_fer2013(args.data, usage=args.usage)
    if len(fer.target) == 0:
        raise ValueError(f"{args.data}: no samples with usage {args.usage!r}")
    start = time.perf_counter()
    predicted = emotion_ids(model.predict(fer.data))  # models fitted on emotion names are scored by id
    seconds = time.perf_counter() - start
    results = score_predictions(fer.target, predicted)
    shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in results.items() if k != "confusion_matrix"}
    shown.update(predict_time_s=round(seconds, 3), predict_time_per_face_ms=round(1000 * seconds / len(fer.target), 3))
    print(json.dumps(shown, indent=1))


def _pretrained():
    from .pretrained import load_pretrained

    return load_pretrained(backend="onnx")


def _print_table(table, fmt):
    if fmt == "csv":
        print(table.to_csv(index=False), end="")
    elif fmt == "json":
        print(table.to_json(orient="records", indent=1))
    else:
        from .faces import probability_columns

        shown = table.drop(columns=["error"]).copy()
        probabilities = probability_columns(shown)
        shown[probabilities] = shown[probabilities].round(2)
        shown["confidence"] = shown["confidence"].round(2)
        print(shown.to_string(index=False, na_rep="-"))


def cmd_predict(args):
    from .faces import analyze, annotate, list_images

    paths = list_images(args.paths)
    if not paths:
        raise ValueError(f"no image files in {', '.join(args.paths)} (suffixes: .jpg, .png, ...)")
    table = analyze(paths, model=args.model, detector=args.detector, errors="report")
    failed = table[table["error"].notna()]
    for _, row in failed.iterrows():
        print(f"sklearn-fer: error: {row['error']}", file=sys.stderr)
    table = table[table["error"].isna()]
    if len(table):
        _print_table(table, args.format)
    if args.annotate:
        _write_annotated(table, Path(args.annotate), annotate)
    return 1 if len(failed) else 0


def _write_annotated(table, folder, annotate):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for source, rows in table.groupby("source", sort=False):
        target = folder / f"{Path(source).stem}.annotated.png"
        Image.fromarray(annotate(source, rows)).save(target)
        print(f"annotated: {target}", file=sys.stderr)


def cmd_video(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .faces import analyze_video, plot_emotions_over_time, video_summary

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    annotated = out / f"{Path(args.video).stem}.annotated.mp4" if args.annotate else None
    table = analyze_video(
        args.video, model=args.model, every=args.every, fps=None if args.every else args.fps, detector=args.detector,
        annotated=annotated,
    )
    table.to_csv(out / "emotions.csv", index=False)
    figure = plot_emotions_over_time(table, title=f"{Path(args.video).name}: emotions over time")
    figure.savefig(out / "emotions.png", dpi=110)
    plt.close(figure)
    summary = {"video": str(args.video), **video_summary(table)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"rows: {out / 'emotions.csv'}; chart: {out / 'emotions.png'}" + (f"; annotated video: {annotated}" if annotated else ""))


def build_parser():
    parser = argparse.ArgumentParser(prog="sklearn-fer", description="Facial expression recognition the scikit-learn way.")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="class counts per split and a sample-image grid")
    data.add_argument("path", nargs="?", help="FER2013 path (default: the embedded synthetic faces)")
    data.add_argument("--out", default="sklearn-fer-output")
    data.set_defaults(func=cmd_data)

    for name, helptext, func in (
        ("run", "run one named experiment", cmd_run),
        ("benchmark", "run the experiment table and write a Markdown report (the main job)", cmd_benchmark),
    ):
        sub = commands.add_parser(name, help=helptext)
        if name == "run":
            sub.add_argument("experiment", help="experiment name (an unknown name lists the known ones)")
        else:
            sub.add_argument("--experiments", help="comma-separated experiments (default: the table's; the split_* lever ablation runs only when named)")
            sub.add_argument(
                "--resume", action="store_true", help="reuse rows already finished in --out (same data and mode) instead of rerunning them"
            )
        sub.add_argument("--data", help="FER2013 path; default: embedded synthetic faces")
        sub.add_argument("--mnist", help="MNIST IDX folder for transfer / multi-task (default: bundled digits)")
        sub.add_argument("--out", default="sklearn-fer-output")
        sub.add_argument("--quick", action="store_true", help="tiny networks, 2 epochs")
        sub.add_argument("--n-jobs", type=int, default=None, help="parallel HOG extraction and search candidates")
        sub.add_argument(
            "--dask", metavar="ADDRESS", help="run the search candidates (every fold of every candidate) as tasks on the Dask scheduler at ADDRESS, e.g. tcp://host:8786"
        )
        sub.add_argument("--max-evals", type=int, default=None, help="hyperopt trials (default: the baseline report's 25; 2 with --quick)")
        sub.add_argument(
            "--random-state", type=int, default=0,
            help="seed of the networks (initial weights, shuffling, validation split), the searches' hold-out and the synthetic faces (default 0)",
        )
        sub.add_argument(
            "--dtype-policy",
            default="auto",
            choices=DTYPE_POLICIES,
            help="Keras dtype policy of the networks; auto (default): mixed_float16 on a GPU, mixed_bfloat16 on a CPU "
            "with AMX-BF16 / AVX512-BF16, float32 otherwise",
        )
        sub.add_argument(
            "--verbose", type=int, default=1, help="0: quiet; 1: loading bar, one line per epoch, search progress (default); 2: Keras bars"
        )
        sub.set_defaults(func=func)

    report = commands.add_parser(
        "report", help="render report.md and report.png from recorded results (results.json files, their folder, or a results.csv table)"
    )
    report.add_argument("results", nargs="+", help="results.json files, folders of <experiment>/results.json, or results.csv tables")
    report.add_argument("--out", default="sklearn-fer-output")
    report.add_argument("--source", help="what the experiments ran on, for the report's Data line (default: the results paths)")
    report.set_defaults(func=cmd_report)

    evaluate = commands.add_parser("evaluate", help="score a model on a FER2013 split (default: the shipped model)")
    evaluate.add_argument("model", nargs="?", help=".keras, .onnx or .joblib model file (default: the shipped model)")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--usage", default="PublicTest", choices=["Training", "PublicTest", "PrivateTest"])
    evaluate.set_defaults(func=cmd_evaluate)

    predict = commands.add_parser("predict", help="the emotion of each face in photos (files and folders)")
    predict.add_argument("paths", nargs="+", metavar="PATH", help="image files and folders (searched recursively)")
    predict.add_argument("--model", help=".keras, .onnx or .joblib model file (default: the shipped model)")
    predict.add_argument(
        "--detector", default="haar", choices=["haar", "mtcnn", "none"],
        help="haar: fast (default); mtcnn: harder poses, levels the eyes; none: each file is already a face crop",
    )
    predict.add_argument("--format", default="table", choices=["table", "csv", "json"])
    predict.add_argument("--annotate", metavar="DIR", help="write each image with its boxes and emotions drawn into DIR")
    predict.set_defaults(func=cmd_predict)

    video = commands.add_parser("video", help="the emotion of each face over a video's frames")
    video.add_argument("video", help="a video file OpenCV reads (.mp4, .avi, ...)")
    video.add_argument("--model", help=".keras, .onnx or .joblib model file (default: the shipped model)")
    video.add_argument("--detector", default="haar", choices=["haar", "mtcnn"])
    video.add_argument("--fps", type=float, default=5.0, help="frames analysed per second of video (default 5)")
    video.add_argument("--every", type=int, help="analyse every N-th frame instead of --fps")
    video.add_argument("--out", default="sklearn-fer-video", help="folder for emotions.csv, emotions.png, summary.json")
    video.add_argument("--annotate", action="store_true", help="also write the analysed frames, annotated, as a video")
    video.set_defaults(func=cmd_video)
    return parser


def main(argv=None):
    # TensorFlow's C++ start-up log (CUDA probing on CPU-only machines, oneDNN notes, tf.data attribute
    # notices) buries the command's own output; a TF_CPP_MIN_LOG_LEVEL the user sets still wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Charts are written to files: a windowless backend unless the user chose one.
    os.environ.setdefault("MPLBACKEND", "Agg")
    # hyperopt 0.2.7 imports pkg_resources, whose deprecation warning opens every search's output; the
    # pinned setuptools<81 still ships it, so the warning tells a CLI user nothing they can act on.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated as an API", category=UserWarning)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except ValueError as error:
        print(f"sklearn-fer: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
