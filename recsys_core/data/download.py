"""Fetch a MovieLens zip from GroupLens (https://grouplens.org/datasets/movielens/) into the data directory.

Runs only when called: nothing here touches the network at import. The zip goes to a temp file, is
checked (a zip, holding the expected ratings file), extracted into a temp folder beside the target
and then renamed into place, so a failed or interrupted download never destroys a good copy.
Standard library only (urllib), so a mirror or a local file works the same way through `url`.
"""
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import DataError, UserError
from .archive import check_zip
from .registry import data_dir as default_data_dir

BASE = "https://files.grouplens.org/datasets/movielens/"
EXPECTED = {"ml-100k": "u.data", "ml-1m": "ratings.dat", "ml-latest-small": "ratings.csv"}  # proves the right zip
CHUNK = 1 << 20


def download(name: str, data_dir: str | None = None, url: str | None = None,
             progress: Callable[[str], None] | None = None, timeout: float = 60) -> str:
    """Download and unpack `name` into data_dir/<name>/; returns that folder. `url` may be a mirror or a local zip."""
    if name not in EXPECTED:
        raise UserError(f"{name}: not a downloadable dataset. Fix: use one of {', '.join(EXPECTED)}.")
    say = progress or (lambda msg: None)
    root = default_data_dir(data_dir)
    target = os.path.join(root, name)
    if url and os.path.exists(url):
        url = Path(url).resolve().as_uri()
    url = url or f"{BASE}{name}.zip"
    try:
        os.makedirs(root, exist_ok=True)
        part = tempfile.NamedTemporaryFile(dir=root, prefix=f".{name}.", suffix=".zip.tmp", delete=False)
    except OSError as e:
        raise UserError(f"{root}: cannot write the data directory ({e.strerror or e}). "
                        "Fix: pass --data-dir (or set ATTENTION_LENS_DATA) to a writable folder.") from None
    staging = None
    try:
        with part:
            _fetch(url, part, name, say, timeout)
        say(f"{name}: checking the zip")
        staging = tempfile.mkdtemp(dir=root, prefix=f".{name}.")
        unpacked = _extract(part.name, staging, name, url)
        _swap_in(unpacked, target)
    except OSError as e:
        raise UserError(f"{target}: cannot write the dataset ({e.strerror or e}). "
                        "Fix: free some disk space, or pass --data-dir to another folder.") from None
    finally:
        os.unlink(part.name)
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    say(f"{name}: ready in {target}")
    return target


def _fetch(url: str, out, name: str, say: Callable[[str], None], timeout: float):
    """Stream url into the open file `out`, reporting whole percentages when the size is known."""
    fix = f"check the internet connection, or download {name}.zip by hand and pass --url PATH_TO_ZIP."
    request = urllib.request.Request(url, headers={"User-Agent": "attention-lens"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, -10
            say(f"{name}: downloading {url}")
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                pct = 100 * done // total if total else None
                if pct is None:
                    say(f"{name}: {done / 1e6:.1f} MB")
                elif pct >= shown + 10 or done >= total:  # about ten lines, however the chunks fall
                    say(f"{name}: {pct}% of {total / 1e6:.1f} MB")
                    shown = pct
            if total and done < total:
                raise UserError(f"{url}: the download stopped at {done:,} of {total:,} bytes. Fix: try again; {fix}")
    except urllib.error.HTTPError as e:
        raise UserError(f"{url}: the server answered HTTP {e.code} {e.reason}. "
                        f"Fix: check the URL, or pass --url with a mirror of {name}.zip.") from None
    except urllib.error.URLError as e:
        raise UserError(f"{url}: cannot download ({e.reason}). Fix: {fix}") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as e:
        raise UserError(f"{url}: cannot download ({e or type(e).__name__}). Fix: {fix}") from None
    except ValueError as e:  # urllib's answer to a malformed URL
        raise UserError(f"{url}: not a usable URL ({e}). Fix: pass --url with an http(s) URL or a path to the zip.") from None


def _extract(zip_path: str, staging: str, name: str, url: str) -> str:
    """Unpack into staging; the folder that holds the expected file (zips usually wrap it in <name>/)."""
    want = EXPECTED[name]
    try:
        with zipfile.ZipFile(zip_path) as z:
            check_zip(z, url, f"use the {name}.zip from GroupLens; this one was not made by them.")
            members = [m for m in z.namelist() if os.path.basename(m) == want]
            if not members:
                raise DataError(f"{url}: the zip holds no {want}, so it is not {name}. "
                                f"Fix: pass --url with the {name}.zip from GroupLens or a mirror of it.")
            z.extractall(staging)  # extractall drops absolute paths and '..', so nothing lands outside staging
    except zipfile.BadZipFile:
        raise DataError(f"{url}: the download is not a zip file. "
                        f"Fix: check the URL points at {name}.zip (not a web page), or pass --url with a mirror.") from None
    return os.path.normpath(os.path.join(staging, os.path.dirname(min(members, key=len))))


def _swap_in(new: str, target: str):
    """Replace target with new by renames: the old copy is moved aside first and put back on failure."""
    old = None
    if os.path.exists(target):
        old = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.old.")
        old = os.path.join(old, "copy")
        os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        if old:
            os.rename(old, target)
        raise
    if old:
        shutil.rmtree(os.path.dirname(old), ignore_errors=True)
