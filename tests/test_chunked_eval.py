"""Evaluation goes through users in chunks with seen items from a CSR, and the chunking changes nothing:
the same ranks and metrics at any chunk size, the same ranks as a brute-force count, and the same
SASRec candidates as the per-draw loop they replace."""
import numpy as np
import pytest

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import (
    Prepared,
    PrepConfig,
    prepare,
    seen_items,
    split_ends,
)
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.training.batching import item_counts
from recsys_core.training.evaluate import (
    chunk_for,
    evaluate,
    rank_targets,
    sampled_candidates,
)


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


def tiny(seqs: list[list[int]], n_items: int) -> Prepared:
    """A Prepared from item-index sequences, by hand."""
    items = np.array([i for s in seqs for i in s], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    ids = np.array([""] + [str(i) for i in range(1, n_items + 1)], dtype=object)
    return Prepared(name="tiny", user_ids=np.array([str(u) for u in range(len(seqs))], dtype=object), item_ids=ids,
                    titles=ids, categories=ids, items=items, offsets=offsets, times=np.arange(len(items)),
                    ratings=None, causes=None, config=PrepConfig(), fingerprint="", notices=[])


def test_seen_items_is_each_users_distinct_items_sorted():
    d = tiny([[3, 1, 3, 2], [5, 5, 4], [1, 2, 6, 6, 1]], n_items=6)
    seen = seen_items(d)
    assert seen.indices.dtype == np.int32
    assert [seen.row(r).tolist() for r in range(3)] == [[1, 2, 3], [4, 5], [1, 2, 6]]
    sub = seen_items(d, np.array([2, 0]))  # rows follow the users asked, in their order
    assert [sub.row(r).tolist() for r in range(2)] == [[1, 2, 6], [1, 2, 3]]
    rows, cols = seen.pairs(np.array([1, 2]))
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 4), (0, 5), (1, 1), (1, 2), (1, 6)]


@pytest.mark.parametrize("arch", ["self", "mean"])
def test_any_chunk_size_gives_exactly_the_unchunked_metrics(data, arch):
    model = build_model(ModelConfig(arch=arch, dim=16, max_len=20), data.n_items, seed=3).eval()
    users = np.arange(0, data.n_users, 8)
    whole = evaluate(model, data, users=users, max_len=20, chunk_users=len(users))
    for chunk in (3, 16):
        assert evaluate(model, data, users=users, max_len=20, chunk_users=chunk) == whole
    ranks = [rank_targets(model, data, "valid", "full", users, 20, batch_size=b) for b in (5, len(users))]
    assert np.array_equal(ranks[0], ranks[1])


def test_full_ranks_match_a_brute_force_count(data):
    """Popularity scores tie a lot: each tie counts half, seen items and padding never count."""
    model = build_model(ModelConfig(arch="popular"), data.n_items, seed=0).eval()
    model.fit_statistics(item_counts(data))
    users = np.arange(0, data.n_users, 5)
    got = rank_targets(model, data, "test", "full", users, 20, batch_size=4)
    pop = np.log1p(item_counts(data).numpy())
    ends, targets = split_ends(data, "test")
    want = []
    for u in users:
        others = np.setdiff1d(np.arange(1, data.n_items + 1), data.seq(u))
        t = pop[targets[u]]
        want.append((pop[others] > t).sum() + (pop[others] == t).sum() / 2)
    assert np.array_equal(got, np.array(want, dtype=np.float32))


def _candidates_one_draw_at_a_time(data, users, n=100, seed=0):
    """The per-draw loop the vectorised sampler replaced: the SASRec protocol's candidates as published."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(users), n), dtype=np.int64)
    for row, u in enumerate(users):
        seen = set(data.seq(u).tolist())
        if len(seen) + n > data.n_items:
            pool = np.setdiff1d(np.arange(1, data.n_items + 1), np.fromiter(seen, np.int64))
            out[row] = rng.choice(pool, n, replace=len(pool) < n) if len(pool) else 1
            continue
        got = []
        while len(got) < n:
            for c in rng.integers(1, data.n_items + 1, 2 * n):
                if c not in seen:
                    seen.add(int(c))
                    got.append(c)
                    if len(got) == n:
                        break
        out[row] = got
    return out


def test_sampled_candidates_are_the_same_as_drawn_one_at_a_time(data):
    users = np.arange(0, data.n_users, 2)
    assert np.array_equal(sampled_candidates(data, users, seed=5), _candidates_one_draw_at_a_time(data, users, seed=5))
    # A catalogue barely larger than the histories: several blocks of draws per user, and the small-pool branch.
    d = tiny([[1, 2, 3, 4, 5, 6, 7, 8], [2, 4, 6], [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]], n_items=112)
    assert np.array_equal(sampled_candidates(d, np.arange(3), seed=1), _candidates_one_draw_at_a_time(d, np.arange(3), seed=1))


def test_a_chunks_scores_stay_under_the_budget():
    assert chunk_for(354) == 128  # small catalogues: the usual chunk
    assert chunk_for(10_000_000) == 1  # 40 MB a user: one at a time
    assert 4 * chunk_for(500_000) * 500_001 <= 64 * 2 ** 20


def test_sampled_protocol_never_offers_a_seen_item(data):
    users = np.arange(data.n_users)
    cands = sampled_candidates(data, users)
    for row, u in enumerate(users[:200]):
        assert not set(cands[row]) & set(data.seq(u).tolist())
        assert len(set(cands[row])) == 100
