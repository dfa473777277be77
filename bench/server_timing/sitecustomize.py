"""Server-side timing of Streamlit script runs, for the benchmarks (never part of the app).

Put this folder on the server's PYTHONPATH and set ATTENTION_LENS_SCRIPT_TIMES to a file: each script
run (a page render, or a fragment's rerun) appends one JSON line with its session, page, start time and
seconds, measured in the server around ScriptRunner._run_script. Those seconds are the server's alone:
they exclude the browser's layout and drawing and the websocket, which the browser-side timings include.
Other processes (the training worker) never import Streamlit, so nothing happens there.

A counterfactual for the browser profile: with ATTENTION_LENS_BENCH_MAPS=off the Explain page's attention
maps (charts keyed heat_*) become an empty block of the same height, so the profile shows what a user
switch costs the browser without them (bench_browser_profile.py --maps off).
"""
import importlib.abc
import json
import os
import sys
import threading
import time

_TARGET = "streamlit.runtime.scriptrunner.script_runner"
_CHARTS = "ui.charts"
_OUT = os.environ.get("ATTENTION_LENS_SCRIPT_TIMES")
_lock = threading.Lock()


def _page(runner) -> str:
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        ctx = get_script_run_ctx()
        info = runner._pages_manager.get_pages().get(ctx.page_script_hash, {}) if ctx else {}
        return info.get("url_pathname") or info.get("page_name") or "?"
    except Exception:  # noqa: BLE001  a timing aid must never break a run
        return "?"


def _patch(module):
    real = module.ScriptRunner._run_script

    def timed(self, rerun_data):
        start, t0 = time.time(), time.perf_counter()
        fragment = bool(rerun_data.fragment_id_queue)
        try:
            return real(self, rerun_data)
        finally:
            line = json.dumps({"session": self._session_id, "page": _page(self), "fragment": fragment,
                               "start": start, "seconds": time.perf_counter() - t0})
            with _lock, open(_OUT, "a") as f:
                f.write(line + "\n")
    module.ScriptRunner._run_script = timed


def _no_maps(module):
    real = module.show

    def show(fig, key, where=None, **kwargs):
        if not key.startswith("heat_"):
            return real(fig, key, where, **kwargs)
        return (where or module.st).html(f'<div style="height:{fig.layout.height or 400}px"></div>')
    module.show = show


class _Hook(importlib.abc.MetaPathFinder):
    """Patch a module right after it is first imported (the script runner; ui.charts for --maps off)."""

    def __init__(self, patches: dict):
        self.patches = patches

    def find_spec(self, name, path, target=None):
        patch = self.patches.pop(name, None)
        if patch is None:
            return None
        if not self.patches:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)  # the real one: this hook no longer answers for `name`
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            patch(module)
        spec.loader.exec_module = exec_module
        return spec


_PATCHES = {**({_TARGET: _patch} if _OUT else {}),
            **({_CHARTS: _no_maps} if os.environ.get("ATTENTION_LENS_BENCH_MAPS") == "off" else {})}
if _PATCHES:
    import importlib.util
    sys.meta_path.insert(0, _Hook(_PATCHES))
