"""Named, reproducible experiments: one record per experiment, a runner, and a report rendered from results.

Every experiment fits on the Training split and reports the PublicTest split
with the shared metrics (:func:`sklearn_fer.metrics.evaluate`). With no data
path the embedded synthetic faces are used, so everything runs offline.

- :data:`EXPERIMENTS`: name -> :class:`Experiment` (description, builder, kind, the baseline
  report's row it answers). A new experiment is one record in ``_registry.py``. The ``split_*``
  experiments are the lever ablation of the ``modern`` recipe (:data:`MODERN_LEVERS`,
  :func:`lever_network`), outside the default benchmark table; :func:`modern_with_levers` gives the
  recipe's full budget with levers (``modern_crop44``, ``modern_crop44_residual``).
- :func:`make_experiment` / :func:`run_experiment`: the unfitted estimator; fit, score and write
  ``results.json``.
- :func:`read_results` / :func:`write_table` / :func:`write_report`: recorded results (JSON or
  CSV) -> the Markdown report and its chart.
"""

from ._recipes import (
    BOVW_FEATURES,
    CHOSEN_HOG,
    CHOSEN_SVC_C,
    CLASSICAL_PCA_COMPONENTS,
    LBP_FEATURES,
    LEVER_BUDGET,
    MODERN_LEVERS,
    QUICK_BOVW_FEATURES,
    QUICK_CLASSICAL_PCA_COMPONENTS,
    QUICK_CNN_GRID,
    SEARCH_EPOCHS,
    SVC_CACHE_MB,
    TUNED_NETWORKS,
    VOTE_MEMBER_EPOCHS,
    VOTE_MEMBERS,
    Settings,
    lever_network,
    modern_with_levers,
    selection_split,
    tuned_network,
    voting_networks,
)
from ._registry import BASELINE_ROWS, EXPERIMENTS, Experiment
from ._report import (
    MARKDOWN_HEADER,
    TABLE_COLUMNS,
    baseline_comparison,
    class_counts,
    markdown_row,
    read_results,
    run_label,
    write_report,
    write_table,
)
from ._runner import N_SYNTHETIC, N_SYNTHETIC_QUICK, SYNTHETIC_SOURCE, finished_results, fitted_network, load_experiment_data, make_experiment, run_experiment

# name -> description (the recorded wording, with the full run's budgets)
DESCRIPTIONS = {name: experiment.describe(Settings()) for name, experiment in EXPERIMENTS.items()}

__all__ = [
    "BASELINE_ROWS",
    "BOVW_FEATURES",
    "CHOSEN_HOG",
    "CHOSEN_SVC_C",
    "CLASSICAL_PCA_COMPONENTS",
    "DESCRIPTIONS",
    "EXPERIMENTS",
    "Experiment",
    "LBP_FEATURES",
    "LEVER_BUDGET",
    "MARKDOWN_HEADER",
    "MODERN_LEVERS",
    "N_SYNTHETIC",
    "N_SYNTHETIC_QUICK",
    "QUICK_BOVW_FEATURES",
    "QUICK_CLASSICAL_PCA_COMPONENTS",
    "QUICK_CNN_GRID",
    "SEARCH_EPOCHS",
    "SVC_CACHE_MB",
    "SYNTHETIC_SOURCE",
    "Settings",
    "TABLE_COLUMNS",
    "TUNED_NETWORKS",
    "VOTE_MEMBERS",
    "VOTE_MEMBER_EPOCHS",
    "baseline_comparison",
    "class_counts",
    "finished_results",
    "fitted_network",
    "lever_network",
    "modern_with_levers",
    "load_experiment_data",
    "make_experiment",
    "markdown_row",
    "read_results",
    "run_label",
    "run_experiment",
    "selection_split",
    "tuned_network",
    "voting_networks",
    "write_report",
    "write_table",
]
