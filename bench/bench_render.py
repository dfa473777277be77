"""Explain page server time for long histories: rendering the page for a user with 200 visible items
(target <= 1 s) and switching to another such user (target <= 0.5 s), medians of 5, per model family.

    python bench/bench_render.py [--repeats 5] [--model PATH ...]

"Server time" is Streamlit's AppTest running the page script (every widget, table and figure built
and serialised, as the server does for a browser), without the network and the browser's drawing.
  open_s     the first run: model, dataset, interesting users and the first explanation computed
  render_s   a rerun for the same user (caches warm): the page's own cost at 200 items
  switch_s   typing another 200-item user's id: a new explanation (removal test included) and the page
  explain_s  of switch_s, the core's explain_user alone for the same users (no page)
Models: untrained checkpoints on ml-100k with max_len 200 unless --model names trained ones (the cost
does not depend on what a model learned). Writes bench/results/render.json.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, SHARED, median, table, write_json

ARCHS = {"target-soft": dict(arch="target", attention="soft"), "self-soft": dict(arch="self", attention="soft")}
MAX_LEN = 200


def untrained(root: Path, data, spec: str) -> dict[str, str]:
    import torch

    from recsys_core.models import build_model
    from recsys_core.models.config import ModelConfig
    from recsys_core.store.checkpoint import make_meta, save_checkpoint
    from recsys_core.training.batching import item_counts
    torch.manual_seed(0)
    paths = {}
    for name, kw in ARCHS.items():
        cfg = ModelConfig(max_len=MAX_LEN, **kw)
        model = build_model(cfg, data.n_items)
        model.fit_statistics(item_counts(data))
        paths[name] = str(root / f"bench-{name}" / "model.pt")
        save_checkpoint(paths[name], model.eval(), make_meta(model, data, cfg, dataset_spec=spec))
    return paths


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def one_model(path: str, spec: str, users: list[str], repeats: int) -> dict:
    from streamlit.testing.v1 import AppTest

    from recsys_core.explain.user import explain_user
    from recsys_core.store.opened import open_model
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    for k, v in dict(dataset_spec=spec, model_path=path, hard_model_path="", user_id=users[0]).items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/explain.py")
    open_s = timed(at.run)
    assert not at.exception, at.exception
    visible = len(at.dataframe[0].value)
    render = [timed(at.run) for _ in range(repeats)]
    switch = []
    for u in users[1:repeats + 1]:
        box = at.text_input(key="_explain_user").set_value(u)
        switch.append(timed(box.run))
        assert not at.exception and at.session_state["user_id"] == u, at.exception
    loaded = open_model(path, spec)
    explain = [timed(lambda u=u: explain_user(loaded, u, 10)) for u in users[1:repeats + 1]]
    return {"model": loaded.meta.model_name, "visible_items": visible, "open_s": round(open_s, 3),
            "render_s": round(median(render), 3), "switch_s": round(median(switch), 3),
            "explain_s": round(median(explain), 3), "render_runs": render, "switch_runs": switch,
            "render_met": median(render) <= 1.0, "switch_met": median(switch) <= 0.5}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--model", action="append", default=[], help="a trained checkpoint on ml-100k (repeatable)")
    args = ap.parse_args()
    ml = SHARED / "ml-100k"
    if not ml.is_dir():
        print(f"ml-100k is not at {ml}: nothing to measure.")
        return 1
    from recsys_core.data.preprocess import prepare
    from recsys_core.data.registry import load_dataset
    spec = str(ml)
    data = prepare(load_dataset(spec))
    lens = data.lengths()
    users = [str(data.user_ids[u]) for u in range(data.n_users) if lens[u] >= MAX_LEN][: args.repeats + 1]
    root = Path(tempfile.mkdtemp(prefix="bench-render-"))
    os.environ["ATTENTION_LENS_MODELS"] = str(root)
    paths = args.model or list(untrained(root, data, spec).values())
    if args.model:
        from recsys_core.store.checkpoint import read_checkpoint
        spec = read_checkpoint(args.model[0])[0].dataset.spec
    rows = [one_model(p, spec, users, args.repeats) for p in paths]
    print("Explain page server time (AppTest page runs, no browser), medians of", args.repeats)
    table(rows, ["model", "visible_items", "open_s", "render_s", "switch_s", "explain_s", "render_met",
                 "switch_met"])
    write_json("render", {"timing": "server time: AppTest runs of pages/explain.py, no network or browser",
                          "targets": {"render_s": 1.0, "switch_s": 0.5}, "users": users, "models": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
