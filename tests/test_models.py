"""Model behaviour: causality, exact target-attention scoring, checkpoints, the shared interface."""
import numpy as np
import pytest
import torch

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.errors import CheckpointError
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import (
    load_model,
    make_meta,
    read_checkpoint,
    save_checkpoint,
)
from recsys_core.training.batching import length_batches
from recsys_core.training.config import TrainConfig
from recsys_core.training.loop import train


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


@pytest.mark.parametrize("attention", ["soft", "hard", "sparsemax", "additive"])
def test_self_attention_is_causal(attention):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="self", attention=attention, dim=16, heads=2, max_len=8), 40).eval()
    with torch.no_grad():  # random queries, as after training (they start at zero: uniform attention)
        for blk in model.blocks:
            blk.attn.qkv.weight.normal_()
    seq = torch.tensor([[0, 0, 3, 4, 5, 6, 7, 8]])
    changed = seq.clone()
    changed[0, 6] = 20  # change a "future" item
    h1, h2 = model.encode(seq)[0], model.encode(changed)[0]
    assert torch.allclose(h1[:, :6], h2[:, :6], atol=1e-6)  # earlier positions untouched
    assert not torch.allclose(h1[:, 6:], h2[:, 6:])


@pytest.mark.parametrize("name", ["target-soft", "target-hard-w3", "target-additive", "self-soft", "self-hard", "mean"])
def test_dropping_left_padding_changes_no_score(name):
    """Training trims every batch to its longest window (and buckets batches by length):
    that is only sound if a history scores the same with or without its leading padding. (Models
    with a GRU/LSTM encoder are not padding-invariant and set trim_padding = False.)"""
    torch.manual_seed(0)
    arch, *rest = name.split("-")
    cfg = ModelConfig(arch=arch, attention=rest[0] if rest else "soft", dim=16, heads=2, max_len=12,
                      window=int(rest[1][1:]) if len(rest) > 1 else None)
    model = build_model(cfg, 40).eval()
    assert model.trim_padding
    with torch.no_grad():  # random queries, as after training (they start at zero: uniform attention)
        for p in model.parameters():
            p.normal_(0, 0.5)
    history = [3, 9, 27, 4, 15]
    padded = torch.tensor([[0] * 7 + history])
    trimmed = torch.tensor([history])
    assert torch.allclose(model.score(padded)[:, 1:], model.score(trimmed)[:, 1:], atol=1e-5)
    assert not build_model(ModelConfig(arch="target", encoder="gru"), 40).trim_padding


def test_length_batches_cover_every_window_once_and_group_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 52, 1000)
    batches = length_batches(lengths, 64, rng, pool=4)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    assert max(len(b) for b in batches) <= 64
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 0.25 * np.ptp(lengths)  # random batches of 64 span nearly the whole range


@pytest.mark.parametrize("attention", ["soft", "cosine", "hard"])
def test_target_score_equals_attention_output_dot_candidate(attention):
    """The fast path sum_l w_l (h_l . e_c) must equal the registry's (out = w @ v) . e_c exactly."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="target", attention=attention, dim=8, max_len=6), 30).eval()
    with torch.no_grad():
        model.wq.weight.normal_()
        model.recency.weight.normal_()
    seq = torch.tensor([[0, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6]])
    cand = torch.tensor([[9, 10, 11], [12, 13, 14]])
    fast = model.score(seq, cand)
    keys, values, valid, _ = model.encode(seq)  # the fourth: attribute ids (None without item features)
    e = model.item(cand)  # (B, C, D)
    qpos = torch.full((2, 1), 5)
    mask, bias = model._mask_bias(valid, qpos)
    out, w = model.attn(model.wq(e)[:, None], keys[:, None], values[:, None], mask, bias)  # registry signature
    slow = (out[:, 0] * e).sum(-1) + model.bias(cand).squeeze(-1)
    assert torch.allclose(fast, slow, atol=1e-5)
    assert torch.allclose(model.explain(seq, cand).weights, w[:, 0], atol=1e-6)


@pytest.mark.parametrize("arch", ["target", "self", "mean", "popular"])
def test_every_family_trains_scores_and_explains(data, arch):
    cfg = ModelConfig(arch=arch, dim=16, max_len=20)
    model = build_model(cfg, data.n_items)
    res = train(model, data, TrainConfig(epochs=1, batch_size=256, seed=1, eval_users=100))
    seq = torch.tensor([[0] * 15 + [1, 2, 3, 4, 5]])
    scores = model.score(seq)
    assert scores.shape == (1, data.n_items + 1) and scores[0, 0] == float("-inf")
    expl = model.explain(seq, torch.tensor([[6, 7]]))
    if arch == "popular":
        assert expl is None and res.stopped == "not-trainable"
    else:
        assert expl.weights.shape == (1, 2, 20)
        assert torch.allclose(expl.weights.sum(-1), torch.ones(1, 2), atol=1e-5)
        assert torch.all(expl.weights[..., :15] == 0)


def test_checkpoint_roundtrip_gives_identical_scores(data, tmp_path):
    cfg = ModelConfig(arch="target", attention="hard", dim=16, max_len=20)
    model = build_model(cfg, data.n_items)
    train(model, data, TrainConfig(epochs=1, batch_size=256, eval_users=100))
    path = str(tmp_path / "model.pt")
    save_checkpoint(path, model, make_meta(model, data, cfg))
    again, meta = load_model(path, data)
    seq = torch.tensor([[0] * 10 + list(range(1, 11))])
    assert torch.equal(model.eval().score(seq), again.score(seq))
    assert meta.model_name == "target-hard" and meta.dataset.fingerprint == data.fingerprint
    assert len(meta.ids.item_ids) == data.n_items and meta.ids.user_ids == [str(u) for u in data.user_ids]


def test_self_models_saved_before_the_recency_bias_still_load_and_score_as_before(data, tmp_path):
    cfg = ModelConfig(arch="self", dim=16, max_len=20)
    model = build_model(cfg, data.n_items, seed=0).eval()
    with torch.no_grad():
        model.recency.weight.zero_()  # what the older model computed: no recency term
    path = str(tmp_path / "model.pt")
    save_checkpoint(path, model, make_meta(model, data, cfg))
    blob = torch.load(path, weights_only=True)
    del blob["state_dict"]["recency.weight"]  # as an older checkpoint has it
    torch.save(blob, path)
    again, _ = load_model(path, data)
    seq = torch.tensor([[0] * 10 + list(range(1, 11))])
    assert torch.equal(model.score(seq), again.score(seq))


def test_checkpoint_refusals(data, tmp_path):
    cfg = ModelConfig(arch="mean", dim=8)
    model = build_model(cfg, data.n_items)
    path = tmp_path / "model.pt"
    save_checkpoint(str(path), model, make_meta(model, data, cfg))
    other = prepare(load_sample())
    other.fingerprint = "0000"
    with pytest.raises(CheckpointError, match="trained on dataset"):
        load_model(str(path), other)
    trunc = tmp_path / "trunc.pt"
    trunc.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        read_checkpoint(str(trunc))
    alien = tmp_path / "alien.pt"
    torch.save({"weights": torch.zeros(2)}, alien)
    with pytest.raises(CheckpointError, match="not an Attention Lens checkpoint"):
        read_checkpoint(str(alien))
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError):
        read_checkpoint(str(text))
    with pytest.raises(CheckpointError, match="no checkpoint there"):
        read_checkpoint(str(tmp_path / "missing"))


def test_model_names():
    assert ModelConfig(arch="target", attention="hard", window=5).name == "target-hard-w5"
    assert ModelConfig(arch="target", attention="additive", encoder="gru").name == "target-additive-gru"
    assert ModelConfig(arch="self", attention="soft").name == "self-soft"
    assert ModelConfig(arch="popular", attention="hard").name == "popular"


def test_training_can_be_cancelled_between_steps(data):
    import threading
    cfg = ModelConfig(arch="self", dim=16, max_len=20)
    model = build_model(cfg, data.n_items)
    cancel = threading.Event()
    seen = []

    def callback(p):
        seen.append(p)
        if p.phase == "eval":
            cancel.set()

    res = train(model, data, TrainConfig(epochs=50, batch_size=64, eval_users=100, min_eval_steps=1),
                callback=callback, cancel=cancel)
    assert res.stopped == "cancelled" and res.best_epoch == 1
    assert not any(p.phase == "train" and p.epoch > 2 for p in seen)


def test_negatives_default_per_family():
    # target attention pays for every negative across the whole history; the others barely do.
    assert TrainConfig().resolved_negatives("target") == 100
    assert TrainConfig().resolved_negatives("self") == 256
    assert TrainConfig(negatives=64).resolved_negatives("target") == 64


def test_self_attention_on_large_catalogues_defaults_to_the_smaller_learning_rate():
    # 1e-2 made self-soft diverge on ml-latest-small's 9,724 items; on the embedded data self uses 5e-3.
    assert TrainConfig().resolved_lr("self", n_items=354) == 5e-3
    assert TrainConfig().resolved_lr("self", n_items=9724) == 1e-3
    assert TrainConfig().resolved_lr("target", n_items=9724) == 1e-2
    assert TrainConfig(lr=0.02).resolved_lr("self", n_items=9724) == 0.02


@pytest.mark.parametrize("arch", ["self", "mean", "target"])
def test_sampled_loss_pushes_down_different_negatives_for_each_sequence(arch):
    """With negatives shared by the whole batch, a step touched only S items of a large catalogue,
    and most items went dozens of steps without a gradient (bce then beat the sampled softmax; target
    attention on ml-latest-small peaked after one epoch, below the `mean` baseline)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, dim=8, max_len=4), 5000)
    seq = torch.randint(1, 5001, (16, 4))
    targets = torch.randint(1, 5001, (16, 4))
    _, loss = model(seq, targets, loss="sampled", negatives=8)
    loss.backward()
    scored = int((model.bias.weight.grad[:, 0] != 0).sum())  # only scored items (targets, negatives) get a bias gradient
    assert scored > 8 + targets.numel()  # more than one shared set of 8 negatives plus every target


def test_sampled_loss_matches_a_per_position_reference_with_padding():
    """Per-sequence negatives: padding positions are left out and a negative that is the target
    itself is masked, exactly as a loop over the real positions computes it."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="self", dim=8, max_len=5), 6).eval()
    seq = torch.tensor([[0, 0, 3, 1, 4], [2, 5, 6, 1, 3]])
    targets = torch.tensor([[0, 0, 1, 4, 2], [5, 6, 1, 3, 4]])
    torch.manual_seed(1)
    _, loss = model(seq, targets, loss="sampled", negatives=4)
    torch.manual_seed(1)
    negs = torch.randint(1, 7, (2, 4))  # the same draw the model made
    h = model.encode(seq)[0]
    E, b = model.item.weight, model.bias.weight[:, 0]
    losses, hits = [], 0
    for i in range(2):
        for j in range(5):
            t = int(targets[i, j])
            if t == 0:
                continue
            others = [int(n) for n in negs[i] if int(n) != t]
            hits += 4 - len(others)
            logits = torch.stack([h[i, j] @ E[t] + b[t]] + [h[i, j] @ E[n] + b[n] for n in others])
            losses.append(-torch.log_softmax(logits, 0)[0])
    assert hits > 0  # the check covers masking a negative that is the target
    assert torch.allclose(loss, torch.stack(losses).mean(), atol=1e-5)


def test_target_attention_shares_negatives_only_while_they_cover_a_tenth_of_the_catalogue():
    # Shared negatives are one matrix product: cheaper where they reach enough of the catalogue.
    assert build_model(ModelConfig(arch="target", dim=8), 354).shares_negatives(100)  # the embedded data
    assert not build_model(ModelConfig(arch="target", dim=8), 1682).shares_negatives(100)  # ML-100K
    assert build_model(ModelConfig(arch="target", dim=8), 1682).shares_negatives(200)


def test_target_sampled_loss_per_target_matches_a_reference_with_padding(monkeypatch):
    """Per-target negatives for target attention: each drawn position scores its own positive and
    negatives against the history up to it, a negative equal to the target is masked, and padding
    positions are never drawn, exactly as scoring each prefix on its own computes it."""
    import recsys_core.models.target as target_module
    monkeypatch.setattr(target_module, "SHARED_NEGATIVES_MIN_COVERAGE", 1.0)  # per target even on 6 items
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="target", dim=8, max_len=5), 6).eval()
    seq = torch.tensor([[0, 0, 3, 1, 4], [2, 5, 6, 1, 3]])
    targets = torch.tensor([[0, 0, 1, 4, 2], [5, 6, 1, 3, 4]])
    assert not model.shares_negatives(4)
    torch.manual_seed(1)
    _, loss = model(seq, targets, loss="sampled", negatives=4)
    torch.manual_seed(1)  # the same draws the model made: positions, then negatives
    qpos = torch.rand(2, 5).masked_fill(targets == 0, -1.0).topk(2, dim=1).indices
    negs = torch.randint(1, 7, (2, 2, 4))
    losses, hits = [], 0
    for i in range(2):
        for j in range(2):
            p = int(qpos[i, j])
            t = int(targets[i, p])
            assert t > 0  # two real positions per window, so padding never wins the draw
            others = [int(n) for n in negs[i, j] if int(n) != t]
            hits += 4 - len(others)
            logits = model.score(seq[i:i + 1, :p + 1], torch.tensor([t] + others))[0]
            losses.append(-torch.log_softmax(logits, 0)[0])
    assert hits > 0  # the check covers masking a negative that is the target
    assert torch.allclose(loss, torch.stack(losses).mean(), atol=1e-5)


@pytest.mark.parametrize("field", ["smoothing", "weight_average", "min_improvement"])
def test_averaging_weights_outside_their_range_are_refused_with_a_message(data, field):
    # At 1 the smoothed curve (or the averaged weights) would never move from where they started,
    # and a gain would have to double the best to count as an improvement.
    from recsys_core.errors import UserError
    model = build_model(ModelConfig(arch="mean", dim=8, max_len=5), data.n_items)
    with pytest.raises(UserError, match=field):
        train(model, data, TrainConfig(**{field: 1.0}))


def test_weight_average_ramps_up_to_its_decay_and_leaves_the_trained_model_alone():
    from recsys_core.training.averaging import WeightAverage
    live = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(live.weight)
    avg = WeightAverage(live, decay=0.5)
    with torch.no_grad():
        live.weight.fill_(1.0)
    avg.update()  # weight on the past min(0.5, 2/11): the average moves 9/11 of the way
    assert avg.model.weight.item() == pytest.approx(9 / 11)
    for _ in range(20):
        avg.update()  # from here on the weight on the past is capped at 0.5
    with torch.no_grad():
        live.weight.fill_(3.0)
    before = avg.model.weight.item()
    avg.update()
    assert avg.model.weight.item() == pytest.approx(before + 0.5 * (3.0 - before))
    assert live.weight.item() == 3.0  # averaging never writes into the model being trained


def test_training_keeps_the_averaged_weights_it_validated(data):
    # The kept model is the one early stopping judged: re-validating it gives the best recorded score.
    from recsys_core.training.evaluate import evaluate
    cfg = ModelConfig(arch="target", dim=16, max_len=10)
    model = build_model(cfg, data.n_items, seed=3)
    tc = TrainConfig(epochs=3, min_eval_steps=1, eval_users=10 ** 6, weight_average=0.9, seed=3)
    res = train(model, data, tc)
    users = np.arange(data.n_users)  # eval_users above the user count: every user validates
    again = evaluate(model, data, ("full",), split="valid", ks=(10,), users=users, max_len=cfg.max_len)["full"]
    assert again["ndcg@10"] == pytest.approx(res.best_ndcg_at_10, abs=1e-6)
    # ... and it is an average, not the last iterate: the same run unaveraged keeps other weights.
    plain = build_model(cfg, data.n_items, seed=3)
    train(plain, data, TrainConfig(epochs=3, min_eval_steps=1, eval_users=10 ** 6, weight_average=0, seed=3))
    # (by far more than CPU float rounding, which moves same-seed runs by ~1e-6)
    assert (model.item.weight - plain.item.weight).abs().max() > 1e-3


def test_a_seed_fixes_the_initial_weights_whatever_ran_before():
    cfg = ModelConfig(arch="self", dim=8, max_len=5)
    first = build_model(cfg, 30, seed=7).state_dict()
    torch.rand(100)  # anything else drawing random numbers in between (another model, the app)
    again = build_model(cfg, 30, seed=7).state_dict()
    assert all(torch.equal(first[k], again[k]) for k in first)


def test_turning_weight_averaging_off_brings_back_the_smoothed_stopping_rule():
    # Raw stopping is only safe on the averaged weights' smooth curve; the last weights' curve is noisy.
    assert TrainConfig(weight_average=0).resolved_averaging("target") == (0.0, 0.5)
    assert TrainConfig(weight_average=0.9).resolved_averaging("self") == (0.9, 0.0)
    assert TrainConfig(weight_average=0, smoothing=0.2).resolved_averaging("target") == (0.0, 0.2)


def test_shared_candidate_logits_equal_the_broadcast_matmul():
    from recsys_core.models.attention import pairwise_dot
    torch.manual_seed(0)
    k = torch.randn(5, 1, 7, 4)
    for q in (torch.randn(1, 1, 3, 4), torch.randn(5, 2, 3, 4), torch.randn(1, 1, 7, 4)):
        assert pairwise_dot(q, k).shape == torch.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (q.shape[-2], 7)
        assert torch.allclose(pairwise_dot(q, k), q @ k.transpose(-1, -2), atol=1e-6)


def test_random_pool_hands_out_fresh_slices_shaped_like_the_request():
    from recsys_core.models.random_pool import RandomPool
    pool = RandomPool(lambda n, device: torch.rand(n, device=device), size=1000)
    like = torch.empty(3, 4, dtype=torch.float64)
    a, b = pool.take(like), pool.take(like)
    assert a.shape == like.shape and a.dtype == torch.float64 and a.device == like.device
    assert not torch.equal(a, b)  # different offsets (equal only with a 1-in-989 chance per draw)
    assert pool.take(torch.empty(600)).shape == (600,)  # larger than half the pool: the pool grows


def test_hard_target_attention_starts_on_the_latest_items():
    model = build_model(ModelConfig(arch="target", attention="hard", max_len=6), 20)
    prior = model.recency.weight[:, 0]  # logit bias by steps back from the query
    assert bool((prior[1:] < prior[:-1]).all())
    assert bool((build_model(ModelConfig(arch="target", max_len=6), 20).recency.weight == 0).all())


def test_self_attention_starts_on_the_recent_past_and_learns_how_far_back_to_look():
    model = build_model(ModelConfig(arch="self", max_len=6, heads=2, dim=8), 20, seed=0).eval()
    seq = torch.tensor([[0, 3, 4, 5, 6, 7]])
    first = model.explain(seq, torch.tensor([[1]])).maps[0][0, :, -1]  # (H, L): layer 1, last position
    # Queries start at zero, so only the recency bias ranks the keys: later items weigh more, padding 0.
    assert bool((first[:, 1:].diff(dim=-1) > 0).all()) and bool((first[:, 0] == 0).all())
    _, loss = model.train()(seq[:, :-1], seq[:, 1:])
    loss.backward()
    assert model.recency.weight.grad.abs().sum() > 0  # a parameter, moved by training like the rest


def test_early_stop_needs_a_real_gain_to_reset_its_patience():
    from recsys_core.training.early_stop import EarlyStop
    creeping = [0.10, 0.20, 0.2005, 0.2008, 0.2010]  # at its level after the second validation
    strict = EarlyStop(patience=3, min_improvement=0.01)
    assert [strict.update(s) for s in creeping] == [False, False, False, False, True]
    lenient = EarlyStop(patience=3, min_improvement=0.0)  # every new high restarts the patience
    assert not any(lenient.update(s) for s in creeping)
    lucky = [0.10, 0.20, 0.16, 0.17, 0.18]  # one lucky score, then steady progress
    raw = EarlyStop(patience=3)
    assert [raw.update(s) for s in lucky][-1]  # the lucky score set a bar that progress has not reached
    smoothed = EarlyStop(patience=3, smoothing=0.5)
    assert not any(smoothed.update(s) for s in lucky)


def test_self_validates_every_short_epoch_while_target_waits_for_enough_steps(data):
    # 31 steps an epoch on the embedded data at max_len 50 (a window every 10 items): `self`
    # validates after each (a validation costs it ~3 steps), `target` after every second one
    # unless it is the last.
    validated = {}
    for arch in ("self", "target"):
        cfg = ModelConfig(arch=arch, dim=8, max_len=50)
        res = train(build_model(cfg, data.n_items, seed=0), data, TrainConfig(epochs=3, eval_users=50))
        validated[arch] = [h.epoch for h in res.history]
    assert validated == {"self": [1, 2, 3], "target": [2, 3]}
    assert TrainConfig(min_eval_steps=1).resolved_min_eval_steps("target") == 1  # an explicit value wins


def test_self_hard_shows_the_argmax_of_its_own_soft_view(data):
    model = build_model(ModelConfig(arch="self", attention="hard", dim=8, max_len=8, heads=2), data.n_items, seed=0)
    expl = model.eval().explain(torch.tensor([[0, 0, 3, 4, 5, 6, 7, 8]]), torch.tensor([[1]]))
    for w, soft in zip(expl.maps, expl.soft_maps):  # every layer: bias included in both views
        valid = soft.sum(-1) > 0
        assert torch.equal(w.argmax(-1)[valid], soft.argmax(-1)[valid])
        assert set(w.unique().tolist()) <= {0.0, 1.0}


def test_training_stops_once_gains_fall_below_the_required_margin(data):
    # patience 1, validating every epoch: with a 90% margin no second validation can count as a gain.
    cfg = ModelConfig(arch="mean", dim=16, max_len=20)
    tc = dict(epochs=4, patience=1, min_eval_steps=1, eval_users=300)
    strict = train(build_model(cfg, data.n_items, seed=0), data, TrainConfig(min_improvement=0.9, **tc))
    assert strict.stopped == "early" and [h.epoch for h in strict.history] == [1, 2]
    lenient = train(build_model(cfg, data.n_items, seed=0), data, TrainConfig(min_improvement=0.0, **tc))
    assert len(lenient.history) > 2  # the same run while its validation still rises
