"""import-model never runs a file and never stores a refused one: the code-running payload of
RELIABILITY.md (in a RecBole-shaped checkpoint, and as a bare pickle), a checkpoint for another dataset,
an unsupported RecBole model, a truncated file, TorchScript modules with the wrong signature or with
operators from outside torch; each is one line (exit 2 on the command line) and leaves nothing behind.
A TorchScript model with its id map imports, and its scores are the module's own."""
import json
import os
import pickle
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
import torch
from fakes import Payload, exported_torchscript

from recsys_core.errors import CheckpointError
from recsys_core.imports import import_model, save_imported
from recsys_core.store.checkpoint import read_checkpoint

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "data" / "imported"
CLI_TIMEOUT = 120


def refusal(call) -> str:
    with pytest.raises(CheckpointError) as err:
        call()
    text = str(err.value)
    assert "\n" not in text and "Fix:" in text
    return text


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "recsys_core", "import-model", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=CLI_TIMEOUT)


def _fake_recbole(monkeypatch, model: str, payload=None):
    """Classes that pickle by reference as RecBole's Config and an enum, without RecBole installed."""
    mod = types.ModuleType("recbole.config.configurator")

    class Config:
        def __init__(self, d):
            self.final_config_dict = d
    Config.__module__, Config.__qualname__ = mod.__name__, "Config"
    mod.Config = Config
    for name in ("recbole", "recbole.config", mod.__name__):
        monkeypatch.setitem(sys.modules, name, sys.modules.get(name) or types.ModuleType(name))
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    state = {"item_embedding.weight": torch.zeros(355, 8)}
    if payload is not None:
        state["item_embedding.weight"] = payload
    return {"config": Config({"model": model, "MAX_ITEM_LIST_LENGTH": 50}), "state_dict": state,
            "other_parameter": None, "epoch": 1}


def test_a_recbole_checkpoint_carrying_a_payload_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    marker, path = tmp_path / "PWNED", tmp_path / "SASRec-evil.pth"
    torch.save(_fake_recbole(monkeypatch, "SASRec", Payload(str(marker))), path)
    text = refusal(lambda: import_model(str(path), "sample"))
    assert "open" in text and "nothing in it was run" in text
    assert not marker.exists()
    out = tmp_path / "out"
    res = cli(str(path), "--dataset", "sample", "--out", str(out))
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
    assert not marker.exists() and not out.exists()


@pytest.mark.parametrize("how", ["pickle-2", "pickle-latest"])
def test_a_bare_pickle_is_refused_unread(tmp_path, how):
    marker, path = tmp_path / "PWNED", tmp_path / "model.pth"
    with open(path, "wb") as f:
        pickle.dump({"state_dict": Payload(str(marker))}, f, protocol=2 if how == "pickle-2" else pickle.HIGHEST_PROTOCOL)
    assert "bare pickle" in refusal(lambda: import_model(str(path), "sample"))
    assert not marker.exists()


def test_an_unsupported_recbole_model_lists_the_supported_ones(tmp_path, monkeypatch):
    path = tmp_path / "BPR-x.pth"
    torch.save(_fake_recbole(monkeypatch, "BPR"), path)
    text = refusal(lambda: import_model(str(path), "sample"))
    assert "BPR" in text and "SASRec, BERT4Rec, GRU4Rec" in text


def test_a_checkpoint_for_another_dataset_names_both_counts(tmp_path):
    other = tmp_path / "other.csv"
    rows = [f"{u},{i},{u * 100 + i}" for u in range(1, 40) for i in range(1, 12)]
    other.write_text("user_id,item_id,timestamp\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    text = refusal(lambda: import_model(str(FIXTURES / "recbole-sasrec.pth"), str(other)))
    assert "354 items" in text and "has 11" in text and "other" in text
    res = cli(str(FIXTURES / "recbole-sasrec.pth"), "--dataset", str(other), "--out", str(out))
    assert res.returncode == 2 and "354 items" in res.stderr and not out.exists()


def test_a_truncated_checkpoint_is_one_line(tmp_path):
    data = (FIXTURES / "recbole-sasrec.pth").read_bytes()
    path = tmp_path / "cut.pth"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in refusal(lambda: import_model(str(path), "sample"))


# --- TorchScript -----------------------------------------------------------------------------------

def test_a_torchscript_model_imports_with_its_id_map_and_scores_as_itself(tmp_path):
    path, id_map, ids = exported_torchscript(tmp_path)
    imp = import_model(str(path), "sample", id_map=str(id_map), evaluate_it=False)
    assert imp.meta.arch == "torchscript" and not imp.model.has_attention
    saved = save_imported(imp, str(tmp_path / "out"))
    meta, state = read_checkpoint(saved)  # weights_only=True: the archive is a uint8 tensor
    assert state["archive"].dtype == torch.uint8 and meta.model_config.source.library == "TorchScript"
    module = torch.jit.load(str(path))
    data = imp.data
    number = {t: i + 1 for i, t in enumerate(ids)}
    hist = list(data.seq(0)[-10:])
    theirs = module(torch.tensor([[0] * 40 + [number[str(data.item_ids[i])] for i in hist]]))[0]
    ours = imp.model.score(torch.tensor([[0] * 40 + hist]))[0]
    for i in range(1, data.n_items + 1):
        assert abs(float(ours[i]) - float(theirs[number[str(data.item_ids[i])]])) < 1e-6


def test_a_torchscript_model_without_its_id_map_or_with_the_wrong_signature_is_refused(tmp_path):
    path, id_map, _ = exported_torchscript(tmp_path, wrong=True)
    assert "--id-map" in refusal(lambda: import_model(str(path), "sample"))
    text = refusal(lambda: import_model(str(path), "sample", id_map=str(id_map)))
    assert "wrong signature" in text and "(2, 355)" in text
    out = tmp_path / "out"
    res = cli(str(path), "--dataset", "sample", "--id-map", str(id_map), "--out", str(out))
    assert res.returncode == 2 and "wrong signature" in res.stderr and not out.exists()


def test_torchscript_code_calling_operators_outside_torch_is_refused_before_loading(tmp_path):
    path, id_map, _ = exported_torchscript(tmp_path)
    evil = tmp_path / "evil.pt"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if "/code/" in info.filename and info.filename.endswith(".py"):
                data = data.replace(b"return ", b"_x = ops.mylib.run(seq)\n    return ", 1)
            dst.writestr(info, data)
    assert "ops.mylib" in refusal(lambda: import_model(str(evil), "sample", id_map=str(id_map)))


def test_the_cli_imports_into_the_library_and_the_model_explains_in_a_new_process(tmp_path):
    env = {**os.environ, "ATTENTION_LENS_MODELS": str(tmp_path / "library")}
    res = cli(str(FIXTURES / "recbole-gru4rec.pth"), "--dataset", "sample", "--name", "Our GRU", env=env)
    assert res.returncode == 0, res.stderr
    folder = res.stdout.strip().splitlines()[-1]
    assert folder.startswith(str(tmp_path / "library")) and "ndcg@10" in res.stdout
    meta, _ = read_checkpoint(folder)
    assert meta.model_name == "Our GRU" and meta.arch == "recbole-gru4rec" and meta.metrics["sampled"]["hr@10"] > 0
    out = subprocess.run([sys.executable, "-m", "recsys_core", "explain", "--model", folder, "--user", "27", "--json"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert "attention" not in doc["explainers"] and "occlusion" in doc["explainers"]


def test_an_unreadable_id_map_and_an_unknown_format_are_one_line(tmp_path):
    bad = tmp_path / "ids.txt"
    bad.write_text("1\n2\n1\n")
    assert "listed twice" in refusal(lambda: import_model(str(FIXTURES / "recbole-sasrec.pth"), "sample",
                                                          id_map=str(bad)))
    res = cli(str(FIXTURES / "recbole-sasrec.pth"), "--dataset", "sample", "--format", "keras")
    assert res.returncode == 2 and "invalid choice" in res.stderr
