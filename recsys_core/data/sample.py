"""The embedded dataset: a small shop whose customers behave by a known, documented process.

Because we know *why* every interaction happened, a teacher can check whether an attention
explanation is right. Each interaction is caused by one of:
  * taste    - an item from one of the customer's 1-3 favourite categories;
  * popular  - an item drawn from the whole shop by popularity (noise);
  * a trigger - an earlier item that causes a specific follow-up 1..max_delay steps later
                (camera -> its lens, console -> a game for it, novel vol. 1 -> vol. 2). The
                follow-up sits in an accessory category nobody has as a favourite (books aside),
                so taste alone cannot explain it, and the trigger is usually *not* the last item.
The `cause` column of interactions.csv holds the trigger's item id, or `taste`, or `popular`;
items.csv names each trigger's follow-up in `follow_up`, so the planted rules are in the files.

Deterministic from `seed`; `scale` multiplies the catalogue and users grow at USER_GROWTH of that
rate, so scale=68 gives the benchmark shape of ~24K items and ~32K users.
"""
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset, make_items

USER_GROWTH = 0.37  # users grow slower than the catalogue, as in the public benchmarks (~24K items, ~31K users)
REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE_DIR = os.path.join(REPO_DIR, "sample_data")


@dataclass
class SampleConfig:
    seed: int = 7
    scale: float = 1.0  # catalogue multiplier; 68 -> ~24K items, ~32K users
    users: int = 1240  # at scale 1; users = users * (1 + (scale - 1) * USER_GROWTH)
    taste: float = 0.72  # share of free steps drawn from the favourite categories
    popular: float = 0.28  # share drawn from the whole shop by popularity (taste + popular = 1)
    follow_prob: float = 0.9  # chance that consuming a trigger plants its follow-up
    max_delay: int = 10  # the follow-up comes 1..max_delay steps after its trigger
    min_len: int = 10
    max_len: int = 60
    zipf: float = 1.1  # popularity skew within the shop


# Taste categories: (name, [(product type, trigger?)], accessory category, follow-up pattern).
# A trigger product's follow-up is named from the trigger's model, so the pair reads naturally.
_TASTE = [
    ("Photography", ["Mirrorless Camera", "Compact Camera", "DSLR Camera"], ["Tripod", "Camera Bag", "Memory Card 128GB", "Photo Printer", "Lens Cleaning Kit", "Flash Speedlight"],
     "Lenses", ["Telephoto Lens 70-200 for {m}", "Wide-Angle Lens 16-35 for {m}", "Prime Lens 50mm for {m}"]),
    ("Gaming", ["Game Console", "Handheld Console"], ["Gaming Headset", "Gaming Chair", "Controller Charging Dock", "Gaming Monitor 27in", "Mechanical Keyboard"],
     "Video Games", ["Galaxy Racers for {m}", "Dragon Keep for {m}", "Pixel Soccer for {m}"]),
    ("Books", ["Novel"], ["Cookbook", "Travel Guide", "Poetry Collection", "Biography", "Graphic Novel"],
     "Books", ["{m}, Vol. 2"]),
    ("Running", ["Trail Running Shoes", "Road Running Shoes"], ["Running Cap", "Sports Watch", "Running Jacket", "Compression Tights", "Foam Roller"],
     "Running Gear", ["Running Socks for {m}", "Insoles for {m}", "Shoe Gaiters for {m}"]),
    ("Kitchen", ["Espresso Machine", "Stand Mixer"], ["Chef's Knife", "Cast Iron Skillet", "Cutting Board", "Blender", "Rice Cooker", "Dutch Oven"],
     "Kitchen Supplies", ["Descaler for {m}", "Accessory Kit for {m}", "Replacement Parts for {m}"]),
    ("Camping", ["Dome Tent", "Backpacking Tent"], ["Headlamp", "Camping Stove", "Water Filter", "Trekking Poles", "Camp Chair"],
     "Camping Gear", ["Sleeping Bag for {m}", "Footprint Groundsheet for {m}", "Rain Fly for {m}"]),
    ("Music", ["Acoustic Guitar", "Electric Guitar"], ["Music Stand", "Metronome", "Studio Headphones", "Keyboard Piano", "Ukulele"],
     "Music Accessories", ["Strings Set for {m}", "Gig Bag for {m}", "Tuner Clip for {m}"]),
    ("Home Office", ["Laptop", "Tablet"], ["Desk Lamp", "Ergonomic Chair", "Standing Desk", "Webcam HD", "Wireless Mouse", "Monitor Arm"],
     "Computer Accessories", ["Sleeve Case for {m}", "USB-C Dock for {m}", "Screen Protector for {m}"]),
]
_MODEL_LETTERS = "ABCDFGHKLMNPRSTVXZ"
_BOOK_WORDS = ["Salt", "Glass", "Winter", "Iron", "Silent", "Amber", "Hollow", "Copper", "Paper", "Northern",
               "Crimson", "Distant", "Lantern", "River", "Stone", "Velvet", "Ember", "Harbor", "Willow", "Ash"]
_BOOK_NOUNS = ["Road", "Garden", "Crown", "Tide", "Orchard", "Archive", "Bridge", "Kingdom", "Lighthouse",
               "Compass", "Empire", "Season", "Forest", "Mirror", "Station", "Voyage", "Quarry", "Meadow"]


def _model_code(rng, used):
    while True:
        code = f"{_MODEL_LETTERS[rng.integers(len(_MODEL_LETTERS))]}{int(rng.integers(1, 100)) * 10}"
        if len(used) > 1000:  # scaled catalogues outgrow the 1,782 short codes: widen the space
            code = f"{_MODEL_LETTERS[rng.integers(len(_MODEL_LETTERS))]}{code}-{int(rng.integers(1, 10))}"
        if code not in used:
            used.add(code)
            return code


def _book_title(rng, used):
    while True:
        title = f"The {_BOOK_WORDS[rng.integers(len(_BOOK_WORDS))]} {_BOOK_NOUNS[rng.integers(len(_BOOK_NOUNS))]}"
        if len(used) > 200:  # only 360 two-word titles exist: scaled catalogues add a series number
            title = f"{title} {int(rng.integers(2, 1000))}"
        if title not in used:
            used.add(title)
            return title


def _catalogue(cfg: SampleConfig, rng):
    """Items as parallel lists plus the trigger -> follow-up map (indices into those lists)."""
    titles, cats, taste_of, follow = [], [], [], {}
    used_codes, used_titles = set(), set()
    n_triggers = max(1, round(6 * cfg.scale))  # trigger products per taste category
    n_plain = max(1, round(6 * cfg.scale))  # copies of each plain product type

    def add(title, cat, taste_idx):
        titles.append(title)
        cats.append(cat)
        taste_of.append(taste_idx)
        return len(titles) - 1

    for t, (cat, trig_types, plain_types, acc_cat, follow_patterns) in enumerate(_TASTE):
        for j in range(n_triggers):
            kind = trig_types[j % len(trig_types)]
            if cat == "Books":
                model = _book_title(rng, used_titles)
                trig = add(f"{model}, Vol. 1", cat, t)
            else:
                model = f"{kind} {_model_code(rng, used_codes)}"
                trig = add(model, cat, t)
            pattern = follow_patterns[j % len(follow_patterns)]
            # Follow-ups live in the accessory category (books: same category, the exception).
            follow[trig] = add(pattern.format(m=model), acc_cat, t if acc_cat == cat else -1)
        for kind in plain_types:
            for _ in range(n_plain):
                add(f"{kind} {_model_code(rng, used_codes)}", cat, t)
    return titles, cats, np.array(taste_of), follow


def generate(cfg: SampleConfig | None = None) -> Dataset:
    """Generate the whole dataset in memory; `write_sample` saves it."""
    cfg = cfg or SampleConfig()
    rng = np.random.default_rng(cfg.seed)
    titles, cats, taste_of, follow = _catalogue(cfg, rng)
    n_items = len(titles)
    is_follow_up = np.zeros(n_items, bool)
    is_follow_up[list(follow.values())] = True

    # Popularity: a Zipf law over a shuffled catalogue; follow-ups are rarely bought on their own.
    pop = 1.0 / np.arange(1, n_items + 1) ** cfg.zipf
    pop = pop[rng.permutation(n_items)]
    pop[is_follow_up] *= 0.05
    cdf_global = np.cumsum(pop) / pop.sum()
    is_trigger = np.zeros(n_items, bool)
    is_trigger[list(follow)] = True
    in_taste = [np.flatnonzero((taste_of == t) & ~is_follow_up) for t in range(len(_TASTE))]
    # Within a favourite category, trigger products (cameras, consoles, vol. 1s) are the draw.
    cdf_taste = [np.cumsum(w) / w.sum() for w in (pop[idx] * np.where(is_trigger[idx], 3.0, 1.0) for idx in in_taste)]

    def draw(cdf):  # inverse-CDF sampling: O(log n), where rng.choice(p=...) is O(n) a call
        return min(int(np.searchsorted(cdf, rng.random())), len(cdf) - 1)

    n_users = max(1, round(cfg.users * (1 + (cfg.scale - 1) * USER_GROWTH)))
    start = 1704067200  # 2024-01-01 UTC
    users, items, stamps, causes = [], [], [], []
    for u in range(n_users):
        k = rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2])
        favs = rng.choice(len(_TASTE), size=k, replace=False)
        length = int(rng.integers(cfg.min_len, cfg.max_len + 1))
        t_now = start + int(rng.integers(0, 540 * 86400))
        seen, due = set(), {}  # due: step -> (follow-up item, trigger item)
        for step in range(length):
            if step in due:
                item, cause = due.pop(step)
            else:
                for _ in range(20):  # resample until unseen; a user never buys the same item twice
                    if rng.random() < cfg.taste:
                        t = favs[rng.integers(k)]
                        item = int(in_taste[t][draw(cdf_taste[t])])
                        cause = "taste"
                    else:
                        item = draw(cdf_global)
                        cause = "popular"
                    if item not in seen and all(item != f for f, _ in due.values()):
                        break
                else:
                    continue
            seen.add(item)
            t_now += int(rng.exponential(2 * 86400)) + 60
            users.append(u + 1)
            items.append(item + 1)
            stamps.append(t_now)
            causes.append(cause if isinstance(cause, str) else str(cause + 1))
            if item in follow and follow[item] not in seen and rng.random() < cfg.follow_prob:
                delay = int(rng.integers(1, cfg.max_delay + 1))
                slots = [s for s in range(step + delay, step + cfg.max_delay + 1) if s not in due and s < length]
                if slots:  # the next free slot within reach; otherwise the trigger fizzles
                    due[slots[0]] = (follow[item], item)

    inter = pd.DataFrame({"user_id": np.array(users).astype(str), "item_id": np.array(items).astype(str),
                          "timestamp": np.array(stamps, dtype=np.int64), "cause": causes})
    item_df = make_items(np.arange(1, n_items + 1).astype(str), titles, cats)
    follow_col = [""] * n_items
    for trig, fu in follow.items():
        follow_col[trig] = str(fu + 1)
    item_df["follow_up"] = follow_col
    return Dataset(name="sample", interactions=inter, items=item_df, source="generated", fmt="sample")


def _atomic_csv(df: pd.DataFrame, path: str):
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)


def write_sample(ds: Dataset, folder: str = SAMPLE_DIR):
    os.makedirs(folder, exist_ok=True)
    _atomic_csv(ds.items, os.path.join(folder, "items.csv"))
    _atomic_csv(ds.interactions, os.path.join(folder, "interactions.csv"))


def read_sample(folder: str = SAMPLE_DIR) -> Dataset:
    """Read a folder in our own format (items.csv + interactions.csv with optional cause)."""
    inter = pd.read_csv(os.path.join(folder, "interactions.csv"), dtype={"user_id": str, "item_id": str, "cause": str})
    items = pd.read_csv(os.path.join(folder, "items.csv"), dtype=str, keep_default_na=False)
    inter["timestamp"] = inter["timestamp"].astype(np.int64)
    name = "sample" if os.path.abspath(folder) == os.path.abspath(SAMPLE_DIR) else os.path.basename(os.path.normpath(folder))
    return Dataset(name=name, interactions=inter, items=items, source=folder, fmt="sample")
