"""The shipped models score as they did when tests/data/reference.json was recorded, and
`recommend --json` keeps its keys and values: a refactor must not change what users see.
When the shipped models are rebuilt on purpose, re-record with `python scripts/record_reference.py`."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from recsys_core.store.library import SHIPPED_DIR

REPO = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((REPO / "tests" / "data" / "reference.json").read_text())


def _same_file(name: str):
    digest = hashlib.sha256((Path(SHIPPED_DIR) / name / "model.pt").read_bytes()).hexdigest()
    assert digest == REFERENCE["files"][name], (
        f"shipped model {name} was rebuilt since the reference was recorded: "
        "run `python scripts/record_reference.py` and commit tests/data/reference.json with it")


@pytest.mark.parametrize("name", sorted(REFERENCE["scores"]))
def test_shipped_model_scores_as_recorded(name):
    from recsys_core.store.opened import open_model
    _same_file(name)
    loaded = open_model(str(Path(SHIPPED_DIR) / name / "model.pt"))
    index = loaded.data.user_index()
    for user, want in REFERENCE["scores"][name].items():
        seq = loaded.data.seq(index[user])[-loaded.max_len:].tolist()
        x = torch.tensor([[0] * (loaded.max_len - len(seq)) + seq])
        with torch.no_grad():
            got = loaded.model.score(x)[0, 1:]
        assert torch.allclose(got, torch.tensor(want), atol=2e-5, rtol=0), f"{name}, user {user}"


def _close(got, want, where="$"):
    """Equal JSON documents, floats to 1e-4: same keys at every level, same order of lists."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for k in want:
            _close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: length"
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert isinstance(got, (int, float)) and abs(got - want) <= 1e-4, f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.mark.parametrize("name", sorted(REFERENCE["recommend"]))
def test_recommend_json_is_unchanged(name):
    _same_file(name)
    want = REFERENCE["recommend"][name]
    out = subprocess.run([sys.executable, "-m", "recsys_core", "recommend", "--model", str(Path(SHIPPED_DIR) / name),
                          "--user", want["user_id"], "-k", str(len(want["recommendations"])), "--json"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    _close(json.loads(out.stdout), want)
