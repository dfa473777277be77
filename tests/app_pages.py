"""Shared helpers for the pages' AppTest tests: a library of small untrained models of every family on
the embedded data (the `library` fixture in conftest.py uses it), opening a page, and reading what it shows."""
import json
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import make_meta, save_checkpoint
from recsys_core.training.batching import item_counts

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FAKE_METRICS = {p: {"ndcg@10": v, "hr@10": 2 * v, "mrr@10": v / 2} for p, v in (("full", 0.05), ("sampled", 0.2))}
ARCHS = {"target-soft": dict(arch="target", attention="soft"), "target-hard": dict(arch="target", attention="hard"),
         "self-soft": dict(arch="self", attention="soft", heads=2), "popular": dict(arch="popular"),
         "mean": dict(arch="mean")}


def make_library(root: Path) -> dict[str, str]:
    """Small untrained models of every family on the embedded data, saved as library entries."""
    torch.manual_seed(0)
    data = prepare(load_dataset("sample"))
    paths = {}
    for i, (name, kw) in enumerate(ARCHS.items()):
        cfg = ModelConfig(dim=16, max_len=20, layers=1, **kw)
        model = build_model(cfg, data.n_items)
        model.fit_statistics(item_counts(data))
        meta = make_meta(model, data, cfg, metrics=FAKE_METRICS, dataset_spec="sample")
        meta.created = f"2026-01-01T00:00:0{i}Z"
        paths[name] = str(root / f"test-{name}" / "model.pt")
        save_checkpoint(paths[name], model.eval(), meta)
    return paths


def open_page(page: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at) -> dict[str, dict]:
    """Plotly charts by their widget key (the element id ends with it)."""
    out = {}
    for el in at.get("plotly_chart"):
        key = next((k for k in ("heat_soft", "heat_hard_trained", "heat_hard", "why_bars", "heat_whynot",
                                "whynot_bars", "layers_last_rows", "layers_full_map") if el.proto.id.endswith(k)),
                   el.proto.id)
        out[key] = json.loads(el.proto.spec)
    return out


def hard_map_control(at):
    """The control that picks which hard map shows (the hard-trained partner's or the model's own), or None."""
    return next((w for w in at.segmented_control if (w.key or "").startswith("_hard_map_")), None)


def every_map(at) -> dict[str, dict]:
    """charts(at), plus the hard map the page does not show: it shows one at a time, and this picks the
    other in the control (a real user's click) and reads that map too."""
    specs = charts(at)
    control = hard_map_control(at)
    if control is not None:
        other = next(o for o in ("heat_hard_trained", "heat_hard") if o != control.value)
        control.set_value(other).run()
        assert not at.exception, at.exception
        specs.update(charts(at))
    return specs


def history_titles(at) -> list[str]:
    return next(d.value for d in at.dataframe if "Title" in d.value.columns)["Title"].tolist()


def said(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.success, *at.warning, *at.info])
