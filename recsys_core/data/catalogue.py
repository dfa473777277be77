"""Item catalogues: a second file that maps item ids to a title, a category (or genres) and any other
columns. Owns reading a catalogue (`load_catalogue`, the mapping guessed by `data.guess` where not
given), counting how its ids meet a dataset's, with example ids from both sides (`match_report`), and
a dataset with the catalogue's titles (`attach_catalogue`). The preview before any conversion is
`data.preview`.

Ids compare as stripped strings, with a whole float written out as an integer (12, "12" and 12.0 are
one id), the way the loaders read ids. Delimiter and header detection: `loaders.reading.text_layout`.
"""
import dataclasses
import re
from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataError
from .dataset import ITEM_COLUMNS, Dataset, make_items
from .guess import CATALOGUE_ROLES, GUESS_ROWS, by_position, guess_roles
from .loaders.excel import is_excel, read_excel
from .loaders.reading import (
    _show,
    check_rows,
    max_rows,
    parquet_magic,
    read_layout,
    text_encoding,
    text_layout,
)
from .loaders.table import (
    KNOWN_NAMES,
    _is_parquet,
    _parquet,
    as_text,
    check_unique_header,
    cut_last_row,
    given_columns,
)

BINARY_FIX = "export the table as CSV (UTF-8) or Parquet."
EXAMPLES = 5  # example ids a match report names from each side


@dataclass
class Catalogue:
    items: pd.DataFrame  # item_id, title, category, then the file's other columns; all str, ids unique
    mapping: dict[str, str]  # role -> column of the file
    notices: list[str] = field(default_factory=list)
    source: str = ""


@dataclass
class MatchReport:
    matched: int  # distinct interaction item ids found in the catalogue
    unmatched: int  # distinct interaction item ids not in it
    catalogue_only: int  # catalogue ids no interaction uses
    unmatched_examples: list[str]  # up to 5 interaction ids not in the catalogue, in order of first appearance
    share: float  # matched / distinct interaction items
    catalogue_only_examples: list[str] = field(default_factory=list)  # up to 5 catalogue ids no interaction uses

    def summary(self) -> str:
        total = self.matched + self.unmatched
        text = f"{self.matched:,} of {total:,} items matched the catalogue ({self.share:.0%})"
        if self.unmatched:
            text += f"; {self.unmatched:,} keep 'Item <id>' (e.g. {', '.join(self.unmatched_examples)})"
        if self.catalogue_only:
            text += f"; {self.catalogue_only:,} catalogue entries have no interactions"
        return text + "."


def guess_catalogue_columns(columns: list[str], rows: pd.DataFrame | None = None) -> dict:
    """{role: column} for the catalogue roles, each column used once, from the names (and values, when given)."""
    return guess_roles(columns, rows, "catalogue").mapping


def load_catalogue(path: str, columns: dict | None = None) -> Catalogue:
    """Item id, title, category and every other column of a CSV / TSV / semicolon / pipe / '::' text,
    Parquet or Excel file; columns: role -> column, the roles it leaves out guessed from the others
    ("" for a role: unmapped on purpose, never guessed)."""
    notices = []
    if _is_parquet(path) or parquet_magic(path):
        df = _parquet(path, list(_parquet(path, None)))
        check_rows(path, len(df), max_rows())
        header = True
    elif is_excel(path):
        df, header, notices = read_excel(path, KNOWN_NAMES)
    else:
        encoding = text_encoding(path, BINARY_FIX)
        if encoding != "utf-8":
            notices.append(f"{path}: not UTF-8 text; read it as Latin-1 (as MovieLens writes it).")
        lay = text_layout(path, KNOWN_NAMES, encoding)
        if lay.header:
            check_unique_header(path, lay.sep, encoding)
        cap = max_rows()
        df = read_layout(path, lay, nrows=cap + 1, dtype=str, keep_default_na=False, encoding=encoding)
        check_rows(path, len(df), cap)
        if cut := cut_last_row(path, lay, len(df), encoding):
            notices.append(cut)
            df = df.iloc[:-1]
        header = lay.header
    df.columns = [str(c) for c in df.columns]
    roles = _mapping(path, list(df.columns), columns, header, df)
    if len(df) == 0:
        raise DataError(f"{path}: no items (the file has only a header). Fix: choose a catalogue with rows.")
    text = {c: as_text(df[c]) for c in df.columns}
    ids = text[roles["item"]]
    blank = ids == ""
    if blank.any():
        notices.append(f"{path}: skipped {int(blank.sum()):,} rows without an item id.")
    dup = ids.map(_key).duplicated() & ~blank
    if dup.any():
        notices.append(f"{path}: {int(dup.sum()):,} rows repeat an item id (first: {ids[dup].iloc[0]!r}); "
                       "kept the first row of each.")
    keep = (~blank & ~dup).to_numpy()
    ids = ids[keep]
    title = text[roles["title"]][keep] if "title" in roles else pd.Series("", index=ids.index)
    title = title.where(title != "", "Item " + ids)
    category = text[roles["category"]][keep] if "category" in roles else pd.Series("", index=ids.index)
    category = _normalise_lists(category, path, notices)
    items = pd.DataFrame({"item_id": ids.to_numpy(), "title": title.to_numpy(), "category": category.to_numpy()})
    for c in df.columns:
        if c not in roles.values():
            items[_free_name(c, items.columns)] = text[c][keep].to_numpy()
    return Catalogue(items=items.reset_index(drop=True), mapping=roles, notices=notices, source=path)


def match_report(catalogue: Catalogue, item_ids) -> MatchReport:
    """How the distinct interaction item ids meet the catalogue's ids."""
    distinct = pd.unique(pd.Series(item_ids, dtype=object))
    wanted = list(dict.fromkeys(_key(i) for i in distinct))  # unique first: 25M interactions, ~30K items
    ours = list(dict.fromkeys(catalogue.items["item_id"].map(_key)))
    known, used = set(ours), set(wanted)
    missing = [i for i in wanted if i not in known]
    spare = [i for i in ours if i not in used]
    matched = len(wanted) - len(missing)
    return MatchReport(matched=matched, unmatched=len(missing), catalogue_only=len(spare),
                       unmatched_examples=missing[:EXAMPLES], share=matched / len(wanted) if wanted else 0.0,
                       catalogue_only_examples=spare[:EXAMPLES])


class CatalogueMismatch(DataError):
    """A catalogue that names under the wanted share of a dataset's items: most likely another file, or ids
    written differently (a "SKU-" prefix), or the wrong id column. `report` has the numbers."""

    def __init__(self, message: str, report: MatchReport):
        super().__init__(message)
        self.report = report


def check_match(report: MatchReport, ratings: str, catalogue: str, least: float):
    """Raise CatalogueMismatch when under `least` of the items matched, naming example ids from both files."""
    if report.share >= least:
        return
    total = report.matched + report.unmatched
    theirs = ", ".join(report.unmatched_examples) or "none"
    ours = ", ".join(report.catalogue_only_examples) or "none"
    raise CatalogueMismatch(
        f"{catalogue}: only {report.matched:,} of the {total:,} items in {ratings} are in it ({report.share:.0%}). "
        f"Items in {ratings}: {theirs}; in {catalogue}: {ours}. Fix: make both files write item ids the same "
        "way; if another column of the catalogue holds them, {choose:catalogue:item}.", report)


@dataclass
class CatalogueInfo:
    """How a stored dataset's catalogue matched, kept in its dataset.json."""
    file: str  # the catalogue's file name, as the user knows it
    matched: int
    unmatched: int
    catalogue_only: int
    share: float
    unmatched_examples: list[str] = field(default_factory=list)
    catalogue_only_examples: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, report: MatchReport, file: str) -> "CatalogueInfo":
        return cls(file, report.matched, report.unmatched, report.catalogue_only, round(report.share, 4),
                   list(report.unmatched_examples), list(report.catalogue_only_examples))


def attach_catalogue(ds: Dataset, catalogue: Catalogue) -> tuple[Dataset, MatchReport]:
    """A new Dataset whose items take title, category and the extra columns from the catalogue for the
    ids it has; other items keep their rows ("" in the extra columns), and catalogue-only ids are added
    (the items table is the whole catalogue). The dataset's own spelling of an id is kept. ds: as a
    loader returns it, every interaction item in its items table."""
    report = match_report(catalogue, ds.interactions["item_id"])
    cat = catalogue.items.assign(_key=catalogue.items["item_id"].map(_key)).set_index("_key")
    extra = [c for c in cat.columns if c not in ITEM_COLUMNS]
    rows = (ds.items if len(ds.items) else make_items([])).drop_duplicates("item_id").reset_index(drop=True)
    kept = [c for c in rows.columns if c not in ITEM_COLUMNS and c not in extra]  # e.g. the sample's follow_up
    rows = rows.assign(**{c: "" for c in extra if c not in rows.columns})
    keys = rows["item_id"].map(_key)
    hit = keys.isin(cat.index).to_numpy()
    for c in ("title", "category", *extra):
        rows.loc[hit, c] = cat.loc[keys[hit], c].to_numpy()
    rest = cat[~cat.index.isin(set(keys))].reset_index(drop=True)
    text = [*ITEM_COLUMNS, *extra]
    items = pd.concat([rows, rest], ignore_index=True)[[*text, *kept]]
    items[text] = items[text].fillna("").astype(str)
    for c in kept:  # catalogue-only items have none of the dataset's own columns
        if not pd.api.types.is_numeric_dtype(items[c]):
            items[c] = items[c].fillna("")
    return dataclasses.replace(ds, items=items, notices=[*ds.notices, *catalogue.notices]), report


def _key(value) -> str:
    """The id as the loaders compare it: stripped, a whole float written as an integer."""
    text = str(value).strip()
    return re.sub(r"^([+-]?\d+)\.0*$", r"\1", text)


def _mapping(path: str, found: list[str], columns: dict | None, header: bool, df: pd.DataFrame) -> dict:
    given, columns = given_columns(path, found, columns, CATALOGUE_ROLES, kind="catalogue", example="item,title",
                                   where="the catalogue's column mapping", source="the catalogue",
                                   aliases={"genre": "category", "genres": "category", "categories": "category"})
    open_roles = tuple(r for r in CATALOGUE_ROLES if r not in given)
    rest = [c for c in found if c not in columns.values()]
    if not header:
        guessed = {k: v for k, v in by_position(rest).items() if k in open_roles}
    else:
        guessed = guess_roles(rest, df[rest].head(GUESS_ROWS), "catalogue", open_roles).mapping if open_roles else {}
    roles = {**guessed, **columns}
    if "item" not in roles:
        raise DataError(f"{path}: cannot tell which column holds the item ids (found: {_show(found)}). "
                        "Fix: {choose:catalogue:item}.")
    return roles


_LIST_SEPS = (";", ",")


def _normalise_lists(category: pd.Series, path: str, notices: list) -> pd.Series:
    """Genres written 'Action, Comedy' become 'Action|Comedy', but only when that is unambiguous: no
    value uses '|' already, one separator kind is used, by 2+ values, and every part recurs (so
    'Home, Garden & Tools' once is one category, not two)."""
    values = category[category != ""]
    if values.empty or values.str.contains("|", regex=False).any():
        return category
    used = [s for s in _LIST_SEPS if values.str.contains(s, regex=False).any()]
    if len(used) != 1 or values.str.contains(used[0], regex=False).sum() < 2:
        return category
    parts = values.drop_duplicates().str.split(used[0]).map(lambda p: [x.strip() for x in p])
    counts = pd.Series([x for p in parts for x in dict.fromkeys(p)]).value_counts()
    if "" in counts.index or (counts < 2).any():
        return category
    notices.append(f"{path}: categories are lists separated by {used[0]!r}; wrote them '|'-separated.")
    return category.map(lambda v: "|".join(x.strip() for x in v.split(used[0])) if v else v)


def _free_name(name: str, taken) -> str:
    """An extra column named like a standard one (a second 'title') gets a suffix instead of replacing it."""
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out
