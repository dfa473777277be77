"""A seeded random walk through the Explain page in a real browser, checked after every action against
the core computing the same view (recsys_core.explain.page.explain_page, whose explanation is the
`recommend --json` document, and what_if, the `explain --edit` core).

Actions: switch model, user (typed, random, interesting), K; see why another recommendation; what-if
remove / add / move / reset; why not an item; the colour scale; refresh; back; open the shared link in
a new session. After each, read what the page shows (the maps' data as Plotly holds it, the what-if
boxes, the moves table, the claim boxes) and check it:

  rows       the soft map's rows are the core's top-K, in order, for that model, user, K and edit-free view
  columns    every map column names the history item that many steps back (the core's history)
  options    every what-if box offers an item of the (edited) history at the position it says
  moves      the moves table is the core's what_if for the edit in the link
  words      every claim of the selected recommendation is on the page, word for word
A finding names the seed and the action number, so `SEED=… python -m pytest …` replays it.
"""
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from tests.app_server import IDLE_JS, Visitor

PLAIN = re.compile(r"[*`]")  # markdown marks a claim's text carries; the page shows the words only


def plain(text: str) -> str:
    return " ".join(PLAIN.sub("", text).split())


@dataclass
class Walk:
    seed: int
    models: dict  # sidebar label -> Loaded (the same checkpoints the server lists)
    log: list = field(default_factory=list)  # (action number, what was done)
    findings: list = field(default_factory=list)
    checked: dict = field(default_factory=dict)  # check -> times it ran

    def find(self, n: int, what: str):
        self.findings.append(f"seed {self.seed}, action {n} ({self.log[-1][1] if self.log else '-'}): {what}")

    def count(self, check: str):
        self.checked[check] = self.checked.get(check, 0) + 1


# --- reading the page ------------------------------------------------------------------------------

MAPS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => ({
    title: ((p.layout && p.layout.title && p.layout.title.text) || '').replace(/<[^>]+>/g, ''),
    text: p.data && p.data[0] && p.data[0].text || []}))"""


WHY = "Why does the model recommend…"


def _combo(v: Visitor, label: str, scope=None):
    return (scope or v.page).locator(f'input[role="combobox"][aria-label="{label}"]')


async def _select_value(v: Visitor, label: str) -> str | None:
    box = _combo(v, label)
    return await box.first.input_value() if await box.count() else None


def _k_slider(v: Visitor):
    return v.page.locator('input[type="range"][aria-label="Recommendations (K)"]')


async def _state(v: Visitor) -> dict:
    """What the page says it shows: model, hard model, user, K, edit (the user box may still be filling in
    just after a rerun: read it again for a moment before taking an empty one as what the page shows)."""
    for _ in range(20):
        if await v.user_box().input_value():
            break
        await v.page.wait_for_timeout(250)
    q = parse_qs(urlparse(v.page.url).query)
    k = await _k_slider(v).input_value()
    return {"model": await _select_value(v, "Model"), "hard": await _select_value(v, "Hard-trained model beside it"),
            "user": await v.user_box().input_value(), "k": int(float(k)), "edit": (q.get("edit") or [""])[0]}


async def _alerts(v: Visitor) -> list[str]:
    return [plain(t) for t in await v.page.locator('[data-testid="stAlert"]').all_inner_texts()]


# --- the checks -------------------------------------------------------------------------------------

async def check_page(v: Visitor, walk: Walk, n: int, cache: dict, retried: bool = False):
    from recsys_core.explain.page import explain_page
    from recsys_core.explain.whatif import what_if
    s = await _state(v)
    loaded = walk.models.get(s["model"])
    if loaded is None:
        return walk.find(n, f"the page shows model {s['model']!r}, which the test does not know")
    partner = walk.models.get(s["hard"]) if s["hard"] and s["hard"] != "none" else None
    key = (s["model"], s["hard"], s["user"], s["k"])
    if key not in cache:
        cache[key] = explain_page(loaded, s["user"], s["k"], partner=partner)
    page = cache[key]
    maps = await v.page.evaluate(MAPS_JS)
    soft = next((m for m in maps if m["title"].startswith("Soft:")), None)
    recs = page.expl.recommendations
    if soft is not None and recs and recs[0].soft is not None:
        walk.count("rows")
        rows = [r[0].split("<br>")[0].replace("<b>Recommendation</b>: ", "") for r in soft["text"]]
        shared = page.expl.attention_maps is not None or not page.expl.has_focus  # one read-out row for all
        want = [f"all {len(recs)} recommendations"] if shared and len(recs) > 1 else \
            [f"{j + 1}. {r.title}" for j, r in enumerate(recs)]
        if rows != want:
            walk.find(n, f"soft map rows {rows[:3]}… are not the core's top-{s['k']} {want[:3]}…")
    by_back = {h.steps_back: h.title for h in page.expl.history}
    for m in maps:
        if not m["title"].startswith(("Soft:", "Hard:")) or not m["text"]:
            continue
        walk.count("columns")
        for cell in m["text"][0]:
            got = re.search(r"<b>History item</b>: (.*) \((\d+) back\)<br>", cell)
            if got and by_back.get(int(got.group(2))) != got.group(1):
                walk.find(n, f"{m['title']}: column {got.group(2)} back shows {got.group(1)!r}, the history has "
                             f"{by_back.get(int(got.group(2)))!r}")
                break
    edited = [h.title for h in page.expl.history]
    if s["edit"]:
        wi = cache.get(("whatif", key, s["edit"])) or what_if(loaded, s["user"], s["edit"], k=s["k"])
        cache[("whatif", key, s["edit"])] = wi
        titles = dict(zip(map(str, loaded.data.item_ids), map(str, loaded.data.titles)))
        edited = [titles[i] for i in wi.history]
        table = v.page.locator('[data-testid="stTable"]', has_text="Recommendation").last
        if await table.count():
            walk.count("moves")
            text = plain(await table.inner_text())
            missing = [m.title for m in wi.moves if plain(m.title) not in text]
            if missing:
                walk.find(n, f"moves table lacks the core's {missing[:3]} for edit {s['edit']}")
    for label in ("Remove an item", "Move an item"):
        shown = await _select_value(v, label)
        if shown:
            walk.count("options")
            back, _, title = shown.partition(" back · ")
            if not back.isdigit() or int(back) > len(edited) or edited[-int(back)] != title:
                if not retried:  # read while a rerun was still replacing the boxes (busy machine): look again
                    await v.page.wait_for_timeout(1000)
                    await v.idle()
                    return await check_page(v, walk, n, cache, retried=True)
                walk.find(n, f"{label} offers {shown!r}, not an item of the history it edits (edit {s['edit']!r})")
    picked = await _select_value(v, WHY)
    if picked and recs:
        walk.count("words")
        j = int(picked.split(".", 1)[0]) - 1
        alerts = " | ".join(await _alerts(v))
        for claim in page.claims[j] if 0 <= j < len(page.claims) else []:
            if not claim.detail and plain(claim.text) not in alerts:
                walk.find(n, f"the page does not say the core's claim: {claim.text[:120]}")


# --- the actions ------------------------------------------------------------------------------------

async def _pick(v: Visitor, label: str, rng: random.Random, where=None) -> bool:
    box = _combo(v, label, where)
    if not await box.count():
        return False
    await box.first.scroll_into_view_if_needed()
    await box.first.locator("xpath=..").locator('button[aria-label="Open"]').click()  # the list's own toggle
    options = v.page.locator('[role="option"]')
    await options.first.wait_for(timeout=v.timeout)
    count = await options.count()
    await options.nth(rng.randrange(count)).click()
    return True


async def _click(v: Visitor, name: str) -> bool:
    button = v.page.get_by_role("button", name=name, exact=True)
    if not await button.count():
        return False
    await button.first.click()
    return True


async def act(v: Visitor, rng: random.Random, walk: Walk, users: list[str], queries: list[str]) -> str:
    """One random action; returns what it did."""
    choice = rng.choices(["user", "random", "interesting", "model", "k", "why", "remove", "add", "move", "reset",
                          "whynot", "scale", "refresh", "back", "link"],
                         weights=[8, 3, 3, 4, 3, 5, 6, 3, 3, 2, 4, 2, 2, 1, 1])[0]
    if choice == "user":
        u = rng.choice(users)
        box = v.user_box()
        await box.fill(u)
        await box.press("Enter")
        return f"user {u}"
    if choice == "random":
        return "random user" if await _click(v, "Random user") else "none"
    if choice == "interesting":
        return "interesting user" if await _pick(v, "Interesting users", rng) else "none"
    if choice == "model":
        sidebar = v.page.locator('[data-testid="stSidebar"]')
        return "model" if await _pick(v, "Model", rng, sidebar) else "none"
    if choice == "k":
        thumb = _k_slider(v)
        await thumb.focus()
        key = rng.choice(["ArrowLeft", "ArrowRight"])
        for _ in range(rng.randint(1, 4)):
            await thumb.press(key)
        return f"K {key}"
    if choice == "why":
        return "see why" if await _pick(v, WHY, rng) else "none"
    if choice == "remove":
        if rng.random() < 0.5:
            await _pick(v, "Remove an item", rng)
            await v.idle()
        return "remove" if await _click(v, "Remove") else "none"
    if choice == "add":
        box = v.page.get_by_role("textbox", name="Add an item (search by title)")
        await box.fill(rng.choice(queries))
        await box.press("Enter")
        await v.idle()
        return "add" if await _click(v, "Add as the most recent") else "none"
    if choice == "move":
        return "move" if await _click(v, "Move") else "none"
    if choice == "reset":
        return "reset" if await _click(v, "Reset") else "none"
    if choice == "whynot":
        box = v.page.get_by_role("textbox", name="Search an item by title")
        await box.fill(rng.choice(queries))
        await box.press("Enter")
        return "why not"
    if choice == "scale":
        await v.page.get_by_text(rng.choice(["Weights 0 to 1", "Each row to its largest", "Log scale"]),
                                 exact=True).click()
        return "colour scale"
    if choice == "refresh":
        await v.page.reload()
        return "refresh"
    if choice == "back":
        await v.page.go_back()
        if "/explain" not in v.page.url:
            await v.page.go_forward()
        return "back"
    url = v.page.url  # the shared link, opened in a fresh session: the same view
    await v.page.goto(url)
    return "shared link"


async def settle(v: Visitor):
    await v.page.locator("h1", has_text="Explain").first.wait_for(timeout=v.timeout)
    await v.page.wait_for_function(IDLE_JS, timeout=v.timeout)
    await v.idle()


async def walk_explain(v: Visitor, walk: Walk, steps: int, users: list[str], queries: list[str]) -> Walk:
    rng = random.Random(walk.seed)
    cache: dict = {}
    await settle(v)
    for n in range(1, steps + 1):
        started = time.perf_counter()
        what = await act(v, rng, walk, users, queries)
        walk.log.append((n, what))
        await settle(v)
        await v.check(f"action {n} ({what})")
        try:
            await check_page(v, walk, n, cache)
        except Exception as e:  # a view the core refuses is a finding too: say which action led there
            walk.find(n, f"{type(e).__name__}: {e}; url {v.page.url}; last actions {walk.log[-4:]}")
        walk.log[-1] = (n, f"{what} ({time.perf_counter() - started:.1f} s)")
    walk.findings += v.errors
    return walk
