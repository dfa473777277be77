"""Dataset statistics: one structure shared by the app and the CLI."""
from dataclasses import asdict, dataclass

import numpy as np

from .dataset import Dataset


@dataclass
class Stats:
    name: str
    fmt: str
    users: int
    items: int  # items that occur in interactions
    interactions: int
    density: float  # interactions / (users * items)
    catalogue_items: int  # entries in the item catalogue, interacted with or not
    never_interacted: int  # catalogue entries nobody interacted with
    has_ratings: bool
    seq_len: dict  # min, median, mean, p90, max of per-user interaction counts
    seq_len_hist: list  # [(bin start, bin end, users)], 20 equal-width bins
    popular: list  # [(item_id, title, interactions)], top 20
    causes: dict | None  # embedded sample only: share of interactions per cause kind

    def to_dict(self) -> dict:
        return asdict(self)


def compute_stats(ds: Dataset, top: int = 20) -> Stats:
    df = ds.interactions
    lens = df.groupby("user_id", sort=False).size().to_numpy()
    counts = df["item_id"].value_counts()
    users, items = len(lens), len(counts)
    titles = ds.titles()
    # Bins of whole lengths, at most ~20 of them, so no bin covers more lengths than its neighbours.
    width = max(1, int(np.ceil((lens.max() - lens.min() + 1) / 20)))
    hist_counts, edges = np.histogram(lens, bins=np.arange(lens.min(), lens.max() + width + 1, width))
    causes = None
    if "cause" in df.columns:
        kind = np.where(df["cause"].isin(["taste", "popular"]), df["cause"], "trigger")
        causes = {k: round(float(v), 4) for k, v in zip(*np.unique(kind, return_counts=True))}
        total = sum(causes.values())
        causes = {k: round(v / total, 4) for k, v in causes.items()}
    catalogue = set(ds.items["item_id"])
    return Stats(
        name=ds.name, fmt=ds.fmt, users=users, items=items, interactions=len(df),
        density=len(df) / (users * items), catalogue_items=len(catalogue),
        never_interacted=len(catalogue - set(counts.index)), has_ratings=ds.has_ratings,
        seq_len={"min": int(lens.min()), "median": float(np.median(lens)), "mean": round(float(lens.mean()), 2),
                 "p90": float(np.percentile(lens, 90)), "max": int(lens.max())},
        seq_len_hist=[(float(edges[i]), float(edges[i + 1]), int(c)) for i, c in enumerate(hist_counts)],
        popular=[(iid, titles.get(iid, f"Item {iid}"), int(c)) for iid, c in counts.head(top).items()],
        causes=causes,
    )


def format_stats(s: Stats) -> str:
    lines = [f"dataset       {s.name} ({s.fmt})",
             f"users         {s.users:,}",
             f"items         {s.items:,} with interactions ({s.catalogue_items:,} in the catalogue, "
             f"{s.never_interacted:,} never interacted with)",
             f"interactions  {s.interactions:,}" + (" (rated)" if s.has_ratings else ""),
             f"density       {s.density:.4%}",
             "per user      " + ", ".join(f"{k} {v:g}" for k, v in s.seq_len.items())]
    if s.causes:
        lines.append("causes        " + ", ".join(f"{k} {v:.1%}" for k, v in s.causes.items()))
    lines.append("most popular")
    for iid, title, c in s.popular[:10]:
        lines.append(f"  {c:>7,}  {title}  [{iid}]")
    return "\n".join(lines)
