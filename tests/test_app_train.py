"""The Train page through AppTest: the form, a real (tiny) training run on the embedded data to its
results and the library, the queue and cancel, and loading / deleting library models."""
from pathlib import Path

import pytest
from fakes import make_checkpoint
from job_runners import WAIT, wait_for
from streamlit.testing.v1 import AppTest

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models.config import ModelConfig
from recsys_core.setting import setting_of
from recsys_core.store import library
from recsys_core.training.config import TrainConfig
from ui import jobs

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def dirs(app_dirs):
    return app_dirs.models


@pytest.fixture(scope="module")
def sample():
    return prepare(load_dataset("sample"))


def train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_the_form_offers_every_setting_with_the_config_defaults():
    at = train_page()
    assert at.selectbox(key="train_arch").value == ModelConfig().arch
    assert set(at.selectbox(key="train_attention").options) >= {"soft", "hard", "sparsemax"}
    assert at.number_input(key="train_dim").value == ModelConfig().dim
    assert at.number_input(key="train_epochs").value == TrainConfig().epochs
    assert at.number_input(key="train_window").value == 0  # 0: the whole history
    for key in ("train_encoder", "train_loss", "train_device"):
        assert at.selectbox(key=key).value
    for key in ("train_layers", "train_heads", "train_max_len", "train_batch_size", "train_lr", "train_max_seconds",
                "train_seed"):
        at.number_input(key=key)
    assert "CPU" in texts(at.caption) or "GPU" in texts(at.caption)
    for name in ("dim", "max_len", "batch_size", "seed"):  # labels and defaults declared once, on the dataclasses
        cls = ModelConfig if hasattr(ModelConfig(), name) else TrainConfig
        widget = at.number_input(key=f"train_{name}")
        assert (widget.label, widget.value) == (setting_of(cls, name).label, getattr(cls(), name))
    assert at.number_input(key="train_layers").disabled  # self-attention only
    at.selectbox(key="train_arch").select("self").run()
    assert not at.number_input(key="train_layers").disabled and at.selectbox(key="train_encoder").disabled
    assert "Nothing saved yet" in texts(at.caption)


def test_settings_survive_a_visit_to_another_page():
    at = train_page()
    at.number_input(key="train_dim").set_value(24).run()
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/train.py").run()
    assert at.number_input(key="train_dim").value == 24


def test_a_tiny_run_on_the_embedded_data_trains_shows_results_and_saves(dirs):
    at = train_page()
    at.number_input(key="train_dim").set_value(16)
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_max_seconds").set_value(30)  # a bound only: one epoch takes a few seconds
    at.selectbox(key="train_device").select("cpu")
    at.button(key="train_start").click().run()
    assert not at.exception
    job = at.session_state["job"]
    assert job.model_cfg.dim == 16 and job.train_cfg.epochs == 1 and job.train_cfg.max_seconds == 30
    job.join(timeout=120)
    assert job.state.status == "done", job.state.message
    at.run()
    assert not at.exception and not at.error
    assert "Trained for" in texts(at.success)
    assert "ran every epoch it was given" in texts(at.success) or "stopped at the time limit" in texts(at.success)
    table = at.dataframe[0].value
    assert list(table.index) == ["HR@10", "NDCG@10", "MRR@10", "HR@20", "NDCG@20", "MRR@20"]
    assert table.shape[1] == 2 and table.notna().all().all()
    assert "Not saved yet" in texts(at.warning)
    at.text_input(key="train_label").input("tiny")
    at.button(key="train_save").click().run()
    assert not at.exception
    [entry] = library.list_models(include_shipped=False)
    assert entry.label == "tiny" and entry.spec == "sample"
    assert at.session_state["model_path"] == entry.path
    assert "Saved to the library" in texts(at.success)
    assert at.button(key=f"lib_load_False_{entry.id}").disabled  # already the selected model
    at.button(key="train_explain").click().run()  # switches to the Explain page with this model selected
    assert at.session_state["model_path"] == entry.path and at.session_state["dataset_spec"] == "sample"


def test_a_job_waits_its_turn_and_can_be_cancelled_from_the_queue(tmp_path):
    # Someone else's job holds the trainer (a stand-in that waits for its release file).
    someone_else = jobs.TrainingJob(None, ModelConfig(), TrainConfig(), "sample", out_dir=str(tmp_path / "other"),
                                    run="job_runners:gated").start()
    try:
        assert wait_for(str(tmp_path / "other" / "entered"))
        at = train_page()
        at.button(key="train_start").click().run()
        mine = at.session_state["job"]
        assert mine.state.status == "queued" and mine.queue_position() == 1
        assert "1 job ahead" in texts(at.info)
        assert at.button(key="train_start").disabled
        at.button(key="train_cancel").click().run()
        assert mine.cancel_requested
        mine.join(10)
        at.run()
        assert not at.exception and "waiting in the queue" in texts(at.warning)
    finally:
        (tmp_path / "other" / "release").touch()
        someone_else.join(WAIT)
        someone_else.discard()


def test_library_models_load_and_delete_after_a_confirmation(tmp_path, sample):
    make_checkpoint(str(tmp_path), sample)
    entry = library.save_to_library(str(tmp_path), "popular", "sample", label="kept for class")
    at = train_page()
    assert "kept for class" in texts(at.markdown)
    at.button(key=f"lib_load_False_{entry.id}").click().run()
    assert at.session_state["model_path"] == entry.path and at.session_state["dataset_spec"] == "sample"
    at.button(key=f"lib_del_{entry.id}").click().run()
    assert "for everyone on this server" in texts(at.warning)
    assert library.list_models(include_shipped=False)  # nothing deleted before the confirmation
    at.button(key=f"lib_yes_{entry.id}").click().run()
    assert not at.exception
    assert library.list_models(include_shipped=False) == [] and at.session_state["model_path"] is None


def test_loading_a_model_selects_its_dataset_and_says_when_that_is_missing(tmp_path, sample):
    from recsys_core.models import build_model
    from recsys_core.store.checkpoint import make_meta, save_checkpoint
    cfg = ModelConfig(arch="popular")
    model = build_model(cfg, sample.n_items)
    save_checkpoint(str(tmp_path / "model.pt"), model, make_meta(model, sample, cfg, dataset_spec="ml-1m"))
    entry = library.save_to_library(str(tmp_path), "popular", "ml-1m")
    at = train_page()
    at.button(key=f"lib_load_False_{entry.id}").click().run()
    assert not at.exception
    assert at.session_state["dataset_spec"] == "ml-1m" and at.session_state["model_path"] == entry.path
    assert "download it on the Data page" in texts(at.warning)
