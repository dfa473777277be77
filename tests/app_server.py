"""A real `streamlit run app.py` for tests and benchmarks, and browser visitors to drive it.

`app_server()` starts the app on a free loopback port (optionally inside a network namespace that has
only `lo`, so nothing but loopback can be reached) and reads its memory from /proc. A `Visitor` is one
Playwright browser context, so one Streamlit session: it walks pages through the sidebar (a page load
would start a new session), times every render, and collects exception boxes, error alerts and page
errors. `concurrency()` is the many-visitors scenario shared by tests/test_concurrency.py and
bench/bench_concurrency.py: some visitors train, the others explore, and one session's upload,
selection and running job must never show in another's (only saved models are shared).

Debian's Chromium (/usr/bin/chromium) with Playwright's async API: one event loop drives every context.
"""
import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
QUEUED = "ahead of yours"  # what ui/train_view.py shows a job waiting for the trainer
TRAINED = re.compile(r"[Tt]rained for [\d.,]+ s.*best epoch")  # the results' success line (not "Trained in … Evaluating")
PAGES = {  # sidebar title -> (path, text near the end of the page: there once the page has rendered)
    "Data": ("", "a model on this dataset"),  # "Next: train …" or, on the embedded shop, "Or train …"
    "Train": ("train", "Start training"),
    "Explain": ("explain", "Why not"),
    "Compare": ("compare", "Soft attention of each model's own top recommendations"),
    "Patterns": ("patterns", "Take it with you"),
    "Learn": ("learn", "The formulas"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the server ----------------------------------------------------------------------------------

def netns_works() -> bool:
    """Whether this machine lets us run a process in a fresh network namespace (needs root or userns)."""
    try:
        return subprocess.run(["unshare", "--net", "--", "ip", "link", "set", "lo", "up"],
                              check=False, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path
    netns: str | None  # /proc/PID/ns/net when the server has a network namespace of its own

    def vm_kb(self, field_name: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        return 0

    def peak_rss_mb(self) -> float:
        """The process's resident-memory high-water mark (VmHWM): a peak no sampling can miss."""
        return self.vm_kb("VmHWM") / 1024

    def rss_mb(self) -> float:
        return self.vm_kb("VmRSS") / 1024

    def children(self) -> list[int]:
        """The server's child processes now (the training worker, when one runs)."""
        return _children(self.proc.pid)

    def in_netns(self, cmd: list[str]) -> list[str]:
        """cmd run in the server's network namespace (unchanged when it shares ours)."""
        return ["nsenter", f"--net={self.netns}", "--", *cmd] if self.netns else cmd

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _healthy(server: Server) -> bool:
    url = server.url + "/_stcore/health"
    if server.netns is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            return False
    probe = [sys.executable, "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)", url]
    return subprocess.run(server.in_netns(probe), check=False, capture_output=True, timeout=20).returncode == 0


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def _stop(proc: subprocess.Popen, wrapped: bool):
    """SIGTERM the server: the process we started, or its child when that is a wrapper (a tracer
    that would only detach)."""
    targets = (_children(proc.pid) if wrapped else []) or [proc.pid]
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def app_server(env: dict, log: Path, *, offline: bool = False, wrap: tuple | list = (), start_timeout: float = 90):
    """`streamlit run app.py` on a free loopback port with `env` added to ours; yields a Server.

    offline: inside a new network namespace with only `lo` up, so any non-loopback connection fails
    (ENETUNREACH) for Python and native code alike; `Server.in_netns` runs other programs (the browser)
    beside it. wrap: a command the server runs under (e.g. a tracer), inside that namespace."""
    port = free_port()
    cmd = [*wrap, sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]
    if offline:  # unshare without --fork execs in place: the PID is the server's, and so is /proc/PID/ns/net
        cmd = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log, f"/proc/{proc.pid}/ns/net" if offline else None)
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(server):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit {proc.poll()}):\n{server.log_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        _stop(proc, wrapped=bool(wrap))


# --- one browser session -------------------------------------------------------------------------

# No running indicator and no element left over from the previous run (Streamlit marks those stale).
IDLE_JS = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') "
           "&& !document.querySelector('[data-stale=\"true\"]')")


class Visitor:
    """One browser context = one Streamlit session; moves between pages through the sidebar."""

    def __init__(self, name: str, context, page, url: str, timeout_ms: int):
        self.name, self.context, self.page, self.url, self.timeout = name, context, page, url, timeout_ms
        self.errors: list[str] = []
        self.timings: list[tuple[str, float]] = []  # (what, seconds from action to a settled page)
        self.step = "starting"  # what it is doing now, for a report when the run is cut short
        page.on("pageerror", lambda e: self.errors.append(f"{name}: page error: {e}"))

    @classmethod
    async def new(cls, browser, name: str, url: str, timeout_ms: int = 60_000) -> "Visitor":
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(timeout_ms)
        return cls(name, context, await context.new_page(), url, timeout_ms)

    async def idle(self):
        """The script run has finished (no running indicator), and still has a moment later."""
        for _ in range(2):
            await self.page.wait_for_function(IDLE_JS, timeout=self.timeout)
            await self.page.wait_for_timeout(250)

    async def check(self, where: str):
        """Count Streamlit exception boxes and error alerts now on the page as errors."""
        for sel, kind in (('[data-testid="stException"]', "exception box"),
                          ('[data-testid="stAlertContentError"]', "error alert")):
            for box in await self.page.locator(sel).all():
                text = (await box.inner_text()).strip().splitlines()
                self.errors.append(f"{self.name}: {kind} on {where}: {' / '.join(text[:3])}")

    async def _rendered(self, what: str, title: str, expect, started: float):
        await self.page.locator("h1", has_text=title).first.wait_for(timeout=self.timeout)
        # Visible: the same words may also sit in a collapsed expander, which is there before the page is.
        await self.page.get_by_text(expect).filter(visible=True).first.wait_for(timeout=self.timeout)
        await self.page.wait_for_function(IDLE_JS, timeout=self.timeout)
        self.timings.append((what, time.perf_counter() - started))
        await self.idle()
        await self.check(what)

    async def open(self, title: str, query: str = ""):
        """Load a page by URL: this starts the session (a later load would start another)."""
        path, expect = PAGES[title]
        self.step = f"opening {title}"
        t = time.perf_counter()
        await self.page.goto(f"{self.url}/{path}{query}")
        await self._rendered(title, title, expect, t)

    async def nav(self, title: str, expect=None):
        """Switch page through the sidebar, inside the same session."""
        path, default = PAGES[title]
        link = self.page.locator(f'[data-testid="stSidebarNav"] a[href="{self.url}/{path}"]')
        self.step = f"going to {title}"
        t = time.perf_counter()
        await link.click()
        await self.page.wait_for_url(re.compile(rf"^{re.escape(self.url)}/{path}(\?.*)?$"), timeout=self.timeout)
        await self._rendered(title, title, expect or default, t)

    async def body(self) -> str:
        return await self.page.inner_text("body")

    def user_box(self):
        return self.page.get_by_role("textbox", name="User id", exact=True)

    async def choose_user(self, user: str):
        self.step = f"choosing user {user}"
        box = self.user_box()
        await box.fill(user)
        t = time.perf_counter()
        await box.press("Enter")
        await self.page.get_by_text(f"User {user}:", exact=False).first.wait_for(timeout=self.timeout)
        await self.page.wait_for_function(IDLE_JS, timeout=self.timeout)
        self.timings.append((f"Explain user {user}", time.perf_counter() - t))
        await self.idle()
        await self.check(f"Explain user {user}")

    async def options(self, key: str) -> list[str]:
        """The entries of the selectbox with widget key `key` (opened, read, closed)."""
        await self.page.locator(f'.st-key-{key} [role="combobox"]').click()
        await self.page.locator('[role="option"]').first.wait_for(timeout=self.timeout)
        texts = [t.strip() for t in await self.page.locator('[role="option"]').all_inner_texts()]
        await self.page.keyboard.press("Escape")
        await self.page.locator('[role="option"]').first.wait_for(state="detached", timeout=self.timeout)
        return texts

    async def set_number(self, label: str, value: int):
        box = self.page.get_by_role("spinbutton", name=label, exact=True)
        await box.fill(str(value))
        await box.press("Enter")
        await self.idle()

    async def upload(self, path: Path):
        """Data page: upload a CSV, accept the guessed column mapping, wait until it is the dataset."""
        self.step = f"uploading {path.name}"
        await self.page.get_by_text("Upload your own data").click()
        await self.page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))  # the ratings file, not the catalogue
        use = self.page.get_by_role("button", name="Use this file")
        await use.wait_for(timeout=self.timeout)
        await self.idle()
        await use.click()
        await self.page.get_by_text(f"Using {path.name}").wait_for(timeout=self.timeout)
        await self.idle()
        await self.check("Data upload")

    async def close(self):
        await self.context.close()


# --- many sessions at once -----------------------------------------------------------------------

@dataclass
class Plan:
    trainers: int = 3
    explorers: int = 5  # at least 2: the first uploads and picks a user, the second looks for leaks
    rounds: int = 2  # explore loops (Explain a user, Compare, Learn) per explorer
    first_time_limit: int = 8  # s: long enough for the other trainers to queue behind it
    time_limit: int = 3  # s, every later training
    timeout_ms: int = 120_000  # one page render or wait; a stuck step fails, it never hangs the run
    scenario_timeout: float = 600  # s, the whole run
    library: Path | None = None  # the server's model library ($ATTENTION_LENS_MODELS), to count saved models


@dataclass
class Outcome:
    sessions: int = 0
    errors: list = field(default_factory=list)
    leaks: list = field(default_factory=list)
    queue_messages: dict = field(default_factory=dict)  # trainer -> the queue message it saw, or None
    trained: dict = field(default_factory=dict)  # trainer -> its results line
    shared_model_seen: bool = False
    timings: list = field(default_factory=list)  # (session, what, seconds)
    duration_s: float = 0.0

    @property
    def queued_message_seen(self) -> bool:
        later = [m for t, m in sorted(self.queue_messages.items())][1:]
        return bool(later) and all(later)

    @property
    def slowest(self) -> tuple:
        return max(self.timings, key=lambda t: t[2], default=(None, None, float("nan")))


def _upload_csv(folder: Path, token: str) -> Path:
    """A small interaction table no other session knows about."""
    path = folder / f"isolation-{token}.csv"
    path.write_text("user,item,time\n" + "".join(f"u{u},i{(u * k) % 7},{1000 + k}\n"
                                                 for u in range(1, 6) for k in range(6)))
    return path


async def concurrency(url: str, chromium: str, plan: Plan, workdir: Path) -> Outcome:
    """Run plan.trainers + plan.explorers sessions at once against the app at `url`."""
    from playwright.async_api import TimeoutError as PageTimeout
    from playwright.async_api import async_playwright
    assert plan.explorers >= 2 and plan.trainers >= 1
    out = Outcome(sessions=plan.trainers + plan.explorers)
    token = f"{os.getpid()}-{int(time.time())}"
    label = f"shared-{token}"  # the first trainer saves its model under this label
    upload = _upload_csv(workdir, token)
    job_running, a_done, saved = asyncio.Event(), asyncio.Event(), asyncio.Event()
    picked = {}  # what the uploading session chose: user id
    wait_s = plan.timeout_ms / 1000

    def leak(msg):
        out.leaks.append(msg)

    async def trainer(v: Visitor, i: int):
        await v.open("Train")
        await v.page.get_by_text("Training", exact=True).click()
        await v.set_number("Time limit (s)", plan.first_time_limit if i == 0 else plan.time_limit)
        if i > 0:
            v.step = "waiting for the first job to run"
            await asyncio.wait_for(job_running.wait(), wait_s)
        v.step = "starting its training"
        await v.page.locator(".st-key-train_start button").click()
        if i == 0:
            try:
                await v.page.get_by_text(re.compile(r"Epoch \d+ of at most|Starting…")).first.wait_for()
            except PageTimeout:
                busy = await v.page.locator('[data-testid="stStatusWidget"]').count()
                raise RuntimeError("Start training did not start a job; the script run is "
                                   + ("still running (blocked?)" if busy else "finished")) from None
            job_running.set()
            out.queue_messages[i] = None
            await v.nav("Learn")  # training goes on while its owner looks elsewhere
            await v.nav("Train", expect=re.compile(r"Epoch \d+ of at most|Evaluating|Trained for"))
        else:
            try:
                msg = v.page.get_by_text(QUEUED).first
                await msg.wait_for(timeout=plan.timeout_ms)
                out.queue_messages[i] = (await msg.inner_text()).strip()
            except PageTimeout:  # reported as "not seen"
                out.queue_messages[i] = None
        v.step = "waiting for its results"
        done = v.page.get_by_text(TRAINED).first
        await done.wait_for(timeout=plan.timeout_ms * 2)  # its own run, after the ones ahead of it
        out.trained[i] = (await done.inner_text()).strip()
        await v.idle()
        await v.check("Train results")
        if i == 0:
            v.step = "saving its model"
            await v.page.get_by_role("textbox", name="Label (optional)").fill(label)
            await v.page.locator(".st-key-train_save button").click()
            await v.page.get_by_text("Saved to the library").first.wait_for()
            await v.idle()
            await v.check("Train save")
            saved.set()

    async def uploader(v: Visitor):
        """Session A: picks a user nobody else has, uploads a file, and tells B to look for them."""
        await v.open("Explain")
        default = await v.user_box().input_value()
        picked["user"] = "1234" if default != "1234" else "1235"
        await v.choose_user(picked["user"])
        await v.nav("Data")
        await v.upload(upload)
        if not any(upload.name in o for o in await v.options("data_pick")):
            v.errors.append(f"{v.name}: its own upload is missing from its dataset menu")
        a_done.set()
        for _ in range(plan.rounds):
            await v.nav("Learn")
            await v.nav("Data", expect=upload.stem)  # the dataset menu names it without ".csv"

    async def observer(v: Visitor):
        """Session B: must not see A's upload or user, nor anyone's running job; sees saved models."""
        await v.open("Data")
        v.step = "waiting for a job to run"
        await asyncio.wait_for(job_running.wait(), wait_s)
        await v.nav("Train")
        body = await v.body()
        if QUEUED in body or re.search(r"Epoch \d+ of at most|Trained in|Trained for", body) \
                or await v.page.locator(".st-key-train_cancel").count():
            leak(f"{v.name}: its Train page shows another session's job")
        if "press Start training" not in body:
            leak(f"{v.name}: its Train page does not show the empty-session prompt")
        if await v.page.locator(".st-key-train_start button").is_disabled():
            leak(f"{v.name}: Start training is disabled although this session runs nothing")
        v.step = "waiting for session A"
        await asyncio.wait_for(a_done.wait(), wait_s)
        await v.nav("Data")
        if any(upload.stem in o for o in await v.options("data_pick")) or upload.stem in await v.body():
            leak(f"{v.name}: another session's upload {upload.name} is offered in its dataset menu")
        await v.nav("Explain")
        mine = await v.user_box().input_value()
        if "user" not in picked:
            raise RuntimeError("session A picked no user")
        if mine == picked["user"] or f"User {picked['user']}:" in await v.body():
            leak(f"{v.name}: shows user {picked['user']}, picked by another session")
        if f"user={picked['user']}" in v.page.url:
            leak(f"{v.name}: its address carries another session's user")
        await explore(v, 1, plan.rounds)
        v.step = "waiting for a saved model"
        await asyncio.wait_for(saved.wait(), wait_s * 3)
        await v.nav("Explain")  # a model saved by another session is shared: it is in the menu
        models = await v.options("_explain_model")
        others = [m for m in models if not m.endswith("· shipped")]
        out.shared_model_seen = any(m.endswith(label) for m in models)
        if not out.shared_model_seen:
            leak(f"{v.name}: the model saved by another session is not offered ({models})")
        if plan.library is not None:
            saved_here = [d for d in plan.library.iterdir() if (d / "model.pt").is_file() and d.name[0] != "."]
            if len(others) != len(saved_here):  # every trainer's model but the one saved lives in its session
                leak(f"{v.name}: offers {len(others)} non-shipped models, the library holds {len(saved_here)}: "
                     f"{others}")

    async def explore(v: Visitor, i: int, rounds: int):
        if v.page.url == "about:blank":
            await v.open("Explain")
        elif not v.page.url.split("?")[0].endswith("/explain"):
            await v.nav("Explain")
        for r in range(rounds):
            await v.choose_user(str(1 + (97 * i + 31 * r) % 1200))
            await v.nav("Compare")
            await v.nav("Learn")
            await v.nav("Explain")

    async def guarded(v: Visitor, coro, *releases: asyncio.Event):
        try:
            await coro
            v.step = "done"
        except Exception as e:  # noqa: BLE001  one stuck session is an error, not the end of the run
            v.errors.append(f"{v.name} ({v.step}): {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            with contextlib.suppress(Exception):
                await v.page.screenshot(path=str(workdir / f"{v.name}.png"), full_page=True)
        finally:
            for event in releases:
                event.set()

    t0 = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        visitors = [await Visitor.new(browser, f"trainer{i + 1}", url, plan.timeout_ms) for i in range(plan.trainers)]
        visitors += [await Visitor.new(browser, n, url, plan.timeout_ms)
                     for n in ["A-uploader", "B-observer"] + [f"explorer{i}" for i in range(3, plan.explorers + 1)]]
        # A failed step still releases the sessions waiting for it (they then report what they miss).
        jobs = [guarded(v, trainer(v, i), *([job_running, saved] if i == 0 else []))
                for i, v in enumerate(visitors[:plan.trainers])]
        a, b, *rest = visitors[plan.trainers:]
        jobs += [guarded(a, uploader(a), a_done), guarded(b, observer(b))]
        jobs += [guarded(v, explore(v, i + 3, plan.rounds)) for i, v in enumerate(rest)]
        try:
            await asyncio.wait_for(asyncio.gather(*jobs), plan.scenario_timeout)
        except TimeoutError:
            out.errors.append(f"the scenario ran past {plan.scenario_timeout:.0f} s; still "
                              + ", ".join(f"{v.name} {v.step}" for v in visitors if v.step != "done"))
        out.duration_s = time.perf_counter() - t0
        for v in visitors:
            out.errors += v.errors
            out.timings += [(v.name, what, s) for what, s in v.timings]
            await v.close()
        await browser.close()
    return out


def server_errors(log: str) -> list[str]:
    """Tracebacks the server printed (a crash in a worker thread never reaches a page)."""
    return [chunk.strip().splitlines()[-1] for chunk in log.split("Traceback (most recent call last):")[1:]]
