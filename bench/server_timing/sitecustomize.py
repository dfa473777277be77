"""Server-side timing of Streamlit script runs, for the benchmarks (never part of the app).

Put this folder on the server's PYTHONPATH and set ATTENTION_LENS_SCRIPT_TIMES to a file: each script
run (a page render, or a fragment's rerun) appends one JSON line with its session, page, start time and
seconds, measured in the server around ScriptRunner._run_script. Those seconds are the server's alone:
they exclude the browser's layout and drawing and the websocket, which the browser-side timings include.
Other processes (the training worker) never import Streamlit, so nothing happens there.
"""
import importlib.abc
import json
import os
import sys
import threading
import time

_TARGET = "streamlit.runtime.scriptrunner.script_runner"
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


class _Hook(importlib.abc.MetaPathFinder):
    """Patch the script runner right after Streamlit imports it."""

    def find_spec(self, name, path, target=None):
        if name != _TARGET:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            _patch(module)
        spec.loader.exec_module = exec_module
        return spec


if _OUT:
    import importlib.util
    sys.meta_path.insert(0, _Hook())
