"""Checkpoints never run code: every way a model file is opened (read, load, open, the CLI, saving to the
library) refuses a pickle whose unpickling would create a file, says so in one line, and the file never
appears. The payload is proven live first: plain unpickling does create its marker."""
import json
import os
import pickle
import subprocess
import sys

import pytest
import torch
from fakes import Payload

from recsys_core.errors import CheckpointError
from recsys_core.store import library
from recsys_core.store.checkpoint import load_model, read_checkpoint
from recsys_core.store.meta import FORMAT, VERSION
from recsys_core.store.opened import open_model

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI_TIMEOUT = 60


def write_payload(path: str, marker: str, how: str):
    """model.pt that looks like ours ({"meta", "state_dict"}) with the payload among the weights."""
    meta = json.dumps({"format": FORMAT, "version": VERSION})
    blob = {"meta": meta, "state_dict": {"item.weight": Payload(marker)}}
    if how == "torch.save":
        torch.save(blob, path)
    else:  # a bare pickle (the legacy torch format), in the oldest and the newest pickle protocol
        with open(path, "wb") as f:
            pickle.dump(blob, f, protocol=2 if how == "pickle-2" else pickle.HIGHEST_PROTOCOL)


HOWS = ("torch.save", "pickle-2", "pickle-latest")


@pytest.fixture(params=HOWS)
def evil(request, tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    path, marker = folder / "model.pt", tmp_path / "PWNED"
    write_payload(str(path), str(marker), request.param)
    return path, marker, request.param


@pytest.mark.parametrize("how", HOWS)
def test_the_payload_is_live_when_unpickled_without_the_guard(tmp_path, how):
    path, proof = tmp_path / "model.pt", tmp_path / "proof"
    write_payload(str(path), str(proof), how)
    if how == "torch.save":
        torch.load(path, weights_only=False)
    else:
        with open(path, "rb") as f:
            pickle.load(f)
    assert proof.exists()


def one_line_refusal(call):
    with pytest.raises(CheckpointError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Fix:" in message
    return message


def test_every_loader_refuses_a_pickle_that_would_run_code(evil, tmp_path, monkeypatch):
    path, marker, how = evil
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(tmp_path / "library"))
    messages = [one_line_refusal(lambda: read_checkpoint(str(path))),
                one_line_refusal(lambda: load_model(str(path))),
                one_line_refusal(lambda: open_model(str(path))),
                one_line_refusal(lambda: open_model(str(path.parent))),  # the folder `train --out` wrote
                one_line_refusal(lambda: library.save_to_library(str(path.parent), "evil", "sample"))]
    assert not marker.exists()
    assert library.list_models(include_shipped=False) == []
    assert not (tmp_path / "library").exists() or os.listdir(tmp_path / "library") == []
    # Where torch gets as far as the code reference, the message names it; the newest protocol's framing
    # is refused even earlier, as an unreadable file.
    want = "not a readable checkpoint" if how == "pickle-latest" else "refused: loading it would run code (io.open)"
    assert all(want in m for m in messages), messages


def test_the_cli_refuses_it_with_one_error_line_and_exit_2(tmp_path):
    # Both file layouts at once (two processes): the zip torch.save writes and a bare newest-protocol pickle,
    # which also makes torch warn about the protocol; the warning must not reach the user.
    runs = []
    for how in ("torch.save", "pickle-latest"):
        folder = tmp_path / how
        folder.mkdir()
        write_payload(str(folder / "model.pt"), str(tmp_path / f"PWNED-{how}"), how)
        runs.append(subprocess.Popen([sys.executable, "-m", "recsys_core", "recommend", "--model",
                                      str(folder / "model.pt"), "--user", "1"], cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for how, proc in zip(("torch.save", "pickle-latest"), runs):
        try:
            out, err = proc.communicate(timeout=CLI_TIMEOUT)
        finally:
            proc.kill()
        lines = err.strip().splitlines()
        assert proc.returncode == 2, (how, err)
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Fix:" in lines[0], (how, err)
        assert "Traceback" not in err and out == ""
        assert not (tmp_path / f"PWNED-{how}").exists()
