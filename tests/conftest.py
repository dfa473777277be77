"""Shared fixtures. Real datasets live in ../shared/datasets relative to the repo root: tests that
need them skip when absent (a user's clone), but fail under CI=true so a green CI hides nothing."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI", "").lower() == "true"
# The app's training worker runs below the server's priority (niceness +10 by default). On a machine busy
# with other work that starves the tests' trainings; in tests the worker competes as an equal.
os.environ.setdefault("ATTENTION_LENS_TRAINER_NICE", "0")


def need(path: Path, what: str) -> Path:
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{what} is missing at {path} and CI=true: a skipped check would hide a failure.")
        pytest.skip(f"{what} not present at {path}")
    return path


@pytest.fixture
def ml100k() -> Path:
    return need(SHARED / "ml-100k", "MovieLens 100K")


@pytest.fixture
def ml_latest_small() -> Path:
    return need(SHARED / "ml-latest-small", "MovieLens latest-small")


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium for the browser walk-through (never a downloaded browser)."""
    return need(CHROMIUM, "Chromium (apt-get install chromium)")


@pytest.fixture
def app_dirs(tmp_path, monkeypatch):
    """Empty data and model-library folders for the app, so tests never touch the user's cache."""
    from types import SimpleNamespace
    data, models = tmp_path / "data", tmp_path / "models"
    data.mkdir()
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(data))
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(models))
    return SimpleNamespace(data=data, models=models)


# The slow tier: real browsers, real server processes and worker processes, real datasets, torchrun, and
# trainings long enough to measure quality. `python -m pytest -m "not slow"` leaves them out for
# day-to-day work; the README's command and CI run everything. A test elsewhere can opt in with
# @pytest.mark.slow.
SLOW_MODULES = {
    "test_browser", "test_import_browser", "test_own_data_browser", "test_patterns_browser", "test_whatif_browser",
    "test_user_lines_browser", "test_random_walk", "test_concurrency", "test_distributed", "test_real_datasets",
    "test_training_worker", "test_upload_kill", "test_nothing_lost", "test_memory", "test_offline",
    "test_quality", "test_jobs_library", "test_warmup", "test_download", "test_check_claims",
}


# Single tests that each took over 2 s in a `-m "not slow" --durations=40` run (trainings to convergence,
# CLI subprocesses, the library-reproduction checks): re-measure and extend when the fast tier grows.
SLOW_TESTS = {
    "tests/test_app_train.py::test_a_tiny_run_on_the_embedded_data_trains_shows_results_and_saves",
    "tests/test_bad_input.py::test_cli_bad_file_is_one_line_on_stderr",
    "tests/test_bad_input_suite.py::test_five_million_rows_load",
    "tests/test_bad_input_suite.py::test_k_out_of_range_is_clamped_with_a_notice",
    "tests/test_checkpoint_safety.py::test_the_cli_refuses_it_with_one_error_line_and_exit_2",
    "tests/test_cli_explain.py::test_evaluate_json_has_the_planted_hits_of_the_core",
    "tests/test_cli_models.py::test_evaluate_json_accepts_folder_or_file",
    "tests/test_cli_models.py::test_popular_ignores_attention_with_notice_and_has_null_weights",
    "tests/test_cli_models.py::test_recommend_json_contract",
    "tests/test_cli_models.py::test_train_writes_checkpoint_and_metrics",
    "tests/test_cli_models.py::test_user_errors_are_one_line",
    "tests/test_compare_page.py::test_every_explainers_planted_hits_are_the_cores",
    "tests/test_dataset_store.py::test_a_model_trained_on_a_stored_dataset_records_its_id",
    "tests/test_dataset_store.py::test_cli_add_list_use_rename_delete",
    "tests/test_export.py::test_the_html_report_opens_offline_and_shows_the_heatmap",
    "tests/test_import_pages.py::test_an_imported_attention_model_shows_its_own_maps_without_a_hard_trained_partner",
    "tests/test_import_safety.py::test_a_checkpoint_for_another_dataset_names_both_counts",
    "tests/test_import_safety.py::test_a_torchscript_model_without_its_id_map_or_with_the_wrong_signature_is_refused",
    "tests/test_import_safety.py::test_the_cli_imports_into_the_library_and_the_model_explains_in_a_new_process",
    "tests/test_imported_models.py::test_scores_top10_and_attention_are_the_librarys_own",
    "tests/test_imported_models.py::test_the_import_reproduces_the_test_metrics_recbole_reported",
    "tests/test_item_features.py::test_a_model_puts_its_feature_attention_on_the_attribute_that_drives_the_next_item",
    "tests/test_models.py::test_checkpoint_roundtrip_gives_identical_scores",
    "tests/test_models.py::test_every_family_trains_scores_and_explains",
    "tests/test_models.py::test_self_validates_every_short_epoch_while_target_waits_for_enough_steps",
    "tests/test_models.py::test_training_can_be_cancelled_between_steps",
    "tests/test_models.py::test_training_keeps_the_averaged_weights_it_validated",
    "tests/test_models.py::test_training_stops_once_gains_fall_below_the_required_margin",
    "tests/test_nonfinite.py::test_cli_evaluate_reports_a_nan_checkpoint",
    "tests/test_open_once.py::test_a_trained_model_comes_back_from_the_worker_as_its_file_holds_it",
    "tests/test_patterns_page.py::test_every_model_on_the_dataset_side_by_side",
    "tests/test_population.py::test_every_family_and_its_sentences",
    "tests/test_reference.py::test_recommend_json_is_unchanged",
    "tests/test_sparse_defaults.py::test_the_defaults_beat_popularity_on_a_slice_of_beauty_and_say_what_they_chose",
    "tests/test_validation_cadence.py::test_the_kept_weights_follow_the_stop_metric",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in SLOW_MODULES or f"tests/{module}.py::{item.originalname}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Untrained models of every family in a temporary library (ATTENTION_LENS_MODELS), module-wide."""
    from app_pages import make_library
    root = tmp_path_factory.mktemp("models")
    paths = make_library(root)
    old = os.environ.get("ATTENTION_LENS_MODELS")
    os.environ["ATTENTION_LENS_MODELS"] = str(root)  # module-wide: monkeypatch is function-scoped
    yield paths
    if old is None:
        os.environ.pop("ATTENTION_LENS_MODELS")
    else:
        os.environ["ATTENTION_LENS_MODELS"] = old
