"""The embedded dataset: reproducible from code, the story it promises, and planted causes in the files."""
import pandas as pd

from recsys_core.data.loaders import load_sample
from recsys_core.data.sample import SAMPLE_DIR, SampleConfig, generate, read_sample
from recsys_core.data.stats import compute_stats


def test_generator_reproduces_committed_files():
    committed = read_sample(SAMPLE_DIR)
    fresh = generate(SampleConfig())
    pd.testing.assert_frame_equal(committed.interactions.reset_index(drop=True), fresh.interactions, check_dtype=False)
    pd.testing.assert_frame_equal(committed.items.reset_index(drop=True), fresh.items, check_dtype=False)


def test_size_and_shape_match_the_story():
    s = compute_stats(load_sample())
    assert 300 <= s.items <= 600
    assert 1000 <= s.users <= 2000
    assert s.seq_len["min"] >= 10 and s.seq_len["max"] <= 60
    assert 0.08 <= s.causes["trigger"] <= 0.3  # triggers are a visible but minor share
    titles = set(load_sample().items["title"])
    assert any(t.startswith("Mirrorless Camera") for t in titles)
    assert any(t.startswith("Telephoto Lens 70-200 for") for t in titles)


def test_planted_triggers_are_recoverable_from_the_files():
    ds = read_sample(SAMPLE_DIR)
    inter, items = ds.interactions, ds.items
    follow_of = {r.item_id: r.follow_up for r in items.itertuples() if r.follow_up}
    category = dict(zip(items["item_id"], items["category"]))
    triggered = inter[~inter["cause"].isin(["taste", "popular"])]
    assert len(triggered) > 1000
    back_steps, last_item = [], 0
    for _user, g in inter.groupby("user_id", sort=False):
        seq = list(g["item_id"])
        for pos, (item, cause) in enumerate(zip(seq, g["cause"])):
            if cause in ("taste", "popular"):
                continue
            assert follow_of[cause] == item  # the cause is that item's documented trigger
            trig_pos = seq.index(cause)
            assert trig_pos < pos  # ... consumed earlier by the same user
            back_steps.append(pos - trig_pos)
            last_item += pos - trig_pos == 1
    assert min(back_steps) >= 1 and max(back_steps) <= 10
    assert last_item / len(back_steps) < 0.3  # the trigger is usually not the last item
    # Follow-ups mostly sit outside any taste category, so taste alone cannot explain them.
    outside = triggered["item_id"].map(category).isin(["Lenses", "Video Games", "Running Gear", "Kitchen Supplies",
                                                        "Camping Gear", "Music Accessories", "Computer Accessories"])
    assert outside.mean() > 0.7


def test_scale_factor_grows_the_catalogue():
    small = generate(SampleConfig(scale=2, users=40))
    assert len(small.items) > 650
    assert small.interactions["user_id"].nunique() == 55  # users grow at 0.37 the rate: 40 * 1.37
