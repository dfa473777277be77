"""Background training jobs (queue order, cancel, failures, progress thinning) and the model library
(save, list, budget, delete). Jobs run in the training worker process; where timing matters they run a
stand-in for train_and_save (tests/job_runners.py), so the queue tests are exact and fast; one job
trains for real."""
import os
from types import SimpleNamespace

import pytest
from fakes import make_checkpoint
from job_runners import WAIT, wait_for

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.errors import CheckpointError, UserError
from recsys_core.models.config import ModelConfig
from recsys_core.store import library
from recsys_core.store.checkpoint import (
    FILENAME,
)
from recsys_core.training.config import TrainConfig
from recsys_core.training.loop import Progress
from recsys_core.training.pool import shared_pool
from recsys_core.training.worker import LOSS_POINTS_PER_EPOCH, ProgressThinner
from ui import jobs


@pytest.fixture(scope="module")
def sample():
    return prepare(load_dataset("sample"))


@pytest.fixture
def lib(tmp_path, monkeypatch):
    root = tmp_path / "library"
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(root))
    return root


# --- jobs ---------------------------------------------------------------------------------------

class Gate:
    """Jobs running job_runners.gated in the training worker: each waits for its `release` file; the order
    they entered is in order.txt."""

    def __init__(self, tmp_path):
        self.root = tmp_path

    def job(self, name: int, run: str = "job_runners:gated") -> jobs.TrainingJob:
        return jobs.TrainingJob(None, ModelConfig(), TrainConfig(seed=name), "sample", out_dir=str(self.root / str(name)),
                                run=run)

    def entered(self, name: int) -> bool:
        return wait_for(str(self.root / str(name) / "entered"))

    def release(self, name: int):
        (self.root / str(name)).mkdir(exist_ok=True)
        (self.root / str(name) / "release").touch()

    @property
    def order(self) -> list[int]:
        path = self.root / "order.txt"
        return [int(n) for n in path.read_text().split()] if path.exists() else []


def test_jobs_train_one_at_a_time_in_the_order_they_were_started(tmp_path):
    gate = Gate(tmp_path)
    first, second, third = (gate.job(n) for n in (1, 2, 3))
    first.start()
    assert gate.entered(1)
    second.start()
    third.start()
    assert first.state.status == "running" and first.queue_position() == 0
    assert (second.queue_position(), third.queue_position()) == (1, 2)
    assert second.state.status == third.state.status == "queued"
    for n, job in ((1, first), (2, second), (3, third)):
        gate.release(n)
        job.join(WAIT)
        assert job.state.status == "done" and not job.alive
    assert gate.order == [1, 2, 3]


def test_a_queued_job_cancels_without_training_and_frees_its_place(tmp_path):
    gate = Gate(tmp_path)
    running, waiting, behind = (gate.job(n) for n in (1, 2, 3))
    running.start()
    assert gate.entered(1)
    waiting.start()
    behind.start()
    waiting.cancel()
    waiting.join(WAIT)
    assert waiting.state.status == "cancelled" and "queue" in waiting.state.message
    assert behind.queue_position() == 1  # only the running job is ahead now
    gate.release(1)
    gate.release(3)
    behind.join(WAIT)
    assert gate.order == [1, 3] and behind.state.status == "done"


def test_cancel_during_training_and_failures_become_states_not_exceptions(tmp_path):
    gate = Gate(tmp_path)
    job = gate.job(1).start()
    assert gate.entered(1)
    job.cancel()
    assert job.cancel_requested
    job.join(WAIT)
    assert job.state.status == "cancelled" and not job.state.finished_ok

    for run, expect in (("job_runners:broken", "Training failed: ZeroDivisionError: boom"),
                        ("job_runners:bad_input", "--device cuda")):
        job = jobs.TrainingJob(None, ModelConfig(), TrainConfig(), "sample", out_dir=str(tmp_path / "x"), run=run)
        job.start().join(WAIT)
        assert job.state.status == "failed" and job.state.message.startswith(expect)
        assert job.queue_position() == 0 and not shared_pool().busy()


def test_progress_keeps_about_fifty_averaged_losses_per_epoch_and_every_evaluation():
    thin, state = ProgressThinner(latest_every_s=3600), jobs.JobState()
    steps = 1000
    for epoch in (1, 2):
        for step in range(1, steps + 1):
            sent = thin(Progress(phase="train", epoch=epoch, epochs=2, step=step, steps=steps, loss=float(step), elapsed=0.0, eta=None))
            if sent is not None:
                jobs.TrainingJob.progress(SimpleNamespace(state=state), *sent)
        sent = thin(Progress(phase="eval", epoch=epoch, epochs=2, step=steps, steps=steps, loss=1.0, elapsed=0.0, eta=None,
                                 metrics={"ndcg@10": 0.1, "hr@10": 0.2}))
        jobs.TrainingJob.progress(SimpleNamespace(state=state), *sent)
    train = [p for p in state.progress if p.phase == "train"]
    assert len(train) == 2 * LOSS_POINTS_PER_EPOCH
    assert train[0].step == 20 and train[0].loss == pytest.approx(sum(range(1, 21)) / 20)  # mean of its chunk
    assert [p.epoch for p in state.progress if p.phase == "eval"] == [1, 2]
    assert state.latest.phase == "eval"


def test_discard_deletes_the_jobs_own_temp_folder_only(tmp_path):
    own = jobs.TrainingJob(None, ModelConfig(), TrainConfig(), "sample")
    given = jobs.TrainingJob(None, ModelConfig(), TrainConfig(), "sample", out_dir=str(tmp_path))
    assert os.path.isdir(own.out_dir)
    own.discard()
    given.discard()
    assert not os.path.exists(own.out_dir) and tmp_path.is_dir()


def test_a_real_job_trains_saves_and_goes_into_the_library(sample, lib):
    cfg = TrainConfig(epochs=1, max_seconds=2, eval_users=100, device="cpu")
    job = jobs.TrainingJob(sample, ModelConfig(arch="mean", dim=16), cfg, "sample").start()
    job.join(120)
    assert job.state.status == "done", job.state.message
    assert job.state.finished_ok and os.path.exists(os.path.join(job.out_dir, FILENAME))
    assert {"full", "sampled"} <= set(job.state.result.metrics)
    assert any(p.phase == "eval" for p in job.state.progress)
    entry = library.save_to_library(job.out_dir, job.model_cfg.name, sample.name, label="  first\nrun  ")
    assert entry.label == "first run" and entry.spec == "sample" and entry.name == "mean"
    assert [e.id for e in library.list_models(include_shipped=False)] == [entry.id]
    job.discard()
    assert os.path.exists(entry.path)  # the library holds its own copy


# --- library -------------------------------------------------------------------------------------

def test_save_refuses_a_folder_without_a_readable_model(tmp_path, lib):
    with pytest.raises(CheckpointError):
        library.save_to_library(str(tmp_path), "x", "sample")
    (tmp_path / FILENAME).write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError) as err:
        library.save_to_library(str(tmp_path), "x", "sample")
    assert "\n" not in str(err.value)
    assert not lib.exists() or not any(lib.iterdir())


def test_listing_is_newest_first_skips_broken_folders_and_counts_usage(tmp_path, sample, lib):
    src = make_checkpoint(str(tmp_path), sample)
    a = library.save_to_library(str(tmp_path), "popular", "sample", label="a")
    library.save_to_library(str(tmp_path), "popular", "sample", label="b")
    os.utime(lib / a.id, (1, 1))  # a was saved long ago
    (lib / "broken").mkdir()
    (lib / "broken" / FILENAME).write_bytes(b"\x00" * 10)
    (lib / ".tmp-half-written").mkdir()
    found = library.list_models(include_shipped=False)
    assert [e.label for e in found] == ["b", "a"]
    assert library.usage() == {"models": 2, "bytes": 2 * os.path.getsize(src)}
    assert found[0].metrics["full"]["ndcg@10"] == 0.25 and found[0].size_bytes == os.path.getsize(src)


def test_budget_evicts_the_longest_saved_models_but_never_the_new_one(tmp_path, sample, lib):
    size = os.path.getsize(make_checkpoint(str(tmp_path), sample))
    old = library.save_to_library(str(tmp_path), "popular", "sample", label="old")
    mid = library.save_to_library(str(tmp_path), "popular", "sample", label="mid")
    os.utime(lib / old.id, (1, 1))
    os.utime(lib / mid.id, (2, 2))
    new = library.save_to_library(str(tmp_path), "popular", "sample", label="new", budget_mb=2.5 * size / 1e6)
    assert [e.id for e in library.list_models(include_shipped=False)] == [new.id, mid.id]
    assert library.enforce_budget(max_models=1) == [mid.id]
    assert library.enforce_budget(budget_mb=0, keep=new.id) == []  # the one to keep stays even over budget


def test_delete_takes_only_a_plain_model_id(tmp_path, sample, lib):
    make_checkpoint(str(tmp_path), sample)
    entry = library.save_to_library(str(tmp_path), "popular", "sample")
    for bad in ("", ".", "..", f"{entry.id}/", f"../{lib.name}", "/etc", "no-such-model"):
        with pytest.raises(UserError):
            library.delete_model(bad)
    assert lib.is_dir() and os.path.exists(entry.path)
    library.delete_model(entry.id)
    assert library.list_models(include_shipped=False) == []
    with pytest.raises(UserError, match="deleted already"):
        library.delete_model(entry.id)
