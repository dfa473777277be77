"""Downloads against a local HTTP server: a good zip lands as a loadable folder; a bad answer keeps the old copy."""
import http.server
import io
import threading
import zipfile
from contextlib import contextmanager

import pytest

from recsys_core.data.download import download
from recsys_core.data.loaders import load_path
from recsys_core.errors import UserError

U_DATA = "1\t10\t5\t100\n1\t20\t3\t200\n2\t10\t4\t150\n"
U_ITEM = "10|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n20|Heat (1995)|01-Jan-1995||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n"


def fake_ml100k_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ml-100k/u.data", U_DATA)
        z.writestr("ml-100k/u.item", U_ITEM.encode("latin-1"))
    return buf.getvalue()


@contextmanager
def serve(status: int, body: bytes):
    """A server on 127.0.0.1 answering every GET with (status, body); yields its base URL."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ml-100k.zip"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # A proxy set for the package registries must not intercept the local server.
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def test_download_unpacks_a_loadable_folder(tmp_path):
    messages = []
    with serve(200, fake_ml100k_zip()) as url:
        path = download("ml-100k", str(tmp_path), url=url, progress=messages.append, timeout=10)
    assert path == str(tmp_path / "ml-100k")
    ds = load_path(path)
    assert ds.fmt == "movielens-100k" and len(ds.interactions) == 3
    assert ds.titles()["10"] == "Toy Story (1995)"
    assert any("100%" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-100k"]  # no temp files left behind


def test_download_replaces_an_existing_copy(tmp_path):
    old = tmp_path / "ml-100k"
    old.mkdir()
    (old / "u.data").write_text("9\t9\t1\t1\n")
    with serve(200, fake_ml100k_zip()) as url:
        download("ml-100k", str(tmp_path), url=url, timeout=10)
    assert (old / "u.data").read_text() == U_DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-100k"]


@pytest.mark.parametrize("status, body, problem", [
    (200, b"<html>a login page</html>", "not a zip file"),
    (404, b"not found", "HTTP 404"),
])
def test_a_failed_download_keeps_the_existing_copy(tmp_path, status, body, problem):
    old = tmp_path / "ml-100k"
    old.mkdir()
    (old / "u.data").write_text(U_DATA)
    with serve(status, body) as url:
        with pytest.raises(UserError) as info:
            download("ml-100k", str(tmp_path), url=url, timeout=10)
    msg = str(info.value)
    assert problem in msg and "Fix:" in msg and "\n" not in msg, msg
    assert (old / "u.data").read_text() == U_DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-100k"]


def test_a_zip_of_another_dataset_is_refused(tmp_path):
    zip_path = tmp_path / "other.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n")
    with pytest.raises(UserError, match="holds no u.data"):
        download("ml-100k", str(tmp_path / "data"), url=str(zip_path))  # a local path works as a mirror
    assert not (tmp_path / "data" / "ml-100k").exists()


def test_unreachable_server_is_one_line(tmp_path):
    with pytest.raises(UserError) as info:
        download("ml-100k", str(tmp_path), url="http://127.0.0.1:9/ml-100k.zip", timeout=5)
    assert "cannot download" in str(info.value) and "Fix:" in str(info.value)
