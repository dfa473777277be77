"""The app makes no network request unless the user asks to download a dataset.

The server runs in a network namespace of its own that has only `lo` (`unshare --net`), and Chromium
joins that namespace (`nsenter --net`), so nothing but loopback can be reached by Python, native code
or the browser. A walk through every page (Data with its folder and upload panels, Train with its
model library, Explain with another user, Compare, Learn) must show no error, and no attempt to go
out may be made. Attempts are recorded three ways:
- the server's Python audit hook (a sitecustomize.py on PYTHONPATH) records, with a stack, and
  refuses every socket connect, sendto and name lookup for a non-loopback address;
- the server runs under `strace --seccomp-bpf -e trace=connect` (when strace is installed), which
  also sees native code's connections, DNS lookups included;
- Playwright records (and aborts) every request the page makes to another origin.
Chromium's own background lookups are not the app's and are not counted: they fail in the namespace.
Where network namespaces are unavailable (no root or user namespaces), the audit hook alone refuses
the server's attempts and the page's requests to other origins are aborted; under CI=true that fails.
"""
import asyncio
import ipaddress
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from app_server import (
    CHROMIUM,
    LAUNCH_ARGS,
    Visitor,
    app_server,
    netns_works,
    server_errors,
)
from conftest import IN_CI

SITECUSTOMIZE = r'''
"""Written by tests/test_offline.py: record and refuse every non-loopback network attempt of this process."""
import ipaddress, json, os, socket, sys, traceback

_RECORD = os.environ["ATTENTION_LENS_NET_RECORD"]
open(_RECORD + ".loaded", "w").write(str(os.getpid()))


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in (None, "", "localhost") or str(host).endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event, args):
    if not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or address is None or _loopback(address[0]):
            return
        target = address
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        if _loopback(args[0]):
            return
        target = args[0]
    else:
        return
    stack = "".join(traceback.format_stack(limit=8)[:-1])
    with open(_RECORD, "a") as f:
        f.write(json.dumps({"event": event, "target": repr(target), "stack": stack}) + "\n")
    if event.startswith("socket.get"):
        raise socket.gaierror(socket.EAI_NONAME, "network refused by tests/test_offline.py")
    raise OSError(101, "network refused by tests/test_offline.py")


sys.addaudithook(_hook)
'''


@pytest.fixture(scope="module")
def namespaced():
    ok = netns_works()
    if not ok and IN_CI:
        pytest.fail("unshare --net does not work here and CI=true: the offline check would be weaker.")
    return ok


def tracer(log: Path) -> list[str]:
    """A command prefix logging every connect() of a process tree (cheap: seccomp stops only there)."""
    return ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect", "-o", str(log)] if shutil.which("strace") else []


def outside_connects(strace_log: Path) -> list[str]:
    """connect() calls to a non-loopback IPv4/IPv6 address in an `strace -f -e trace=connect` log."""
    found = []
    for line in strace_log.read_text(errors="replace").splitlines() if strace_log.exists() else []:
        m = re.search(r'sa_family=AF_INET6?, .*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")', line)
        if m and not ipaddress.ip_address(m.group(1) or m.group(2)).is_loopback:
            found.append(line.split(" ", 1)[-1])
    return found


@pytest.fixture(scope="module")
def offline_server(tmp_path_factory, namespaced):
    root = tmp_path_factory.mktemp("offline")
    (root / "site").mkdir()
    (root / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    record = root / "net-attempts.jsonl"
    env = {"ATTENTION_LENS_MODELS": str(tmp_path_factory.mktemp("library")),
           "ATTENTION_LENS_DATA": str(tmp_path_factory.mktemp("data")),
           "ATTENTION_LENS_NET_RECORD": str(record),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "site"), os.environ.get("PYTHONPATH")]))}
    with app_server(env, root / "server.log", offline=namespaced, wrap=tracer(root / "connects.strace")) as srv:
        yield srv, record, root


def _browser_in(server, root) -> str:
    """Chromium as Playwright launches it, but inside the server's network namespace (when it has one)."""
    if server.netns is None:
        return CHROMIUM
    wrapper = root / "chromium-in-netns"
    wrapper.write_text(f'#!/bin/sh\nexec nsenter --net={server.netns} -- {CHROMIUM} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


async def walk_every_page(url: str, chromium: str, outside: list) -> Visitor:
    from playwright.async_api import async_playwright

    def local(u: str) -> bool:
        return u == url or u.startswith((url + "/", "data:", "blob:", "about:"))

    async def refuse(route):
        outside.append(route.request.url)
        await route.abort("internetdisconnected")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "walker", url, 60_000)
        v.context.on("request", lambda r: None if local(r.url) else outside.append(r.url))
        await v.context.route(lambda u: not local(u), refuse)
        await v.open("Data")
        await v.page.get_by_text("Data folder and MovieLens downloads").click()
        await v.page.get_by_text("ml-latest-small").first.wait_for()  # the offer to download, not a download
        await v.page.get_by_text("Upload your own data").click()
        await v.idle()
        await v.check("Data panels")
        await v.nav("Train")
        await v.page.get_by_role("tab", name="Models").click()
        await v.idle()
        await v.check("Train: Models")
        await v.nav("Explain")
        await v.choose_user("17")
        await v.nav("Compare")
        await v.nav("Learn")
        await v.page.wait_for_timeout(2000)  # let the server's background warm-up finish too
        await v.close()
        await browser.close()
    return v


def test_every_page_works_offline_and_nothing_tries_to_go_out(offline_server, chromium):
    server, record, root = offline_server
    assert (root / "net-attempts.jsonl.loaded").exists(), "the recording sitecustomize.py did not load"
    outside: list[str] = []
    v = asyncio.run(walk_every_page(server.url, _browser_in(server, root), outside))
    assert v.errors == [], "\n".join(v.errors)
    assert [w for w, _ in v.timings][:1] == ["Data"] and len(v.timings) >= 6  # every page rendered
    problems = []  # every kind of attempt is reported, not only the first one found
    attempts = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    problems += [f"server: {a['event']} {a['target']}\n{a['stack']}" for a in attempts]
    problems += [f"page: {n} request(s) to {u}" for u, n in sorted(Counter(outside).items())]
    problems += [f"server (native): {line}" for line in outside_connects(root / "connects.strace")]
    assert problems == [], "network attempts while walking the app offline:\n" + "\n".join(problems)
    assert server.proc.poll() is None and server_errors(server.log_text()) == []


def test_the_namespace_and_both_recorders_really_catch_an_outbound_connection(offline_server, tmp_path):
    """The walk above proves nothing if the namespace could reach out or a recorder missed it: one
    connection to a public address (TEST-NET-1), made beside the server the way it runs, must fail
    with ENETUNREACH and show in the audit record and the strace log."""
    server, _, root = offline_server
    if server.netns is None:
        pytest.skip("no network namespace here; the audit hook refuses instead")
    probe = ("import socket\ntry:\n socket.create_connection(('192.0.2.1', 80), timeout=3)\nexcept OSError as e:\n"
             " print(e.errno)\nelse:\n print('connected')")
    record, trace = tmp_path / "attempts.jsonl", tmp_path / "connects.strace"
    env = {**os.environ, "PYTHONPATH": str(root / "site"), "ATTENTION_LENS_NET_RECORD": str(record)}
    cmd = [*tracer(trace), sys.executable, "-c", probe]
    got = subprocess.run(server.in_netns(cmd), check=False, capture_output=True, text=True, timeout=30, env=env)
    assert got.stdout.strip() not in ("connected", ""), got  # the hook refuses the lookup already
    assert "192.0.2.1" in record.read_text()
    if shutil.which("strace"):
        # The hook refused before the kernel saw it, so strace sees it only without the hook:
        env.pop("PYTHONPATH")
        got = subprocess.run(server.in_netns(cmd), check=False, capture_output=True, text=True, timeout=30, env=env)
        assert got.stdout.strip() == "101", got  # the namespace itself: no route but loopback
        assert any("192.0.2.1" in line for line in outside_connects(trace)), trace.read_text()
