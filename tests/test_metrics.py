import matplotlib

matplotlib.use("Agg")

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_fer import EMOTIONS
from sklearn_fer.features import HOGTransformer
from sklearn_fer.metrics import (
    SCALAR_METRICS,
    evaluate,
    evaluation_frame,
    fer_scorers,
    plot_benchmark,
    plot_confusion_matrix,
    plot_history,
    score_predictions,
)


def test_score_predictions_has_every_shared_metric():
    y_true = np.array([0, 0, 1, 3, 3, 3, 6])
    y_pred = np.array([0, 1, 1, 3, 3, 6, 6])
    scores = score_predictions(y_true, y_pred)
    assert scores["accuracy"] == accuracy_score(y_true, y_pred)
    assert scores["recall_angry"] == 0.5 and scores["recall_happy"] == 2 / 3 and scores["recall_fear"] == 0.0
    assert np.array(scores["confusion_matrix"]).shape == (7, 7) and np.trace(scores["confusion_matrix"]) == 5
    assert set(SCALAR_METRICS) <= set(scores)


def test_scorers_drive_a_multi_metric_search(faces):
    pipe = make_pipeline(HOGTransformer(cells_per_block=(2, 2)), LogisticRegression(max_iter=300))
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, scoring=fer_scorers(), refit="accuracy", cv=2)
    search.fit(faces.data[:210], faces.target[:210])
    for name in ["accuracy", "balanced_accuracy", "f1_macro", "recall_disgust"]:
        assert f"mean_test_{name}" in search.cv_results_
    assert "mean_fit_time" in search.cv_results_


def test_evaluate_times_fit_and_predict(faces):
    model = make_pipeline(HOGTransformer(cells_per_block=(2, 2)), LogisticRegression(max_iter=300))
    result = evaluate(model, faces.data[300:], faces.target[300:], X_fit=faces.data[:300], y_fit=faces.target[:300])
    assert result["fit_time"] > 0 and result["predict_time"] > 0
    assert result["accuracy"] == accuracy_score(faces.target[300:], model.predict(faces.data[300:]))
    frame = evaluation_frame({"hog+lr": result})
    assert frame.loc["hog+lr", "accuracy"] == result["accuracy"]


def test_evaluate_returns_the_predictions_it_scored(faces):
    model = make_pipeline(HOGTransformer(cells_per_block=(2, 2)), LogisticRegression(max_iter=300)).fit(faces.data[:300], faces.target[:300])
    result, y_pred = evaluate(model, faces.data[300:], faces.target[300:], return_predictions=True)
    np.testing.assert_array_equal(y_pred, model.predict(faces.data[300:]))
    assert result["accuracy"] == accuracy_score(faces.target[300:], y_pred) and result["fit_time"] is None


def test_plots_label_emotions(tmp_path):
    figure = plot_confusion_matrix([0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 5])
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == list(EMOTIONS)
    figure.savefig(tmp_path / "cm.png")
    history = {"loss": [2.0, 1.5], "val_loss": [2.1, 1.7], "accuracy": [0.2, 0.4]}
    figure = plot_history(history)
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["loss", "val_loss"]
    assert (tmp_path / "cm.png").stat().st_size > 1000


def test_plot_benchmark_legend_hides_no_accuracy_label():
    names = [f"experiment_{i}" for i in range(15)]
    accuracies = np.linspace(0.4, 0.68, 15)  # the longest bar last, where a lower-right legend sat
    figure = plot_benchmark(names, accuracies, baseline_figures=[0.455] * 15)
    figure.canvas.draw()
    ax = figure.axes[0]
    renderer = figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [text.get_window_extent(renderer) for text in ax.texts]
    assert len(labels) == 30 and not any(legend.overlaps(label) for label in labels)  # ours and the baseline's per row
    assert figure.bbox.contains(legend.x0, legend.y0) and figure.bbox.contains(legend.x1, legend.y1)


def test_plot_benchmark_marks_a_baseline_figure_as_a_tick_and_a_range_as_a_band_and_writes_both_figures():
    import pytest
    from matplotlib.collections import PolyCollection

    figure = plot_benchmark(["fnn", "cnn_zca", "hog_svm"], [0.48, 0.54, 0.53], baseline_figures=[0.455, (0.577, 0.603), None])
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fnn", "cnn_zca", "hog_svm"]
    assert [bar.get_width() for bar in ax.patches[:3]] == [0.48, 0.54, 0.53]
    ticks = [line.get_xdata()[0] for line in ax.get_lines()]
    bands = [c.get_paths()[0].vertices[:, 0] for c in ax.collections if isinstance(c, PolyCollection)]
    assert ticks == [0.455] and len(bands) == 1 and (bands[0].min(), bands[0].max()) == (0.577, 0.603)
    texts = {t.get_text(): t for t in ax.texts}
    assert list(texts) == ["48.0%", "45.5%", "54.0%", "57.7-60.3%", "53.0%"]
    # Ours ends our bar (inside it), or starts it when the baseline's mark is where it would end; the
    # baseline's figure is right of its mark, in the mark's colour.
    assert 0.45 < texts["54.0%"].get_position()[0] < 0.54 and texts["54.0%"].get_ha() == "right"
    assert texts["48.0%"].get_position()[0] < 0.1 and texts["48.0%"].get_ha() == "left"
    assert texts["45.5%"].get_position()[0] > 0.48 and texts["45.5%"].get_color() == "tab:orange"
    assert texts["57.7-60.3%"].get_position()[0] > 0.603
    with pytest.raises(ValueError, match="3 names but 2 baseline figures"):
        plot_benchmark(["a", "b", "c"], [0.1, 0.2, 0.3], baseline_figures=[None, None])



def test_plot_benchmark_draws_published_references_and_keeps_our_figure_clear_of_the_baseline_mark():
    references = {"single network": 0.727, "ensemble": 0.752}
    figure = plot_benchmark(["fnn_tuned", "modern"], [0.482, 0.68], baseline_figures=[0.455, None], references=references)
    ax = figure.axes[0]
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in lines] == [0.727, 0.752]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["ours", "baseline report", "published: 72.7% single network", "published: 75.2% ensemble"]
    assert ax.get_xlim()[1] > 0.752
    texts = {text.get_text(): text for text in ax.texts}
    # The 45.5% mark sits where 48.2% would end its bar, so our figure moves to the bar's start.
    assert texts["48.2%"].get_position()[0] < 0.1 and texts["48.2%"].get_ha() == "left"
    assert texts["68.0%"].get_position()[0] > 0.6 and texts["68.0%"].get_ha() == "right"

def test_shared_scorers_pickle_for_spawned_processes_and_still_score():
    import pickle

    from sklearn.dummy import DummyClassifier

    from sklearn_fer.metrics import fer_scorers

    X, y = np.zeros((6, 1)), np.array([0, 0, 0, 1, 1, 3])
    model = DummyClassifier(strategy="most_frequent").fit(X, y)
    scorers = pickle.loads(pickle.dumps(fer_scorers()))
    assert scorers["recall_angry"](model, X, y) == 1.0 and scorers["recall_disgust"](model, X, y) == 0.0
