"""`self`'s data-dependent default: a skip connection around the last block's attention (last_skip) where
histories are short, chosen from the measured data, recorded in the checkpoint, said by the explanation;
and today's model everywhere else (the embedded shop, MovieLens, every checkpoint saved before it)."""
import json
from collections import Counter

import pytest
import torch

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import DataProfile, ModelConfig
from recsys_core.models.selfattn import SHORT_HISTORY
from recsys_core.store.checkpoint import load_model, make_meta, save_checkpoint
from tests.conftest import SHARED, need


@pytest.fixture(scope="module")
def shop():
    return prepare(load_sample())


def profile(median):
    return DataProfile(users=1000, items=5000, median_history=median)


@pytest.mark.parametrize("median, skip", [(6, True), (SHORT_HISTORY, True), (SHORT_HISTORY + 1, False), (33, False)])
def test_the_skip_is_chosen_by_the_median_history_length(median, skip):
    choice = ModelConfig(arch="self").family.resolve(ModelConfig(arch="self"), profile(median))
    value, why = choice["last_skip"]
    assert value is skip and f"{median:g} interactions" in why


def test_a_setting_given_is_kept_and_other_families_choose_nothing():
    for given in (True, False):
        cfg = ModelConfig(arch="self", last_skip=given)
        assert cfg.family.resolve(cfg, profile(6)) == {}
    assert ModelConfig(arch="target").family.resolve(ModelConfig(arch="target"), profile(6)) == {}


@pytest.mark.parametrize("arch, items, median, loss", [
    ("self", 12_101, 6, "full"),  # Amazon Beauty
    ("self", 18_357, 6, "full"),  # Amazon Sports
    ("self", 20_001, 6, "sampled"),  # too many items to score them all every step
    ("self", 9_724, 70, "sampled"),  # ml-latest-small: not sparse, today's loss
    ("self", 1_682, 65, "full"),  # ml-100k: a small catalogue, as before
    ("target", 12_101, 6, "sampled"),  # target attention's cost grows with candidates x history
])
def test_auto_loss_takes_the_full_softmax_on_sparse_data_for_self_only(arch, items, median, loss):
    from recsys_core.training.config import TrainConfig
    family = ModelConfig(arch=arch).family
    assert TrainConfig().resolved_loss(items, family, median) == loss
    assert TrainConfig(loss="sampled").resolved_loss(items, family, median) == "sampled"  # a loss given is kept
    assert TrainConfig().resolved_loss(items, family) == ("full" if items <= 2000 else "sampled")  # no profile


def test_the_embedded_shop_resolves_to_todays_model(shop):
    cfg, why = ModelConfig(arch="self").resolved_for(shop)
    assert cfg.last_skip is False and cfg.name == "self-soft" and "no skip connection" in why[0]
    assert "last_skip" not in cfg.to_dict()  # the saved metadata is what it was before the setting existed


@pytest.mark.parametrize("folder", ["ml-100k", "ml-latest-small"])
def test_movielens_resolves_to_todays_model(folder):
    data = prepare(load_dataset(str(need(SHARED / folder, folder))))
    assert ModelConfig(arch="self").resolved_for(data)[0].last_skip is False


def test_amazon_beauty_keeps_the_skip():
    data = prepare(load_dataset(str(need(SHARED / "amazon-beauty" / "Beauty.txt", "Amazon Beauty"))))
    cfg, why = ModelConfig(arch="self").resolved_for(data)
    assert cfg.last_skip is True and cfg.name == "self-soft-skip" and "6 interactions" in why[0]


def test_the_skip_is_refused_for_a_family_without_it():
    with pytest.raises(Exception, match="last_skip True: is not available for the target family"):
        ModelConfig(arch="target", last_skip=True).validate()


def test_without_the_skip_the_prediction_is_only_what_attention_gathered():
    """Silence the last block's attention output: without the skip every history gives the same
    prediction; with it, the last item still reaches the prediction."""
    seqs = torch.tensor([[0, 3, 4, 5], [0, 7, 8, 9]])
    for skip, differ in ((False, False), (True, True)):
        model = build_model(ModelConfig(arch="self", dim=16, max_len=4, dropout=0.0, last_skip=skip), 20, seed=0).eval()
        with torch.no_grad():
            model.blocks[-1].attn.proj.weight.zero_()
            model.blocks[-1].attn.proj.bias.zero_()
            scores = model.score(seqs)
        assert (not torch.allclose(scores[0], scores[1])) is differ


def test_the_explanation_says_what_the_row_accounts_for():
    seq, cand = torch.tensor([[0, 3, 4, 5]]), torch.tensor([[6, 7]])
    plain = build_model(ModelConfig(arch="self", dim=16, max_len=4), 20, seed=0).eval()
    skip = build_model(ModelConfig(arch="self", dim=16, max_len=4, last_skip=True), 20, seed=0).eval()
    assert "does not account for the whole prediction" in skip.explained_by
    assert "account" not in plain.explained_by and "shared by all recommendations" in plain.explained_by
    assert skip.explain(seq, cand).residual_last and not plain.explain(seq, cand).residual_last


def test_the_choice_is_saved_and_checkpoints_without_it_load_as_trained(shop, tmp_path):
    seq = torch.tensor([[0] * 10 + list(range(1, 11))])
    for skip in (True, False):
        cfg = ModelConfig(arch="self", dim=16, max_len=20, last_skip=skip)
        model = build_model(cfg, shop.n_items, seed=0).eval()
        path = str(tmp_path / f"{skip}.pt")
        save_checkpoint(path, model, make_meta(model, shop, cfg))
        again, meta = load_model(path, shop)
        assert meta.model_config.last_skip is skip and meta.model_name == cfg.name
        assert torch.equal(model.score(seq), again.score(seq))
        saved = json.loads(torch.load(path, weights_only=True)["meta"])["model_config"]
        assert ("last_skip" in saved) is skip  # off: the metadata every older checkpoint has


def dense_slice(path, users=2000, top=1000):
    """The first `users` users of Beauty whose purchases are at least 80% among its `top` most bought
    items: a corner of the shop dense enough for a few seconds of training to learn from (the first
    2,000 users alone hold 8,017 items, mostly bought once or twice, where popularity wins for minutes)."""
    lines = need(SHARED / "amazon-beauty" / "Beauty.txt", "Amazon Beauty").read_text().splitlines()
    counts = Counter(item for line in lines for item in line.split()[1:])
    popular = {item for item, _ in counts.most_common(top)}
    kept = [line for line in lines if sum(i in popular for i in line.split()[1:]) >= 0.8 * len(line.split()[1:])]
    path.write_text("\n".join(kept[:users]) + "\n")
    return path


def test_the_defaults_beat_popularity_on_a_slice_of_beauty_and_say_what_they_chose(tmp_path, capsys):
    """`train --arch self` with nothing else but a few epochs on a 2,000-user slice of Beauty, through
    the CLI: the skip is chosen, said and saved, and full-ranking test NDCG@10 beats `popular`'s."""
    from recsys_core.cli.main import main
    f = dense_slice(tmp_path / "beauty_slice.txt")
    ndcg = {}
    for arch, more in (("self", ["--epochs", "8"]), ("popular", [])):
        out = tmp_path / arch
        assert main(["train", "--dataset", str(f), "--arch", arch, "--threads", "1", "--out", str(out), *more]) == 0
        ndcg[arch] = json.loads((out / "metrics.json").read_text())["full"]["ndcg@10"]
    err = capsys.readouterr().err
    assert "training self-soft-skip on beauty_slice: 2,000 users" in err
    assert "chosen from the data: the median user has 7 interactions (at most 15)" in err
    assert load_model(str(tmp_path / "self" / "model.pt"))[1].model_config.last_skip is True
    assert json.loads((tmp_path / "self" / "metrics.json").read_text())["loss"] == "full"  # sparse: the full softmax
    assert "so the loss is the full softmax over all" in err
    assert ndcg["self"] > 1.5 * ndcg["popular"], ndcg
