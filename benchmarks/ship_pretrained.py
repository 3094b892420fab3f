"""Turn a trained network into the shipped pretrained model: package files, PublicTest scores, model card.

Takes a trained network, either a named experiment's run folder (``sklearn-fer run NAME --out OUT``
writes ``OUT/NAME/model.keras`` and ``results.json``) or what ``bench_networks.py`` wrote (``TAG.keras`` and
``TAG.json``); writes the float32 Keras network, its ONNX export and ``model_card.json`` into
``sklearn_fer/pretrained/data/``, scores the shipped files on PublicTest (both backends, side by side), and
renders ``sklearn_fer/pretrained/MODEL_CARD.md``.

    sklearn-fer run modern_crop44 --data ../shared/data/fer2013 --out benchmarks/out
    python benchmarks/ship_pretrained.py --trained benchmarks/out/modern_crop44 --data ../shared/data/fer2013
"""

import json
import time
from pathlib import Path

import numpy as np
from _common import machine, parser

from sklearn_fer import EMOTIONS
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators import load_model
from sklearn_fer.metrics import score_predictions
from sklearn_fer.pretrained import DATA, model_card
from sklearn_fer.pretrained._make import write_pretrained

ROOT = Path(__file__).resolve().parents[1]


def _percent(value):
    return f"{100 * value:.1f}%"


def render_card(card):
    metrics = card["publictest"]
    lines = [
        "# Model card: sklearn-fer's pretrained FER2013 network",
        "",
        f"**{card['model']}**: {card['architecture']} ({card['parameters']:,} parameters).",
        "",
        "## Data",
        card["data"],
        "",
        "## PublicTest (3,589 faces)",
        "",
        "| accuracy | balanced accuracy | macro-F1 |",
        "|---|---|---|",
        f"| {_percent(metrics['accuracy'])} | {_percent(metrics['balanced_accuracy'])} | {_percent(metrics['f1_macro'])} |",
        "",
        "Recall per emotion:",
        "",
        "| " + " | ".join(EMOTIONS) + " |",
        "|" + "---|" * len(EMOTIONS),
        "| " + " | ".join(_percent(metrics[f"recall_{e}"]) for e in EMOTIONS) + " |",
        "",
        "Confusion matrix (rows: true emotion, columns: predicted):",
        "",
        "| | " + " | ".join(EMOTIONS) + " |",
        "|---|" + "---|" * len(EMOTIONS),
        *(f"| {e} | " + " | ".join(map(str, row)) + " |" for e, row in zip(EMOTIONS, metrics["confusion_matrix"])),
        "",
        "## Training",
        f"- Recipe: {card['recipe']}",
        f"- Parameters: `{json.dumps(card['params'])}`",
        f"- {card['training']['epochs']} epochs in {card['training']['fit_minutes']:.0f} min "
        f"({card['training']['images_per_second']:.0f} training images/s) on {card['training']['machine']}, "
        f"dtype policy {card['training']['dtype_policy']}.",
        f"- Retrain: `{card['retrain']}`",
        f"- Fine-tuning: {card['fine_tuning']}.",
        "",
        "## Files",
        *(f"- `{f['name']}` ({backend}): {f['bytes'] / 1e6:.1f} MB, sha256 `{f['sha256']}`" for backend, f in card["files"].items()),
        "",
        "Shipped in float32: the Keras network and the ONNX file give the same probabilities (within 1e-4).",
        "",
        "## Versions",
        ", ".join(f"{name} {version}" for name, version in card["versions"].items()),
        "",
        "## Limits",
        "FER2013 faces are 48x48 grayscale web images, mostly frontal, of posed and spontaneous expressions; "
        "disgust has 436 training faces (1.5%) and is the least reliable class. Photos are cropped by "
        "`FaceCropper` to FER2013's framing first. The emotion shown is not the emotion felt.",
        "",
    ]
    return "\n".join(lines)


def trained_network(trained):
    """``(network, record, recipe, retrain)``: the fitted network, its run record, its recipe and the commands that remake it."""
    trained = Path(trained)
    if trained.is_dir():  # a named experiment's run folder
        network, record = load_model(trained / "model.keras"), json.loads((trained / "results.json").read_text())
        name = record["experiment"]
        recipe = f"`sklearn-fer run {name}`: {record['description']}"
        retrain = f"sklearn-fer run {name} --data DATA --out benchmarks/out && python benchmarks/ship_pretrained.py --trained benchmarks/out/{name} --data DATA"
        return network, record, recipe, retrain
    network, record = load_model(trained.with_suffix(".keras")), json.loads(trained.with_suffix(".json").read_text())
    epochs = record["epochs_run"]
    recipe = f"sklearn_fer.experiments.tuned_network('modern') with epochs={epochs}"
    retrain = (
        f"python benchmarks/bench_networks.py --network modern --epochs {epochs} --tag pretrained_modern{epochs} --out benchmarks/out "
        f"&& python benchmarks/ship_pretrained.py --trained benchmarks/out/pretrained_modern{epochs}"
    )
    return network, record, recipe, retrain


def architecture(network):
    """The card's one-line description of a ModernCNNClassifier."""
    views = f"{9 if network.tta_shift else 1} shifts of {network.tta_shift} px"
    if network.crop_size:
        crops = f"trained on random {network.crop_size}x{network.crop_size} crops of the faces; "
        views = f"{views} of the central {network.crop_size}x{network.crop_size} crop"
    else:
        crops = ""
    return (
        f"VGG-style CNN, blocks of widths {list(network.widths)} (2 conv + batch norm + ReLU each, max-pool, "
        f"dropout {network.dropout}), global average pooling, dense head of {network.head_units}; "
        f"{crops}test-time averaging over {views}{' and their mirror images' if network.tta_flip else ''}"
    )


def main():
    p = parser(__doc__)
    p.add_argument("--trained", required=True, help="a run folder (OUT/NAME) or bench_networks.py output without suffix (TAG)")
    args = p.parse_args()
    network, record, recipe, retrain = trained_network(args.trained)
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    epochs = len(record["history"]["loss"])
    n_train = record.get("n_train", 28709)  # bench_networks.py records trained on all of Training
    card = {
        "model": type(network).__name__,
        "architecture": architecture(network),
        "parameters": int(network.model_.count_params()),
        "recipe": f"{recipe} (the recipe's choices were made on a stratified 10% validation split of Training)",
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in network.get_params().items()},
        "data": (
            f"FER2013 Training split ({n_train:,} faces, all of it) to fit; PublicTest (3,589 faces) scored once, after "
            "training, for this card; PrivateTest unused. Input: 48x48 grayscale, pixels 0-255."
        ),
        "training": {
            "epochs": epochs,
            "fit_minutes": record["fit_time"] / 60,
            "images_per_second": n_train * epochs / record["fit_time"],
            "machine": record.get("machine", machine()),
            "dtype_policy": record.get("dtype_policy", "mixed_bfloat16"),
        },
        "retrain": retrain,
        "trained_network_publictest_accuracy": record["accuracy"],
    }
    write_pretrained(network, DATA, card=card)
    model_card.cache_clear()
    from sklearn_fer.pretrained import load_pretrained

    print(f"machine: {machine()}")
    print("| backend | accuracy | balanced | macro-F1 | faces/s (PublicTest, batch) |")
    print("|---|---|---|---|---|")
    scores = {}
    for backend in ("keras", "onnx"):
        model = load_pretrained(backend)
        start = time.perf_counter()
        probabilities = model.predict_proba(test.data)
        seconds = time.perf_counter() - start
        scores[backend] = (score_predictions(test.target, model.classes_[probabilities.argmax(axis=1)]), probabilities)
        s = scores[backend][0]
        print(f"| {backend} | {_percent(s['accuracy'])} | {_percent(s['balanced_accuracy'])} | {_percent(s['f1_macro'])} | {len(test.target) / seconds:.0f} |")
    difference = np.abs(scores["keras"][1] - scores["onnx"][1]).max()
    print(f"max probability difference keras vs onnx on PublicTest: {difference:.2e}")
    card = {**model_card(), "publictest": scores["onnx"][0], "keras_onnx_max_probability_difference": float(difference)}
    (DATA / "model_card.json").write_text(json.dumps(card, indent=1) + "\n")
    model_card.cache_clear()
    (ROOT / "sklearn_fer" / "pretrained" / "MODEL_CARD.md").write_text(render_card(card))
    print(f"shipped: {DATA}; card: sklearn_fer/pretrained/MODEL_CARD.md")


if __name__ == "__main__":
    main()
