"""A broken model (NaN or infinite scores) is never rewarded: its non-finite scores rank last in evaluation
and in recommendations, and evaluation counts them."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import pad_left, prepare, split_ends
from recsys_core.errors import UserError
from recsys_core.explain.user import explain_user
from recsys_core.models.baselines import MeanRecommender
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import (
    make_meta,
    model_from,
    read_checkpoint,
    save_checkpoint,
)
from recsys_core.store.opened import Loaded
from recsys_core.training.evaluate import evaluate, rank_targets, sampled_candidates
from recsys_core.training.metrics import metrics_from_ranks

REPO = Path(__file__).resolve().parent.parent
CFG = ModelConfig(arch="mean", dim=8, max_len=20)
PROTOCOLS = ("full", "sampled")


class Rigged(MeanRecommender):
    """The mean baseline with chosen items' scores replaced (`rig`: item -> score), or every score (`everything`)."""

    def __init__(self, cfg, n_items, rig=None, everything=None):
        super().__init__(cfg, n_items)
        self.rig, self.everything = rig or {}, everything

    def score(self, seq, candidates=None):
        s = super().score(seq, candidates)
        if self.everything is not None:
            return torch.full_like(s, self.everything)
        ids = torch.arange(s.shape[1]).expand_as(s) if candidates is None else candidates.expand_as(s)
        for item, value in self.rig.items():
            s = s.masked_fill(ids == item, value)
        return s


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


def rigged(data, rig=None, everything=None):
    """Same weights every call: random embeddings plus a popularity bias, so it ranks far better than chance."""
    torch.manual_seed(0)
    model = Rigged(CFG, data.n_items, rig, everything).eval()
    with torch.no_grad():
        model.bias.weight[:, 0] = torch.log1p(torch.from_numpy(np.bincount(data.items, minlength=data.n_items + 1)))
    return model


def run_evaluate(model, data, users=None):
    return evaluate(model, data, PROTOCOLS, users=users, max_len=CFG.max_len)


def test_all_nan_model_scores_zero_and_is_counted(data):
    m = run_evaluate(rigged(data, everything=float("nan")), data)
    unseen = sum(data.n_items - len(np.unique(data.seq(u))) for u in range(data.n_users))
    assert m["full"]["nonfinite_scores"] == unseen + data.n_users  # every candidate and every target; no padding
    assert m["sampled"]["nonfinite_scores"] == 101 * data.n_users
    for p in PROTOCOLS:
        assert m[p]["hr@10"] == m[p]["ndcg@10"] == m[p]["mrr@20"] == 0.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_target_ranks_last(data, bad):
    _, targets = split_ends(data, "test")
    item = int(np.bincount(targets).argmax())
    users = np.flatnonzero(targets == item)  # every one of these users' held-out item is `item`
    healthy = run_evaluate(rigged(data, {item: 1e3}), data, users)
    assert healthy["full"]["hr@10"] == healthy["sampled"]["hr@10"] == 1.0  # the favourite: first everywhere
    broken = rigged(data, {item: bad})
    m = run_evaluate(broken, data, users)
    for p in PROTOCOLS:
        assert m[p]["hr@20"] == m[p]["ndcg@20"] == 0.0 and m[p]["nonfinite_scores"] == len(users)
    for protocol in PROTOCOLS:  # behind every other candidate, and never a hit, however few candidates there are
        assert np.isposinf(rank_targets(broken, data, "test", protocol, users, CFG.max_len)).all()


def test_non_finite_rivals_count_as_minus_infinity(data):
    _, targets = split_ends(data, "test")
    popular = np.argsort(-np.bincount(data.items, minlength=data.n_items + 1))[:40]  # they lead when healthy
    users = np.flatnonzero(~np.isin(targets, popular))  # targets stay finite
    rig = {int(i): float("nan") if j % 2 else float("inf") for j, i in enumerate(popular)}
    got = run_evaluate(rigged(data, rig), data, users)
    want = run_evaluate(rigged(data, {i: float("-inf") for i in rig}), data, users)
    for p in PROTOCOLS:
        assert got[p]["nonfinite_scores"] > 0 and want[p]["nonfinite_scores"] > 0
        assert {k: v for k, v in got[p].items() if k != "nonfinite_scores"} == \
               {k: v for k, v in want[p].items() if k != "nonfinite_scores"}
        assert got[p]["hr@10"] > 0


def reference_ranks(model, data, protocol):
    """Ranks by the definition, one user at a time: rivals scoring higher, plus half the ties."""
    ends, targets = split_ends(data, "test")
    users = np.arange(data.n_users)
    seq = pad_left(data, ends[users], CFG.max_len, users)
    cands = sampled_candidates(data, users)
    ranks = []
    with torch.no_grad():
        for u in users:
            if protocol == "full":
                rivals = np.setdiff1d(np.arange(1, data.n_items + 1), data.seq(u))
            else:
                rivals = cands[u]
            s = model.score(seq[u:u + 1], torch.tensor([[targets[u], *rivals]]))[0].numpy()
            ranks.append((s[1:] > s[0]).sum() + (s[1:] == s[0]).sum() / 2)
    return np.array(ranks)


def test_a_healthy_model_is_unchanged_and_counts_zero(data):
    model = rigged(data)
    m = run_evaluate(model, data)
    for p in PROTOCOLS:
        want = metrics_from_ranks(reference_ranks(model, data, p))
        assert list(m[p]) == [*want, "nonfinite_scores"]  # the metrics' keys, in order, then the count
        assert m[p]["nonfinite_scores"] == 0
        assert {k: m[p][k] for k in want} == pytest.approx(want, abs=1e-12)
        assert m[p]["hr@10"] > 0.05


def loaded(model, data):
    return Loaded(model, make_meta(model, data, CFG), data)


def test_explain_refuses_an_all_nan_model(data):
    with pytest.raises(UserError, match="not finite") as e:
        explain_user(loaded(rigged(data, everything=float("nan")), data), data.user_ids[0], influence=False)
    assert str(data.user_ids[0]) in str(e.value) and "retrain" in str(e.value)


def test_explain_never_recommends_a_non_finite_score(data):
    u = 0
    unseen = np.setdiff1d(np.arange(1, data.n_items + 1), data.seq(u))
    bad = {int(i): v for i, v in zip(unseen[:6], [float("nan"), float("inf"), float("-inf")] * 2)}
    out = explain_user(loaded(rigged(data, bad), data), data.user_ids[u], k=10, influence=False)
    recommended = {r.item_id for r in out.recommendations}
    assert len(recommended) == 10 and not recommended & {str(data.item_ids[i]) for i in bad}
    assert all(math.isfinite(r.score) for r in out.recommendations)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "recsys_core", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def test_cli_evaluate_reports_a_nan_checkpoint(tmp_path):
    out = tmp_path / "mean"
    p = cli("train", "--dataset", "sample", "--arch", "mean", "--epochs", "1", "--dim", "8", "--out", str(out))
    assert p.returncode == 0, p.stderr
    meta, state = read_checkpoint(str(out))
    model = model_from(meta, {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
                              for k, v in state.items()})
    save_checkpoint(str(out / "model.pt"), model, meta)
    p = cli("evaluate", "--model", str(out), "--protocol", "both", "--json")
    assert p.returncode == 0, p.stderr
    m = json.loads(p.stdout)
    for proto in PROTOCOLS:
        assert m[proto]["hr@10"] == m[proto]["ndcg@10"] == 0 and m[proto]["nonfinite_scores"] > 0
    assert "not finite" in p.stderr and "warning:" in p.stderr
    text = cli("evaluate", "--model", str(out))  # the table prints the count as a count
    n = m["full"]["nonfinite_scores"]
    assert f"nonfinite_scores {n}" in text.stdout and f"nonfinite_scores {n}.0" not in text.stdout
    assert text.returncode == 0 and "not finite" in text.stderr
