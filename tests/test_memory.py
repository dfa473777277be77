"""Evaluation memory is bounded by the chunk, not by users x items: a mid-size synthetic set (12K users,
15K items) is evaluated under both protocols in a fresh process, whose peak resident memory may grow by
far less than one dense users x items mask (180 MB as bool, 720 MB as float32)."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
USERS, ITEMS = 12_000, 15_000
BOUND_MB = 120  # chunks of 128 x 15K float32 scores are 7.7 MB each; a dense mask would be 180 MB or more

CHILD = f"""
import json, resource
import numpy as np, torch
from recsys_core.data.preprocess import PrepConfig, Prepared
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.training.evaluate import evaluate
torch.set_num_threads(1)
rng = np.random.default_rng(0)
lens = rng.integers(3, 40, {USERS})
items = rng.integers(1, {ITEMS} + 1, lens.sum())
offsets = np.concatenate([[0], np.cumsum(lens)])
ids = np.array([""] + [str(i) for i in range({ITEMS})], dtype=object)
data = Prepared(name="synthetic", user_ids=np.arange({USERS}).astype(str).astype(object), item_ids=ids,
                titles=ids, categories=ids, items=items, offsets=offsets, times=np.arange(len(items)),
                ratings=None, causes=None, config=PrepConfig(), fingerprint="", notices=[])
model = build_model(ModelConfig(arch="mean", dim=16, max_len=20), {ITEMS}, seed=0).eval()
evaluate(model, data, users=np.arange(256), max_len=20)  # warm up: allocator and kernels
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
m = evaluate(model, data, max_len=20)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"growth_mb": (after - before) / 1024, "full": m["full"]["hr@10"], "sampled": m["sampled"]["hr@10"]}}))
"""


def test_evaluating_every_user_stays_within_a_chunks_memory():
    p = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["growth_mb"] < BOUND_MB, out
    assert 0 <= out["full"] <= out["sampled"] <= 1  # 100 candidates are easier than 15K
