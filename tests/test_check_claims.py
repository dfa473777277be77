"""CI's share of the claims check: `check-claims` over the first users of shipped models, through the CLI
as a user runs it. Every claim kind the page makes is regenerated and checked, with 0 contradictions
(the full run over every user and model is bench/bench_claims.py)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KINDS = {"training", "attention-vs-removal", "correlation", "planted", "removal", "counterfactual", "why-not",
         "what-if"}


@pytest.mark.parametrize("model", ["target-soft", "self-soft"])
def test_check_claims_finds_no_contradiction_in_every_kind_of_claim(model):
    p = subprocess.run([sys.executable, "-m", "recsys_core", "check-claims", "--model",
                        str(REPO / "sample_data" / "models" / model), "--users", "30", "--json"],
                       cwd=REPO, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    assert out["explanations"] == 30 and out["findings"] == []
    assert KINDS <= {kind for kind, n in out["claims"].items() if n > 0}, out["claims"]
