"""Training out of the server: a job trains in the worker process and leaves the server's process-wide
state as it found it (glibc heap thresholds, torch's random state, seed and thread count, the warnings
filters); a session exploring while another trains gets what it gets alone, and so does the training;
a worker killed mid-job ends that job with a message, the session keeps its earlier model, and the
next job gets a new worker. The Learn page's toy draws no random numbers either."""
import os
import signal
import time
import warnings
from pathlib import Path

import pytest
import torch
from job_runners import WAIT, wait_for
from streamlit.testing.v1 import AppTest

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models.config import ModelConfig
from recsys_core.models.playground import VARIANTS, attend, example
from recsys_core.store.library import SHIPPED_DIR
from recsys_core.training import heap
from recsys_core.training.config import TrainConfig
from recsys_core.training.pool import shared_pool
from ui import jobs

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SEQ = torch.tensor([[0] * 5 + list(range(1, 16))])  # (1, 20) a fixed history


@pytest.fixture(scope="module")
def sample():
    return prepare(load_dataset("sample"))


@pytest.fixture(autouse=True)
def dirs(app_dirs):
    return app_dirs


class MalloptRecorder:
    """Stands in for glibc's mallopt in this process: any threshold set here is recorded."""

    def __init__(self):
        self.calls = []

    def __call__(self, param, value):
        self.calls.append((param, value))
        return 1


def process_state() -> dict:
    return {"rng": torch.random.get_rng_state(), "seed": torch.initial_seed(), "threads": torch.get_num_threads(),
            "interop": torch.get_num_interop_threads(), "heap": heap._mode, "managed": heap._managed,
            "warnings": list(warnings.filters)}


def same_state(a: dict, b: dict) -> bool:
    return torch.equal(a["rng"], b["rng"]) and {k: v for k, v in a.items() if k != "rng"} == \
        {k: v for k, v in b.items() if k != "rng"}


def test_a_training_job_leaves_the_servers_process_state_as_it_found_it(sample, tmp_path, monkeypatch):
    import recsys_core.store.checkpoint  # noqa: F401  its one warnings filter is set at import, not per job
    recorder = MalloptRecorder()
    monkeypatch.setattr(heap, "_libc", recorder)  # any heap threshold set in this process would land here
    before = process_state()
    job = jobs.TrainingJob(sample, ModelConfig(arch="target", dim=8, max_len=20),
                           TrainConfig(epochs=2, eval_users=100, threads=1, device="cpu"), "sample",
                           out_dir=str(tmp_path / "job"), run="job_runners:state_of_process").start()
    job.join(WAIT * 3)
    assert job.state.status == "done", job.state.message
    assert job.state.loaded is not None  # the trained model was built here, from the weights sent back
    assert same_state(process_state(), before) and recorder.calls == []
    worker = __import__("json").loads((tmp_path / "job" / "process.json").read_text())
    # The worker is another process, which set its own: one thread as asked, heap modes back to the base
    # after training, and the priority it is configured to give way by (conftest: none in tests).
    assert worker["pid"] != os.getpid() and worker["threads"] == 1 and worker["heap_mode"] == "evaluate"
    assert worker["nice"] == min(19, os.nice(0) + int(os.environ["ATTENTION_LENS_TRAINER_NICE"]))


def test_heap_modes_change_nothing_in_a_process_that_did_not_ask_and_restore_the_base_where_it_did(monkeypatch):
    recorder = MalloptRecorder()
    monkeypatch.setattr(heap, "_libc", recorder)
    monkeypatch.setattr(heap, "_mode", None)
    monkeypatch.setattr(heap, "_managed", False)
    with heap.heap_mode("train"), heap.heap_mode("evaluate"):
        pass
    assert recorder.calls == [] and heap._mode is None
    heap.manage()
    with heap.heap_mode("train"):
        with heap.heap_mode("evaluate"):
            assert heap._mode == "evaluate"
        assert heap._mode == "train"
    assert heap._mode == "evaluate"  # the outermost exit restores the base mode
    mmap = [v for p, v in recorder.calls if p == heap.M_MMAP_THRESHOLD]
    assert mmap == [1 << 20, 32 << 20, 1 << 20, 32 << 20, 1 << 20]


def test_the_learn_toy_draws_no_random_numbers():
    ex = example()
    before = torch.random.get_rng_state()
    for variant in VARIANTS:
        attend(ex["query"], ex["keys"], ex["values"], variant=variant, gumbel=True, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)


def explain_page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=WAIT * 3)
    at.session_state["model_path"] = os.path.join(SHIPPED_DIR, "target-soft", "model.pt")
    at.session_state["user_id"] = user
    at.run()
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> list:
    """What the Explain page shows in its tables (history, recommendations with scores, ...)."""
    return [df.value.to_json() for df in at.dataframe]


def trained(job) -> tuple:
    job.join(WAIT * 3)
    assert job.state.status == "done", job.state.message
    with torch.no_grad():
        return job.state.result.metrics, job.state.loaded.model.score(SEQ)


def test_two_sessions_training_and_explaining_at_once_get_what_each_gets_alone(sample):
    def start():
        return jobs.TrainingJob(sample, ModelConfig(arch="target", dim=16, max_len=20),
                                TrainConfig(epochs=1, eval_users=200, seed=7, device="cpu"), "sample").start()
    alone = trained(start())
    seen_alone = shown(explain_page("17"))

    job = start()
    deadline = time.monotonic() + WAIT
    while job.state.latest is None:  # the other session's model is training now
        assert job.alive and time.monotonic() < deadline, job.state.message
        time.sleep(0.02)
    seen_together = shown(explain_page("17"))
    assert job.alive or job.state.finished > 0
    together = trained(job)
    assert seen_together == seen_alone
    assert together[0] == alone[0] and torch.equal(together[1], alone[1])


def train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=WAIT * 3).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def test_a_worker_killed_mid_job_gives_a_message_and_the_session_keeps_its_earlier_model():
    at = train_page()
    at.selectbox(key="train_arch").select("mean")
    at.number_input(key="train_dim").set_value(8)
    at.number_input(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    first = at.session_state["job"]
    first.join(WAIT * 3)
    assert first.state.status == "done", first.state.message
    at.run()
    at.button(key="train_explain").click().run()  # the session's model is now the one it trained
    earlier = at.session_state["model_path"]
    assert earlier.startswith(first.out_dir)

    at.switch_page("pages/train.py").run()
    at.number_input(key="train_epochs").set_value(1000)
    at.number_input(key="train_batch_size").set_value(8)
    at.number_input(key="train_max_seconds").set_value(0)
    at.button(key="train_start").click().run()
    job = at.session_state["job"]
    assert job is not first
    deadline = time.monotonic() + WAIT
    while job.state.latest is None:  # training, in the worker
        assert job.alive and time.monotonic() < deadline, job.state.message
        time.sleep(0.02)
    [pid] = shared_pool().worker_pids()
    os.kill(pid, signal.SIGKILL)
    job.join(WAIT)
    assert job.state.status == "failed" and not job.alive
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "stopped unexpectedly" in errors and "SIGKILL" in errors
    assert at.session_state["model_path"] == earlier and os.path.exists(earlier)
    at.switch_page("pages/explain.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="_explain_model").value == earlier

    # The server goes on: the next job gets a new worker.
    again = jobs.TrainingJob(first.data, first.model_cfg, first.train_cfg, "sample").start()
    try:
        again.join(WAIT * 3)
        assert again.state.status == "done", again.state.message
        assert shared_pool().worker_pids() != [pid]
    finally:
        again.discard()
    assert wait_for(earlier, 1)
