"""Open once: a checkpoint's light metadata comes from its sidecar without loading the weights (also
after a copy or a fresh checkout changed its time, and for an old checkpoint after its first read);
a model opened from a checkpoint draws no random numbers; a model imported from another library (in a session's
thread) draws none either, gets its sidecar like any other and opens through the same path, scoring as
imported; a trained model reaches
Explain from the worker's weights, equal to what its file holds, and the app reads neither its file nor
the library's copy on the way from Train to Explain."""
import json
import os
import shutil
import time
from pathlib import Path

import pytest
import torch
from job_runners import WAIT

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.imports import import_model, save_imported
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.models.features import with_item_features
from recsys_core.store import checkpoint, library, sidecar
from recsys_core.store.checkpoint import FILENAME, load_model, make_meta, save_checkpoint
from recsys_core.store.opened import open_model
from recsys_core.training.config import TrainConfig
from ui import jobs

SEQ = torch.tensor([[0] * 5 + list(range(1, 16))])  # (1, 20) a fixed history
IMPORTED = Path(__file__).resolve().parent / "data" / "imported" / "recbole-sasrec.pth"  # RecBole 1.2.1's own file


@pytest.fixture(scope="module")
def sample():
    return prepare(load_dataset("sample"))


@pytest.fixture
def loads(monkeypatch):
    """Every torch.load of this process, by path."""
    seen = []
    real = torch.load

    def counting(f, *args, **kwargs):
        seen.append(str(f))
        return real(f, *args, **kwargs)
    monkeypatch.setattr(torch, "load", counting)
    return seen


def save(folder, data, **cfg) -> str:
    cfg = ModelConfig(**{"arch": "target", "dim": 8, "max_len": 20, **cfg})
    model = build_model(cfg, data.n_items, seed=0).eval()
    path = os.path.join(folder, FILENAME)
    save_checkpoint(path, model, make_meta(model, data, cfg, metrics={"full": {"ndcg@10": 0.1}}, dataset_spec="sample"))
    return path


def test_listing_and_menus_read_sidecars_not_weights(tmp_path, sample, loads):
    path = save(tmp_path / "a", sample)
    meta = checkpoint.read_meta(path)
    assert loads == []
    full, _ = checkpoint.read_checkpoint(path)
    assert meta.ids is None and full.ids.user_ids == [str(u) for u in sample.user_ids]  # no per-user arrays
    assert meta.to_dict() == {k: v for k, v in full.to_dict().items() if k not in ("item_ids", "user_ids")}
    doc = json.loads(open(sidecar.sidecar_path(path)).read())
    assert "user_ids" not in doc["meta"] and "item_ids" not in doc["meta"]
    lib = tmp_path / "lib"
    entry = library.save_to_library(str(tmp_path / "a"), "target-soft", "sample", lib=str(lib))
    assert entry.id in [e.id for e in library.list_models(str(lib))]
    assert loads == [path]  # only read_checkpoint above: saving and listing read sidecars
    assert os.path.exists(sidecar.sidecar_path(entry.path))


def test_a_model_with_item_features_keeps_its_attribute_table_out_of_the_sidecar(tmp_path, sample, loads):
    cfg = with_item_features(ModelConfig(arch="target", dim=8, max_len=20), sample.categories)
    model = build_model(cfg, sample.n_items, seed=0)
    path = str(tmp_path / FILENAME)
    save_checkpoint(path, model, make_meta(model, sample, cfg))
    meta = checkpoint.read_meta(path)
    assert meta.model_config.item_features and meta.model_config.item_attributes is None
    assert meta.model_config.feature_vocab == cfg.feature_vocab
    assert "item_attributes" not in open(sidecar.sidecar_path(path)).read().replace('"item_attributes": null', "")
    assert loads == []


def test_a_copy_with_a_new_time_still_matches_and_a_rewritten_checkpoint_does_not(tmp_path, sample, loads):
    path = save(tmp_path / "a", sample)
    copy = tmp_path / "b"
    copy.mkdir()
    shutil.copy(path, copy / FILENAME)  # a new modification time, as a git checkout gives
    shutil.copy(sidecar.sidecar_path(path), sidecar.sidecar_path(str(copy / FILENAME)))
    os.utime(copy / FILENAME, ns=(time.time_ns() - 10**9, time.time_ns() - 10**9))
    assert checkpoint.read_meta(str(copy / FILENAME)).model_config.dim == 8 and loads == []  # the hash matched

    time.sleep(0.01)
    save(tmp_path / "a", sample, dim=16)  # rewritten: a new sidecar with it
    stale = sidecar.sidecar_path(str(copy / FILENAME))
    shutil.copy(tmp_path / "a" / FILENAME, copy / FILENAME)  # the file changed under a sidecar of the old one
    assert checkpoint.read_meta(str(copy / FILENAME)).model_config.dim == 16
    assert loads == [str(copy / FILENAME)]  # read once, and described for next time
    assert json.loads(open(stale).read())["meta"]["model_config"]["dim"] == 16


def test_an_old_checkpoint_gets_its_sidecar_when_first_read_and_a_broken_one_is_read_once(tmp_path, sample, loads):
    path = save(tmp_path / "old", sample)
    os.remove(sidecar.sidecar_path(path))  # as written before sidecars
    assert checkpoint.read_meta(path).model_name == "target-soft" and len(loads) == 1
    assert os.path.exists(sidecar.sidecar_path(path))
    broken = tmp_path / "broken" / FILENAME
    broken.parent.mkdir()
    broken.write_bytes(b"not a checkpoint")
    for _ in range(3):
        with pytest.raises(checkpoint.CheckpointError, match="not a readable checkpoint"):
            checkpoint.read_meta(str(broken))
    assert loads.count(str(broken)) == 1


def test_opening_a_checkpoint_draws_no_random_numbers_and_scores_as_saved(tmp_path, sample):
    for arch in ("target", "self", "mean"):
        path = save(tmp_path / arch, sample, arch=arch)
        saved = build_model(ModelConfig(arch=arch, dim=8, max_len=20), sample.n_items, seed=0).eval()
        before = torch.random.get_rng_state()
        model, _ = load_model(path)
        assert torch.equal(torch.random.get_rng_state(), before), arch
        with torch.no_grad():
            assert torch.equal(model.score(SEQ), saved.score(SEQ)), arch


def test_an_imported_model_is_listed_from_its_sidecar_and_opens_as_imported(tmp_path, sample, loads):
    before = torch.random.get_rng_state()
    imported = import_model(str(IMPORTED), "sample", evaluate_it=False)
    assert torch.equal(torch.random.get_rng_state(), before)  # imports run in a session's thread
    loads.clear()  # the import itself reads the foreign file
    path = save_imported(imported, str(tmp_path / "imp"))
    entry = library.save_to_library(str(tmp_path / "imp"), imported.meta.model_name, "sample", lib=str(tmp_path / "lib"))
    meta = checkpoint.read_meta(entry.path)
    assert loads == [] and os.path.exists(sidecar.sidecar_path(path))
    assert meta.model_config.source.library == "RecBole" and meta.family.imported
    assert library.hard_partner(entry.path, {entry.path: meta}) is None
    loaded = open_model(entry.path, data=sample)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert loads == [entry.path]  # opened with one read of the checkpoint
    seq = SEQ[:, -imported.meta.max_len:]
    with torch.no_grad():
        assert torch.equal(loaded.model.score(seq), imported.model.score(seq))


def test_a_trained_model_comes_back_from_the_worker_as_its_file_holds_it(tmp_path, sample, loads):
    job = jobs.TrainingJob(sample, ModelConfig(arch="target", dim=8, max_len=20),
                           TrainConfig(epochs=1, eval_users=100, device="cpu"), "sample").start()
    try:
        job.join(WAIT * 3)
        assert job.state.status == "done", job.state.message
        handed = job.state.loaded
        assert handed is not None and handed.path == job.state.result.path and loads == []
        from_file, _ = load_model(handed.path, sample)
        with torch.no_grad():
            assert torch.equal(handed.model.score(SEQ), from_file.score(SEQ))
        assert handed.meta.ids.user_ids == [str(u) for u in sample.user_ids]
    finally:
        job.discard()
