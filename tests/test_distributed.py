"""Data-parallel training under torchrun: two real CPU processes (gloo) train on the embedded data, rank 0
alone saves and prints, the saved model reloads to the metrics it reported, and it lands within noise
of a single-process run with the same settings. Plus the pieces, checked by hand: the world torchrun
describes, and each rank's share of an epoch."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recsys_core.training.distributed import (
    World,
    agree_step,
    broadcast_flag,
    shard,
    world_from_env,
)

REPO = Path(__file__).resolve().parent.parent
TORCHRUN = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
SETTINGS = ["train", "--dataset", "sample", "--arch", "self", "--dim", "16", "--max-len", "20", "--epochs", "4",
            "--threads", "1", "--seed", "3"]
NOISE = 0.03  # test NDCG@10 differs by up to ~0.02 between seeds of one process on the embedded data


def test_world_comes_from_torchruns_environment():
    assert world_from_env({}) == World()
    assert world_from_env({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}) == \
        World(rank=3, size=4, local_rank=1, local_size=2)
    assert not World().active and World().main and not World(rank=1, size=2).main


def test_each_rank_gets_its_own_equal_share_of_an_epoch():
    shares = [list(shard(11, World(rank=r, size=3))) for r in range(3)]
    assert shares == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]  # 9 of 11 batches: the same count on every rank
    assert list(shard(11, World())) == list(range(11))  # one process: every batch, in order


def test_a_world_of_one_needs_no_agreement():
    assert agree_step(0.5, False, World()) == (0.5, False)
    assert broadcast_flag(True, World()) is True


def _train(out: Path, processes: int) -> subprocess.CompletedProcess:
    if processes == 1:
        cmd = [sys.executable, "-m", "recsys_core", *SETTINGS, "--out", str(out)]
    else:
        cmd = [TORCHRUN, "--standalone", "--nproc-per-node", str(processes), "-m", "recsys_core", *SETTINGS,
               "--out", str(out)]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not Path(TORCHRUN).exists():
        pytest.fail(f"torchrun is missing at {TORCHRUN}: it comes with PyTorch")
    root = tmp_path_factory.mktemp("ddp")
    return {n: (root / f"p{n}", _train(root / f"p{n}", n)) for n in (1, 2)}


def test_two_processes_save_once_and_record_the_world_size(runs):
    out, p = runs[2]
    assert p.stderr.count("saved ") == 1  # rank 0 prints; rank 1 is silent
    assert json.loads((out / "metrics.json").read_text())["world_size"] == 2
    assert json.loads((runs[1][0] / "metrics.json").read_text())["world_size"] == 1


def test_the_saved_model_reloads_to_the_metrics_it_reported(runs):
    from recsys_core.store.opened import open_model
    from recsys_core.training.evaluate import evaluate
    out = runs[2][0]
    reported = json.loads((out / "metrics.json").read_text())
    loaded = open_model(str(out))
    again = evaluate(loaded.model, loaded.data, max_len=loaded.max_len)
    for protocol in ("full", "sampled"):
        assert again[protocol]["ndcg@10"] == pytest.approx(reported[protocol]["ndcg@10"], abs=1e-6)


def test_two_processes_land_within_noise_of_one(runs):
    one, two = (json.loads((runs[n][0] / "metrics.json").read_text()) for n in (1, 2))
    assert abs(two["full"]["ndcg@10"] - one["full"]["ndcg@10"]) <= NOISE, (one["full"], two["full"])
    assert two["full"]["ndcg@10"] > 0.05  # well above chance (10 / 354 items ~ 0.013)
