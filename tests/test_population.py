"""The population view's numbers (recsys_core.population) on a tiny hand-built model whose removal test
is known in closed form: its score is a sum of one number per (history item, candidate), so removing a
history item lowers a candidate's score by exactly that number. The because-of pairs, category flows
and look-back profile must equal a hand computation over the same users; the sweep must give the
Explain page's own influence for a user; the shop's precision@20 comes from the generator's truth."""
import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from recsys_core.claims.population import population_claims
from recsys_core.claims.verify import text_problems
from recsys_core.data.dataset import Dataset, make_items
from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.explain.planted import planted_for_model
from recsys_core.explain.user import explain_user
from recsys_core.models.baselines import MeanRecommender
from recsys_core.models.config import ModelConfig
from recsys_core.models.readout import AttentionReadout
from recsys_core.population.report import patterns
from recsys_core.population.sweep import sweep
from recsys_core.store.checkpoint import make_meta
from recsys_core.store.opened import Loaded, open_model

HISTORIES = {"u1": ["a", "b", "c"], "u2": ["b", "c", "d"], "u3": ["a", "d", "e", "b"], "u4": ["c", "e", "f"]}
CATEGORIES = {"a": "Cam", "b": "Cam", "c": "Lens", "d": "Lens", "e": "Book|Cam", "f": ""}
MAX_LEN = 5  # longer than every history: no item waits before the window
K = 2


class Additive(MeanRecommender):
    """score(history, c) = sum over history items h of W[h, c]; attention's soft weights: softmax over the
    history of A[h, c] (another matrix, so attention and the removal test can disagree)."""
    attention_has_focus = True

    def __init__(self, cfg, n_items, W, A):
        super().__init__(cfg, n_items)
        self.W, self.A = W, A

    def score(self, seq, candidates=None):
        if candidates is None:
            candidates = torch.arange(self.n_items + 1).expand(len(seq), -1)
        w = self.W[seq[:, :, None], candidates[:, None, :]] * (seq > 0)[:, :, None]  # (B, L, C)
        return w.sum(1)

    def explain(self, seq, candidates):
        a = self.A[seq[:, :, None], candidates[:, None, :]].transpose(1, 2)  # (B, C, L)
        soft = torch.softmax(a.masked_fill((seq == 0)[:, None, :], float("-inf")), -1)
        return AttentionReadout(weights=soft, soft=soft)


@pytest.fixture(scope="module")
def tiny():
    rows = [(u, i, t) for u, items in HISTORIES.items() for t, i in enumerate(items)]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    ids = sorted(CATEGORIES)
    ds = Dataset(name="tiny", interactions=inter, items=make_items(ids, [f"Item {i}" for i in ids],
                                                                  [CATEGORIES[i] for i in ids]))
    data = prepare(ds)
    n = data.n_items
    gen = torch.Generator().manual_seed(3)
    W = torch.randn(n + 1, n + 1, generator=gen).round(decimals=2)
    A = torch.randn(n + 1, n + 1, generator=gen)
    W[0] = 0
    cfg = ModelConfig(arch="mean", dim=4, max_len=MAX_LEN)
    model = Additive(cfg, n, W, A).eval()
    return Loaded(model, make_meta(model, data, cfg, dataset_spec="tiny"), data, "tiny"), W, A


def hand(data, W, A):
    """Every (user, recommendation, history item) by plain loops: (user, rec, hist, steps back, drop, soft)."""
    out = []
    for u in range(data.n_users):
        hist = [int(i) for i in data.seq(u)]
        scores = {c: sum(float(W[h, c]) for h in hist) for c in range(1, data.n_items + 1) if c not in hist}
        for c in sorted(scores, key=lambda c: -scores[c])[:K]:
            a = np.array([float(A[h, c]) for h in hist])
            soft = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
            for pos, h in enumerate(hist):
                out.append((u, c, h, len(hist) - pos, float(W[h, c]), float(soft[pos]), pos == int(np.argmax(soft)),
                            pos == int(np.argmax([float(W[x, c]) for x in hist]))))
    return out


def test_pairs_equal_a_hand_computation(tiny):
    loaded, W, A = tiny
    data = loaded.data
    p = patterns(loaded, k=K, explainers=[])
    rows = hand(data, W, A)
    want = {}
    for u, c, h, _, drop, _, att_top, rem_top in rows:
        e = want.setdefault((h, c), {"total": 0.0, "users": set(), "removal": 0, "attention": 0})
        e["total"] += drop
        e["users"].add(u)
        e["removal"] += rem_top and drop > 0
        e["attention"] += att_top
    positive = {key: e for key, e in want.items() if e["total"] > 1e-9}
    index = data.item_index()
    got = {(index[x.history_item], index[x.item]): x for x in p.pairs}
    assert set(got) == set(positive)
    for key, e in positive.items():
        x = got[key]
        assert x.influence == pytest.approx(e["total"], abs=1e-5)
        assert x.users == len(e["users"]) and x.top_by_removal == e["removal"] and x.top_by_attention == e["attention"]
    totals = [x.influence for x in p.pairs]
    assert totals == sorted(totals, reverse=True)
    assert p.recommendations == data.n_users * K and p.users == data.n_users


def test_one_pair_by_hand(tiny):
    """User u1 has a, b, c; of d, e, f the model recommends its top 2. Write the first pair out in full."""
    loaded, W, _ = tiny
    data = loaded.data
    i = data.item_index()
    a, b, c = i["a"], i["b"], i["c"]
    u1 = {x: sum(float(W[h, x]) for h in (a, b, c)) for x in (i["d"], i["e"], i["f"])}
    top = sorted(u1, key=lambda x: -u1[x])[:K]
    (chunk,) = list(sweep(loaded.model, data, MAX_LEN, np.array([data.user_index()["u1"]]), k=K))
    assert chunk.items[0].tolist() == top
    # Columns: the chunk keeps only as many as the longest history (3): a, b, c, oldest first.
    np.testing.assert_allclose(chunk.influence[0].numpy(), [[float(W[h, r]) for h in (a, b, c)] for r in top], atol=1e-6)


def test_flows_and_profile_equal_a_hand_computation(tiny):
    loaded, W, A = tiny
    data = loaded.data
    p = patterns(loaded, k=K, explainers=[])
    rows = hand(data, W, A)
    ids = {v: k for k, v in data.item_index().items()}

    def shares(item):
        cats = [x for x in CATEGORIES[ids[item]].split("|") if x] or ["(no category)"]
        return {x: 1 / len(cats) for x in cats}

    flow_i, flow_a = {}, {}
    for _, c, h, _, drop, soft, _, _ in rows:
        for x, sx in shares(h).items():
            for y, sy in shares(c).items():
                flow_i[x, y] = flow_i.get((x, y), 0.0) + drop * sx * sy
                flow_a[x, y] = flow_a.get((x, y), 0.0) + soft * sx * sy
    cats = p.flows.categories
    assert set(cats) == {"Cam", "Lens", "Book", "(no category)"}
    for (x, y), v in flow_i.items():
        assert p.flows.influence[cats.index(x)][cats.index(y)] == pytest.approx(v, abs=1e-5)
        assert p.flows.attention[cats.index(x)][cats.index(y)] == pytest.approx(flow_a[x, y], abs=1e-5)
    infl, soft, hard = np.zeros(MAX_LEN + 1), np.zeros(MAX_LEN + 1), np.zeros(MAX_LEN + 1)
    for _, _, _, back, drop, w, att_top, _ in rows:
        infl[back] += drop
        soft[back] += w
        hard[back] += att_top
    assert p.profile.influence == pytest.approx(list(infl[1:] / np.abs(infl[1:]).sum()), abs=1e-5)
    assert p.profile.soft == pytest.approx(list(soft[1:] / soft[1:].sum()), abs=1e-5)
    assert p.profile.hard == pytest.approx(list(hard[1:] / hard[1:].sum()), abs=1e-5)
    assert p.profile.reach[:4] == [8, 8, 8, 2] and p.profile.reach[4] == 0  # 4 users x 2 recs; only u3 has 4 items


def test_a_catalogue_without_categories_says_so(tiny):
    loaded, _, _ = tiny
    data = loaded.data
    bare = dataclasses.replace(data, categories=np.array([""] * (data.n_items + 1), dtype=object))
    p = patterns(Loaded(loaded.model, loaded.meta, bare, "tiny"), k=K, explainers=[])
    assert p.flows is None and not p.categories and p.slices.by_category == []
    assert any(c.kind == "no-categories" and "no categories" in c.text for c in population_claims(p))


@pytest.fixture(scope="module")
def shop():
    return load_sample()


def test_the_sweep_gives_the_explain_pages_influence(shop):
    """A user's row of the population is what the Explain page shows for that user (one ranking path, one
    removal rule), also for a history longer than the window (older items slide in)."""
    loaded = open_model("sample_data/models/self-soft/model.pt")
    data = loaded.data
    long = int(np.argmax(data.lengths()))
    assert data.lengths()[long] > loaded.max_len
    for u in (long, 5):
        (chunk,) = list(sweep(loaded.model, data, loaded.max_len, np.array([u]), k=5))
        expl = explain_user(loaded, data.user_ids[u], k=5)
        assert [data.item_index()[r.item_id] for r in expl.recommendations] == chunk.items[0].tolist()
        n = len(expl.history)
        for j, rec in enumerate(expl.recommendations):
            assert chunk.influence[0, j, -n:].tolist() == pytest.approx(rec.influence, abs=2e-4)


def test_precision_at_20_comes_from_the_generators_truth(shop):
    """The planted flag of every pair, and so precision@20, against items.csv's follow_up column read here."""
    loaded = open_model("sample_data/models/target-soft/model.pt")
    p = patterns(loaded, users=400, planted=planted_for_model(loaded), explainers=[])
    truth = {(trig, fu) for trig, fu in zip(shop.items["item_id"], shop.items["follow_up"]) if fu}
    for x in p.pairs:
        assert x.planted == ((x.history_item, x.item) in truth)
    top = p.pairs[:20]
    assert p.precision.k == 20 and p.precision.hits == sum((x.history_item, x.item) in truth for x in top)
    assert p.precision.hits >= 16, [(x.history_title, x.title) for x in top]  # target-soft finds the planted pairs
    assert p.profile.within("influence", 10) > 0.5  # where the generator put the follow-ups


@pytest.mark.parametrize("name", ["target-hard", "self-soft", "mean", "popular"])
def test_every_family_and_its_sentences(name):
    loaded = open_model(f"sample_data/models/{name}/model.pt")
    p = patterns(loaded, users=60, planted=planted_for_model(loaded))
    claims = population_claims(p)
    for c in claims:
        assert not text_problems(c), (c.text, text_problems(c))
    focus = loaded.model.has_attention and loaded.model.attention_has_focus
    assert p.has_attention == focus and (p.profile.soft is not None) == focus
    assert (p.flows.attention is not None) == focus
    assert p.has_layers == (name == "self-soft") and (p.profile.layers is not None) == (name == "self-soft")
    if not focus:
        assert any(c.kind == "trust" and ("no attention" in c.text or "uniform" in c.text) for c in claims)
    if name == "popular":  # ignores the history: nothing drives it, nothing to map
        assert p.pairs == [] and p.item_map is None and p.reach.popular_share_of_recommendations == 1.0
        assert any(c.kind == "drivers" and "does not drive" in c.text for c in claims)
    else:
        assert p.pairs and p.item_map is not None and len(p.item_map.x) == loaded.data.n_items
    doc = p.to_json()
    assert doc["users"] == 60 and doc["sample"] and doc["population"] == loaded.data.n_users
