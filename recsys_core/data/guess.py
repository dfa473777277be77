"""Which column of a table plays which role (`guess_roles`), from its name (`vocabulary`) and from its
first rows' values, with what each guess rests on, so a form can show it for confirmation.

Names first: the best-named column per role, kept only when its values do not contradict the name (an
"order_time" of words is no timestamp, a "title" of ids is never a title; a column named just "time" or
"rating" keeps its role, so that loading it names the bad value). Then values, for the roles still open,
over the columns whose names say nothing ("other" names, like a quantity or an event, are left out):
  - timestamp: dates that parse, or whole numbers in the Unix-seconds or -milliseconds range;
  - rating: numbers from 0 to 10 in whole or half steps, at least two of them, not sorted (a sorted
    column is a key, like user ids in a file grouped by user);
  - user, then item (ratings) or item (catalogue): id-like values (whole numbers, or short codes with
    digits and no spaces), in column order: exports put the user before the item;
  - title: text with spaces in most values, else a second item-named column that holds names, not ids
    ("product" beside "sku").
Category comes from names only: a short list of words is as often an event type as a genre.
"""
import re
from dataclasses import dataclass, field

import pandas as pd

from .vocabulary import NameMatch, fold, name_role

RATINGS_ROLES = ("user", "item", "timestamp", "rating", "title", "category")
CATALOGUE_ROLES = ("item", "title", "category")
GUESS_ROWS = 1000  # the first rows a guess reads: enough to see values vary, quick on any file
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}\d{2}\d{2}T")
_SECONDS, _MILLISECONDS = (1e8, 1e10), (1e11, 1e13)  # 1973..2286 in Unix seconds, and in milliseconds


@dataclass
class ColumnGuess:
    mapping: dict[str, str] = field(default_factory=dict)  # role -> column
    reasons: dict[str, str] = field(default_factory=dict)  # role -> what the guess rests on, for the form

    def put(self, role: str, column: str, reason: str):
        self.mapping[role] = column
        self.reasons[role] = reason


@dataclass(frozen=True)
class Profile:
    """What a column's sampled values look like (empty strings left out)."""
    n: int  # values sampled
    numeric: bool  # every value is a number (a decimal comma counts)
    whole: bool  # every value is a whole number
    low: float = 0.0
    high: float = 0.0
    halves: bool = False  # every value a multiple of 0.5 (ratings are)
    distinct: int = 0
    ascending: bool = False  # never decreases down the column
    dates: bool = False  # every value parses as a date
    spaces: float = 0.0  # share of values with a space inside
    digits: float = 0.0  # share of values with a digit
    longest: int = 0  # characters in the longest value

    @property
    def epoch(self) -> str | None:
        if not self.numeric or not self.n:
            return None
        for unit, (lo, hi) in (("seconds", _SECONDS), ("milliseconds", _MILLISECONDS)):
            if lo <= self.low and self.high < hi:
                return unit
        return None

    @property
    def rating_like(self) -> bool:
        return (self.numeric and self.halves and self.n >= 2 and 0 <= self.low and 2 <= self.high <= 10
                and self.distinct >= 2 and not self.ascending)

    @property
    def id_like(self) -> bool:
        if not self.n or self.dates or self.spaces or self.longest > 64 or self.epoch:
            return False
        if self.numeric:
            return self.whole and not self.rating_like
        return self.digits >= 0.8


def profile(values: pd.Series) -> Profile:
    text = values.astype("string").fillna("").astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return Profile(0, False, False)
    num = pd.to_numeric(text.str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True), errors="coerce")
    numeric = bool(num.notna().all())
    common = dict(n=len(text), distinct=int(text.nunique()), spaces=float(text.str.contains(r"\S\s+\S").mean()),
                  digits=float(text.str.contains(r"\d").mean()), longest=int(text.str.len().max()))
    if numeric:
        return Profile(numeric=True, whole=bool((num % 1 == 0).all()), low=float(num.min()), high=float(num.max()),
                       halves=bool(((num * 2) % 1 == 0).all()), ascending=bool(num.is_monotonic_increasing), **common)
    dates = bool(text.str.contains(_DATE).all()) and bool(
        pd.to_datetime(text, errors="coerce", format="mixed", utc=True).notna().all())
    return Profile(numeric=False, whole=False, dates=dates, **common)


# A column named just so keeps its role whatever it holds, so that loading it names the bad value.
_PLAIN_NAMES = {"timestamp": {"timestamp", "time", "date", "datetime", "ts"}, "rating": {"rating", "score", "stars"}}


def _fits(role: str, p: Profile, m: NameMatch) -> bool:
    """Whether a column's values allow the role its name says (no values: nothing contradicts it). A title
    of ids never does; a looser name than `_PLAIN_NAMES` ("order_time", "note") is only a hint."""
    if not p.n:
        return True
    if role == "title":
        return not (p.id_like and not p.spaces)
    if m.tier == 3 and m.word in _PLAIN_NAMES.get(role, ()):
        return True
    if role == "timestamp":
        return p.numeric or p.dates
    if role == "rating":
        return p.numeric
    return True


def _by_names(columns, profiles, roles, out: ColumnGuess) -> set[str]:
    """Assign roles from names; returns the columns whose names said anything (taken or not)."""
    named = {}
    for i, c in enumerate(columns):
        m = name_role(c)
        if m is not None:
            named[c] = (m, i)
    for role in roles:
        fits = [(m.tier, -i, c, m) for c, (m, i) in named.items()
                if m.role == role and c not in out.mapping.values() and _fits(role, profiles[c], m)]
        if fits:
            _, _, column, m = max(fits)
            said = f"its name “{column}”" + ("" if m.word == _plain(column) else f" (“{m.word}”)")
            out.put(role, column, said)
    return set(named)


def _plain(column: str) -> str:
    return re.sub(r"[\s_\-]", "", fold(column))


def _by_values(columns, profiles, roles, out: ColumnGuess, named: set[str]):
    free = [c for c in columns if c not in named and c not in out.mapping.values() and profiles[c].n]

    def take(role, test, reason):
        if role in roles and role not in out.mapping:
            column = next((c for c in free if c not in out.mapping.values() and test(profiles[c])), None)
            if column is not None:
                out.put(role, column, reason(profiles[column]))

    take("timestamp", lambda p: p.dates or p.epoch, lambda p: "its values: dates" if p.dates else
         f"its values: Unix times in {p.epoch}")
    take("rating", lambda p: p.rating_like, lambda p: f"its values: {p.low:g} to {p.high:g}, a small range")
    for role in ("user", "item"):
        take(role, lambda p: p.id_like, lambda p, role=role: "its values: ids (the first such column)" if role == "user" else
             "its values: ids (the next such column)")
    take("title", lambda p: p.spaces >= 0.5 and not p.dates, lambda p: "its values: text with spaces")
    if "title" in roles and "title" not in out.mapping:
        # A second "product" column beside the product id column: the product's name, unless it holds ids too.
        named_items = [c for c in columns if c in named and c not in out.mapping.values()
                       and (m := name_role(c)) is not None and m.role == "item" and not profiles[c].id_like]
        if named_items:
            out.put("title", named_items[0], f"its name “{named_items[0]}”, and its values are names, not ids")


def guess_roles(columns: list[str], rows: pd.DataFrame | None = None, kind: str = "ratings",
                roles: tuple | None = None) -> ColumnGuess:
    """{role: column} for a ratings table (kind "ratings") or a catalogue ("catalogue"), each column used
    once, with the reason for each; rows: the first rows as read (strings or not), None for names only;
    roles: only these (the others are mapped already)."""
    kind_roles = RATINGS_ROLES if kind == "ratings" else CATALOGUE_ROLES
    roles = kind_roles if roles is None else tuple(r for r in kind_roles if r in roles)
    columns = [str(c) for c in columns]
    has_rows = rows is not None and len(rows)
    profiles = {c: profile(rows[c].head(GUESS_ROWS)) if has_rows and c in rows else Profile(0, False, False)
                for c in columns}
    out = ColumnGuess()
    named = _by_names(columns, profiles, roles, out)
    if kind == "catalogue" and "item" not in out.mapping:  # a catalogue's plain "id" is its item id
        bare = next((c for c in columns if _plain(c) in ("id", "key", "code")), None)
        if bare is not None:
            out.put("item", bare, f"its name “{bare}”")
    if has_rows:
        _by_values(columns, profiles, roles, out, named)
    return ColumnGuess({r: out.mapping[r] for r in roles if r in out.mapping},
                       {r: out.reasons[r] for r in roles if r in out.mapping})


def by_position(columns: list[str]) -> dict:
    """A headerless catalogue reads like MovieLens movies.dat: id, title, genres."""
    return dict(zip(CATALOGUE_ROLES, columns))


def looks_like_ratings(guess: ColumnGuess) -> bool:
    """A ratings file (not a catalogue): user and item columns found, both by name, or both by values (a
    file without telling names). A named item beside a user found only by its values is a catalogue with
    a numeric column, like a year."""
    if not {"user", "item"} <= set(guess.mapping):
        return False
    by_values = set(from_values(guess))
    return "user" not in by_values or "item" in by_values


def from_values(guess: ColumnGuess) -> list[str]:
    """The roles guessed from values alone (weaker than a name: worth saying)."""
    return [r for r, why in guess.reasons.items() if why.startswith("its values")]
