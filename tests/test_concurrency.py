"""One server, four browser sessions at once (Playwright contexts against `streamlit run` on 127.0.0.1):
two train on the embedded data while two explore. Nothing may crash or show an error; one session's
upload, chosen user and running job never show in another (only a model saved to the library is
shared); the second trainer is told it waits in the queue. Also: the server rejects an upload that
lacks the XSRF token. The bigger run with timings and memory is bench/bench_concurrency.py."""
import asyncio
import dataclasses
import urllib.error
import urllib.request

import pytest
from app_server import Plan, app_server, concurrency, server_errors

# Sized for under a minute on two otherwise idle cores (about 70 s when they are busy with other work);
# the timeouts only bound a stuck run.
PLAN = Plan(trainers=2, explorers=2, rounds=0, first_time_limit=4, time_limit=2, timeout_ms=45_000,
            scenario_timeout=110)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The server's own empty model library: what this module saves never reaches the user's."""
    return tmp_path_factory.mktemp("library")


@pytest.fixture(scope="module")
def server(tmp_path_factory, library):
    env = {"ATTENTION_LENS_MODELS": str(library), "ATTENTION_LENS_DATA": str(tmp_path_factory.mktemp("data"))}
    with app_server(env, tmp_path_factory.mktemp("log") / "server.log") as srv:
        yield srv


def test_sessions_at_once_stay_apart_and_training_waits_its_turn(server, library, chromium, tmp_path):
    plan = dataclasses.replace(PLAN, library=library)
    out = asyncio.run(concurrency(server.url, str(chromium), plan, tmp_path))
    assert out.errors == [], "\n".join(out.errors)
    assert out.leaks == [], "\n".join(out.leaks)
    assert out.queued_message_seen, f"the second trainer saw no queue message: {out.queue_messages}"
    assert "1 job ahead of yours" in out.queue_messages[1]
    assert sorted(out.trained) == [0, 1], f"not every training finished: {out.trained}"
    assert out.shared_model_seen  # the saved model reached the other session
    assert server.proc.poll() is None, "the server died"
    assert server_errors(server.log_text()) == []


def _put(url: str, headers: dict) -> int:
    body = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            b"Content-Type: text/csv\r\n\r\nuser,item\n1,2\n\r\n--x--\r\n")
    req = urllib.request.Request(url, data=body, method="PUT",
                                 headers={"Content-Type": "multipart/form-data; boundary=x", **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_an_upload_without_the_xsrf_token_is_rejected(server):
    with urllib.request.urlopen(server.url + "/_stcore/health", timeout=10) as r:
        cookie = r.headers["Set-Cookie"].split(";")[0]  # _streamlit_xsrf=2|mask|token|time
    assert cookie.startswith("_streamlit_xsrf="), "XSRF protection is off: the server sets no XSRF cookie"
    token = cookie.split("=", 1)[1]
    endpoint = server.url + "/_stcore/upload_file/no-such-session/file-1"
    assert _put(endpoint, {}) == 403  # no cookie, no token
    assert _put(endpoint, {"Cookie": cookie}) == 403  # a cookie alone is what a forged cross-site request has
    forged = "2|00000000|" + "0" * 32 + "|" + token.rsplit("|", 1)[1]
    assert _put(endpoint, {"Cookie": cookie, "X-Xsrftoken": forged}) == 403
    # With the matching token the request gets past the XSRF check, to the (unknown) session check:
    # so the 403s above are the XSRF protection, not some other refusal.
    assert _put(endpoint, {"Cookie": cookie, "X-Xsrftoken": token}) == 400
