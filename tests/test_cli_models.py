"""The model CLI as a user runs it: train -> evaluate -> recommend, JSON contracts and one-line errors."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "recsys_core", *args], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr}")
    return p


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "target-soft"
    p = run("train", "--dataset", "sample", "--arch", "target", "--attention", "soft", "--dim", "16",
            "--epochs", "1", "--max-seconds", "4", "--out", str(out))
    assert "saved" in p.stderr
    return out


def test_train_writes_checkpoint_and_metrics(trained):
    assert (trained / "model.pt").exists()
    m = json.loads((trained / "metrics.json").read_text())
    assert set(m["full"]) >= {"hr@10", "ndcg@10", "mrr@10", "precision@10", "recall@10", "f1@10", "ndcg@20"}
    assert set(m["sampled"]) == set(m["full"])


def test_evaluate_json_accepts_folder_or_file(trained):
    a = json.loads(run("evaluate", "--model", str(trained), "--protocol", "sampled", "--json").stdout)
    b = json.loads(run("evaluate", "--model", str(trained / "model.pt"), "--protocol", "sampled", "--json").stdout)
    assert a["sampled"] == b["sampled"]
    # the same figures `train` recorded for this checkpoint: evaluation is seeded, not a fresh draw
    recorded = json.loads((trained / "metrics.json").read_text())["sampled"]
    assert a["sampled"]["ndcg@10"] == pytest.approx(recorded["ndcg@10"], abs=1e-9)
    assert a["sampled"]["ndcg@10"] > 0  # a trained model ranks some held-out items in its top 10


def test_recommend_json_contract(trained):
    res = json.loads(run("recommend", "--model", str(trained), "--user", "1", "-k", "5", "--json").stdout)
    hist = res["history"]
    assert hist and {"item_id", "title"} <= set(hist[0])
    assert len(res["recommendations"]) == 5
    seen = {h["item_id"] for h in hist}
    for r in res["recommendations"]:
        assert {"item_id", "title", "score", "soft", "hard"} <= set(r)
        assert len(r["soft"]) == len(r["hard"]) == len(hist)
        assert abs(sum(r["soft"]) - 1) < 1e-4 and sorted(r["hard"])[-1] == 1.0 and sum(r["hard"]) == 1.0
        assert r["item_id"] not in seen  # never recommends what the user already has
    text = run("recommend", "--model", str(trained), "--user", "1", "-k", "3").stdout
    assert "soft:" in text and "hard:" in text


def test_popular_ignores_attention_with_notice_and_has_null_weights(tmp_path):
    out = tmp_path / "pop"
    p = run("train", "--arch", "popular", "--attention", "hard", "--out", str(out))
    assert "ignored" in p.stderr
    res = json.loads(run("recommend", "--model", str(out), "--user", "2", "--json").stdout)
    assert all(r["soft"] is None and r["hard"] is None for r in res["recommendations"])


def test_user_errors_are_one_line(trained, tmp_path):
    bad = [
        ("recommend", "--model", str(trained), "--user", "no-such-user"),
        ("recommend", "--model", str(tmp_path / "nothing"), "--user", "1"),
        ("train", "--arch", "self", "--dim", "10", "--heads", "3", "--out", str(tmp_path / "x")),
        ("train", "--loss", "sampled", "--negatives", "0", "--out", str(tmp_path / "z")),
        ("train", "--device", "cuda:7", "--out", str(tmp_path / "y")) if not _has_cuda() else ("stats", "--dataset", "/nope"),
    ]
    for args in bad:
        p = run(*args, check=False)
        assert p.returncode == 2, args
        assert "Traceback" not in p.stderr
        lines = [ln for ln in p.stderr.strip().splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and "Fix" in lines[0], p.stderr


def _has_cuda():
    import torch
    return torch.cuda.is_available()
