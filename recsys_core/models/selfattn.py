"""`self`: SASRec-style causal multi-head self-attention over the history (Kang & McAuley, 2018).

Every position predicts the next item; the last position's row of the last layer explains the
next-item prediction. Any attention variant from the registry runs inside the heads.

Two departures from SASRec:
- The last block has no skip connection around its attention, so the prediction is built only
  from what that attention gathered and its row of weights accounts for all of it. On our data
  this is also better (NDCG@10 0.214 vs 0.157 with the skip; the skip lets the last item's own
  embedding crowd out the rest of the history). Where histories are short (a median of at most
  SHORT_HISTORY interactions per user, as in sparse shops), the last item itself is much of what
  predicts the next, and the skip is kept (`last_skip`, chosen in `resolve`; BENCHMARKS.md, "Sparse
  data"); such a model says so in `explained_by` and its read-out flags `residual_last`.
- Every head adds a learned logit bias by distance back from the query (as in T5's relative
  positions; one table per head, shared by the layers), starting at -RECENCY_PRIOR per step.
  Positional embeddings can express recency only through query-key products, which start at zero
  here, so the model sat at about the `mean` baseline for its first epochs. With the bias,
  self-soft's test NDCG@10 on the embedded data went from 0.191-0.197 to 0.209-0.224 (seeds 0-2,
  training otherwise the same). Checkpoints saved without it load with a zero bias: the same model.

With item features (features.py) each position's embedding queries its item's attributes:
x_l = sqrt(D) (E[item_l] + sum_a alpha_la F_a) + P_l, alpha_l = softmax over the item's attributes of
(Wf P_l) · F_a / sqrt(D), so the position decides which attribute of the item there counts.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import build_attention, window_mask
from .base import (
    FamilyDefaults,
    PoolDropout,
    Recommender,
    bce_loss,
    dot_scores,
    sample_negatives,
    sampled_softmax_loss,
)
from .config import SPARSE_HISTORY, ModelConfig
from .features import ItemFeatures
from .readout import AttentionReadout

RECENCY_PRIOR = 0.3  # starting logit penalty per step back from the query: begin on the recent past
# last_skip's default: on when the median user has at most this many interactions. The embedded shop
# (median 33) and MovieLens (65 and 70) stay off; the Amazon shops (6) are on.
SHORT_HISTORY = SPARSE_HISTORY
ROW_ONLY = ("the last position's attention row in the last layer, averaged over heads "
            "(shared by all recommendations)")
ROW_AND_SKIP = (ROW_ONLY + ", together with the last history item itself: this model's last block adds its input back "
                "around the attention (a skip connection), so the row does not account for the whole prediction")


class MultiHead(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.dim, 3 * cfg.dim)
        self.proj = nn.Linear(cfg.dim, cfg.dim)
        dh = cfg.dim // cfg.heads
        self.attn = build_attention(cfg.attention, dim=dh, temperature=cfg.temperature, hidden=cfg.additive_hidden)
        # Zero query projection: every position starts by averaging its past uniformly (the `mean`
        # baseline, causally) and learns where to focus from there; random queries start from noise.
        with torch.no_grad():
            self.qkv.weight[:cfg.dim].zero_()
            self.qkv.bias[:cfg.dim].zero_()

    def forward(self, x, mask, bias, want_soft=False):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)  # 3 x (B, H, L, dh)
        # Weights only when maps are asked for: training and scoring may take the fused kernel (attention.py).
        out, w = self.attn(q, k, v, mask, bias, need_weights=want_soft)  # (B, H, L, dh), (B, H, L, L) or None
        soft = self.attn.distribution(q, k, mask, bias) if want_soft else None
        return self.proj(out.transpose(1, 2).reshape(B, L, D)), w, soft


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.dim)
        self.attn = MultiHead(cfg)
        self.ln2 = nn.LayerNorm(cfg.dim)
        self.ffn = nn.Sequential(nn.Linear(cfg.dim, cfg.dim), nn.ReLU(), PoolDropout(cfg.dropout), nn.Linear(cfg.dim, cfg.dim))
        self.drop = PoolDropout(cfg.dropout)

    def forward(self, x, mask, bias, want_soft=False, residual=True):
        a, w, soft = self.attn(self.ln1(x), mask, bias, want_soft)
        x = x + self.drop(a) if residual else self.drop(a)
        x = x + self.drop(self.ffn(self.ln2(x)))
        return x, w, soft


class SelfAttentionRecommender(Recommender):
    family = "self"
    label = "self (SASRec)"
    about = "A causal transformer over the history, as in SASRec; the last position's attention explains the list."
    settings = frozenset({"attention", "window", "dim", "layers", "heads", "max_len", "dropout", "item_features",
                          "last_skip"})
    defaults = FamilyDefaults(
        loss="auto",
        negatives=256,  # per sequence, shared by its positions: one small matrix product
        # Sparse shops: on validation the full softmax beat 256 sampled negatives on Amazon Beauty (NDCG@10
        # 0.0585 vs 0.0545) and Sports (0.0315 vs 0.0258); their short histories give few positions per
        # epoch, so scoring every item stays within minutes (BENCHMARKS.md, sparse data).
        sparse_full_items=20_000,
        # Tuned on the embedded data: with length-bucketed batches it was steadier at 5e-3 than 1e-2.
        # SASRec's 1e-3 above 2,000 items (where `auto` takes the sampled loss, or on sparse data the full softmax): at 1e-2
        # self-soft diverged on ml-latest-small (9,724 items).
        lr=5e-3, lr_large=1e-3,
        # The last weights and a smoothed curve: averaging gained it nothing on the embedded data (0.200
        # vs 0.203), and on ml-latest-small it stopped after epoch 4 at 0.020, smoothed or not, where
        # the plain rule trained on to epoch 22 (0.034, same seed).
        weight_average=0.0,
        # A validation costs about three training steps, so it validates every short epoch and can stop
        # 3 epochs after its best instead of 6, at the same quality.
        min_eval_steps=25)
    sampling = "sequence"
    # Loosely length-bucketed batches: on the embedded data a window averages 20 items while a mixed
    # batch is ~50 wide. Sorting pools of 4 batches cuts that to ~27 (1.5x the windows per second);
    # pools of 32 (width 21) cost NDCG@10, presumably because each step then sees one narrow slice of
    # sequence positions.
    bucket_pool = 4

    @classmethod
    def check(cls, cfg):
        if cfg.dim % cfg.heads:
            return [("dim", f"does not divide into {cfg.heads} {{heads}}",
                     "pick a {dim} that is a multiple of {heads}, or fewer {heads}")]
        return []

    @classmethod
    def model_name(cls, cfg) -> str:
        return super().model_name(cfg) + ("-skip" if getattr(cfg, "last_skip", False) else "")

    @classmethod
    def resolve(cls, cfg, profile):
        if cfg.last_skip is not None:
            return {}
        short = profile.median_history <= SHORT_HISTORY
        return {"last_skip": (short, f"the median user has {profile.median_history:g} interactions "
                              + (f"(at most {SHORT_HISTORY}): short histories, where the last item itself predicts much of "
                                 "the next, so the last block keeps its skip connection around attention (last_skip)"
                                 if short else f"(more than {SHORT_HISTORY}), so the last block has no skip connection and "
                                 "its attention row accounts for the whole prediction"))}

    @property
    def explained_by(self) -> str:
        return ROW_AND_SKIP if self.cfg.last_skip else ROW_ONLY

    @classmethod
    def upgrade_state(cls, state, model):
        if "recency.weight" not in state:
            # Saved before `self` had its recency bias: a zero bias computes exactly what that model did.
            state = {**state, "recency.weight": torch.zeros_like(model.recency.weight)}
        return state

    def __init__(self, cfg: ModelConfig, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        self.item = nn.Embedding(n_items + 1, cfg.dim, padding_idx=0)
        self.bias = nn.Embedding(n_items + 1, 1)  # item popularity, which a dot product alone learns slowly
        self.pos = nn.Embedding(cfg.max_len, cfg.dim)
        self.recency = nn.Embedding(cfg.max_len, cfg.heads)  # per head: logit bias by distance back from the query
        self.drop = PoolDropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.ln = nn.LayerNorm(cfg.dim)
        nn.init.normal_(self.item.weight, std=cfg.dim ** -0.5)
        nn.init.zeros_(self.bias.weight)
        with torch.no_grad():
            self.item.weight[0].zero_()
            self.recency.weight.copy_(-RECENCY_PRIOR * torch.arange(cfg.max_len, dtype=torch.float32)[:, None])
        # Built last, and only when asked: a model without features draws the same initial weights as before.
        self.features = ItemFeatures(cfg, n_items) if cfg.item_features else None

    def feature_attention(self, seq):
        """(B, L) -> each position's weights over its item's attributes (B, L, K) and their ids (B, L, K)."""
        L = seq.shape[1]
        ids = self.features.ids[seq]  # (B, L, K)
        p = self.pos(torch.arange(L, device=seq.device) + self.cfg.max_len - L)  # (L, D) right-aligned
        z = self.features.vocab_logits(p)  # (L, V+1)
        zg = z[torch.arange(L, device=seq.device)[None, :, None], ids]  # (B, L, K)
        return self.features.attend(zg, ids), ids

    def encode(self, seq, want_maps=False):
        """(B, L) -> hidden (B, L, D), plus per-layer weights and soft views when asked."""
        B, L = seq.shape
        valid = seq > 0  # (B, L)
        pos = torch.arange(L, device=seq.device)
        e = self.item(seq)  # (B, L, D)
        if self.features is not None:
            e = e + self.features.sum_embeddings(*self.feature_attention(seq))
        x = e * math.sqrt(self.cfg.dim) + self.pos(pos + self.cfg.max_len - L)  # right-aligned positions
        x = self.drop(x) * valid[..., None]
        causal = window_mask(L, self.cfg.window, pos) if self.cfg.window else pos[None, :] <= pos[:, None]  # (L, L)
        mask = causal[None, None] & valid[:, None, None, :]  # (B, 1, L, L)
        back = (pos[:, None] - pos[None, :]).clamp(min=0)  # (L, L) steps from query i back to key j (future: masked)
        bias = self.recency(back).permute(2, 0, 1)[None]  # (1, H, L, L)
        maps, softs = [], []
        for i, blk in enumerate(self.blocks):
            # Unless last_skip, the last block reads out only what its attention gathered (no skip from the
            # position's own input), so the last row of weights accounts for the whole prediction.
            x, w, soft = blk(x, mask, bias, want_maps, residual=i < len(self.blocks) - 1 or bool(self.cfg.last_skip))
            x = x * valid[..., None]
            if want_maps:
                maps.append(w)
                softs.append(soft)
        return self.ln(x), maps, softs

    def forward(self, seq, targets, loss="full", negatives=256):
        hs, _, _ = self.encode(seq)
        keep = targets > 0
        h, t = hs[keep], targets[keep]  # (M, D), (M,)
        E, b = self.item.weight, self.bias.weight[:, 0]
        if loss == "full":
            # Against items 1..N only: the same loss as full_softmax_loss over (M, N+1) with padding
            # excluded, without copying the whole (M, N+1) logits to mask that one column.
            logits = torch.addmm(b[1:], h, E[1:].T)  # (M, N), column j is item j + 1
            return logits, F.cross_entropy(logits, t - 1)
        pos = (h * E[t]).sum(-1) + b[t]  # (M,)
        if loss == "sampled":
            # Negatives per sequence, shared by its positions: B x S distinct items a step. Negatives
            # shared by the whole batch (S a step) left most of a large catalogue untouched for
            # dozens of steps, and bce (one negative per position) then beat the sampled softmax.
            neg_ids = sample_negatives(self.n_items, (len(seq), negatives), seq.device)  # (B, S)
            neg = (hs @ E[neg_ids].transpose(1, 2) + b[neg_ids][:, None, :])[keep]  # (M, S)
            hit = (neg_ids[:, None, :] == targets[..., None])[keep]
            return neg, sampled_softmax_loss(pos, neg, hit)
        neg_ids = sample_negatives(self.n_items, t.shape, seq.device)
        neg = (h * E[neg_ids]).sum(-1) + b[neg_ids]  # (M,)
        return neg, bce_loss(pos, neg)

    def score(self, seq, candidates=None):
        h = self.encode(seq)[0][:, -1]  # (B, D) the last position predicts the next item
        return dot_scores(h, self.item, self.bias, candidates)

    def explain(self, seq, candidates):
        _, maps, softs = self.encode(seq, want_maps=True)
        last_w = maps[-1][:, :, -1].mean(1)  # (B, L) last position, last layer, mean over heads
        last_soft = softs[-1][:, :, -1].mean(1)
        K = candidates.shape[1]
        alpha, ids = self.feature_attention(seq) if self.features is not None else (None, None)
        # One row explains the next-item prediction, so every recommendation shares it.
        return AttentionReadout(weights=last_w[:, None].expand(-1, K, -1), soft=last_soft[:, None].expand(-1, K, -1),
                                maps=maps, soft_maps=softs, shared_row=True, residual_last=bool(self.cfg.last_skip),
                                feature_weights=None if alpha is None else alpha[:, None].expand(-1, K, -1, -1),
                                feature_ids=ids)  # (B, K, L, A), (B, L, A)

    def value_vectors(self, seq):
        """(B, H, L, D): each key's value vector in the last block after the output projection, per head,
        read from that block's attention input with a forward pre-hook."""
        seen = {}
        mha = self.blocks[-1].attn
        handle = mha.register_forward_pre_hook(lambda mod, args: seen.__setitem__("x", args[0]))
        try:
            self.encode(seq)
        finally:
            handle.remove()
        x = seen["x"]  # (B, L, D) the last block's attention input, after its LayerNorm
        B, L, D = x.shape
        H = mha.heads
        v = mha.qkv(x)[..., 2 * D:].view(B, L, H, D // H).transpose(1, 2)  # (B, H, L, dh)
        wo = mha.proj.weight.view(D, H, D // H)  # (D, H, dh): head h's slice of the output projection
        return torch.einsum("bhld,ehd->bhle", v, wo)  # (B, H, L, D)
