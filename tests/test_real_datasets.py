"""Loading the real MovieLens files: exact counts and correctly decoded titles."""
from recsys_core.data.loaders import load_path
from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import list_datasets, load_dataset
from recsys_core.data.stats import compute_stats


def test_ml100k_counts_and_titles(ml100k):
    ds = load_path(str(ml100k))
    s = compute_stats(ds)
    assert (s.users, s.items, s.interactions) == (943, 1682, 100_000)
    titles = ds.titles()
    assert titles["1"] == "Toy Story (1995)"
    assert titles["1682"] == "Scream of Stone (Schrei aus Stein) (1991)"
    assert "Comedy" in ds.items.set_index("item_id").loc["1", "category"]
    assert s.has_ratings


def test_ml_latest_small_counts(ml_latest_small):
    ds = load_path(str(ml_latest_small))
    s = compute_stats(ds)
    assert (s.users, s.interactions) == (610, 100_836)
    assert s.items == 9724 and s.catalogue_items == 9742 and s.never_interacted == 18
    assert ds.titles()["1"] == "Toy Story (1995)"
    assert ds.titles()["29"] == "City of Lost Children, The (Cité des enfants perdus, La) (1995)"  # quoted, UTF-8


def test_names_resolve_in_the_data_dir(ml100k):
    ds = load_dataset("ml-100k", str(ml100k.parent))
    assert ds.name == "ml-100k"
    names = [a.name for a in list_datasets(str(ml100k.parent))]
    assert names[0] == "sample" and "ml-100k" in names and "ml-latest-small" in names


def test_equal_timestamps_keep_file_order(ml100k):
    ds = load_path(str(ml100k))
    p = prepare(ds)
    # Three quarters of ML-100K events share a timestamp with another of the same user;
    # sorting must be stable, so within equal times the original u.data order holds.
    raw = ds.interactions
    u = raw["user_id"].iloc[0]
    g = raw[raw["user_id"] == u]
    assert (g["timestamp"].diff().dropna() >= 0).all()
    assert p.n_users == 943 and p.n_items == 1682
