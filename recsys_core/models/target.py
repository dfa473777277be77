"""`target`: target attention (DIN, Zhou et al. 2018). Each candidate item queries the history, so
every recommendation has its own "why" row over the history.

    h = E[history] (-> GRU/LSTM, as in NARM)        keys = Wk h, values = h
    w_c = attention(Wq e_c, keys, mask, bias = r[distance])     # r: learned recency, per distance
    score(c) = sum_l w_cl (h_l · e_c) + b_c                      # = (sum_l w_cl h_l) · e_c + b_c

The score is computed as the weighted sum of per-item terms h_l · e_c rather than through the
(candidates x dim) attention output: the same number, exactly, but it never materialises
(B, positions, candidates, dim), so one training window teaches several target positions for about
the cost of one, and each history item's contribution to a score is available for explanations.

With item features (features.py) the candidate also queries each history item's attributes:

    alpha_cla = softmax over item l's attributes a of (Wf e_c) · F_a / sqrt(D)
    h_cl = h_l + sum_a alpha_cla F_a       (values; keys use h_l + the mean of its attribute embeddings)
    h_cl · e_c = h_l · e_c + sum_a alpha_cla (F_a · e_c)

computed from (candidates x vocabulary) tables and never a per-candidate (history x dim) tensor: for
a small vocabulary as one matrix product with the history's multi-hot attributes (softmax numerator
and denominator), else gathered at each item's attributes (explanations always gather, for alpha).
On ml-100k (19 genres, up to 6 a film) the product took a sampled-loss training step from 3.6 s to 1.8 s
(batch 128, one thread; 1.1 s without features).
"""
import torch
import torch.nn as nn

from .attention import build_attention
from .base import (
    FamilyDefaults,
    PoolDropout,
    Recommender,
    bce_loss,
    full_softmax_loss,
    mask_padding_column,
    sample_negatives,
    sampled_softmax_loss,
)
from .config import ModelConfig
from .features import ItemFeatures
from .readout import AttentionReadout

CELL_BUDGET = 24_000_000  # batch x positions x candidates x history cells per training step / scoring chunk
RECENCY_PRIOR = 0.5  # hard attention's starting logit penalty per step back in the history
MAX_POSITIONS = 2  # target positions learned per training window; more windows per second beat more positions per window
# Sampled loss: one set of negatives for the whole batch while it covers at least this share of the
# catalogue, else a set per target. Shared negatives are one matrix product (on the embedded data's
# 354 items per-target sets took target-soft from 8-12 s to 17-19 s at the same NDCG@10), but on a
# large catalogue a shared set pushes down only S items a step: on ml-latest-small (9,724 items, each
# item a negative once in ~97 steps) target-soft peaked after epoch 1 at test NDCG@10 0.012, below
# `mean`; with 100 per target it trained to epoch 10 and reached 0.054 (seed 0).
SHARED_NEGATIVES_MIN_COVERAGE = 0.1


class TargetAttentionRecommender(Recommender):
    family = "target"
    label = "target (DIN)"
    about = "Each candidate item attends over the history, as in DIN: the weights say which past items made it score."
    settings = frozenset({"attention", "window", "encoder", "dim", "max_len", "dropout", "item_features"})
    explained_by = "each recommendation's own attention over the history (the candidate is the query)"
    defaults = FamilyDefaults(
        loss="sampled",  # its full softmax costs candidates x history per position
        # Sampled negatives per target: its cost grows with candidates x history, and hard attention
        # needs ~100 (NDCG@10 0.195 vs 0.186 at 64); shared or per target, see SHARED_NEGATIVES_MIN_COVERAGE.
        negatives=100,
        # 1e-2 everywhere: at 1e-3 target-soft gained nothing on ml-latest-small (0.013 against 0.024,
        # measured while it still shared its negatives; with a set per target it reaches 0.050 at 1e-2).
        # Hard attention used 5e-3 for its noisy straight-through gradients until averaging smoothed them.
        lr=1e-2,
        # Averaged weights, stopped on the raw curve: target-soft went from NDCG@10 0.230 in 17.4 s to
        # 0.240 in 10.8 s on the embedded data (benchmark medians of 3).
        weight_average=0.99,
        # Its validation costs six to twelve training steps (every candidate against every history), and
        # validating every epoch stopped target-hard early (NDCG@10 0.188 vs 0.203).
        min_eval_steps=50)
    sampling = "sequence"
    positions_per_window = MAX_POSITIONS
    # Length-bucketed batches: steps ~1.8x cheaper on the embedded data at unchanged quality (NDCG@10
    # 0.217/0.231/0.228 vs 0.220/0.226/0.217 over three seeds).
    bucket_pool = 32

    def __init__(self, cfg: ModelConfig, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        D = cfg.dim
        self.item = nn.Embedding(n_items + 1, D, padding_idx=0)
        self.bias = nn.Embedding(n_items + 1, 1)
        self.recency = nn.Embedding(cfg.max_len, 1)  # logit bias by distance from the query position
        self.drop = PoolDropout(cfg.dropout)
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}.get(cfg.encoder)
        self.rnn = rnn(D, D, batch_first=True) if rnn else None
        # A recurrent encoder's state drifts over leading padding (its biases), so a padded history
        # and a trimmed one differ: keep full-width windows, as at inference.
        self.trim_padding = self.rnn is None
        self.wq = nn.Linear(D, D, bias=False)
        self.wk = nn.Linear(D, D, bias=False)
        self.attn = build_attention(cfg.attention, dim=D, temperature=cfg.temperature, hidden=cfg.additive_hidden)
        nn.init.normal_(self.item.weight, std=D ** -0.5)
        for emb in (self.bias, self.recency):
            nn.init.zeros_(emb.weight)
        if cfg.attention == "hard":
            # With uniform logits a one-hot pick is a random history item, and target-hard started from
            # noise (validation NDCG@10 stayed near 0.09 for its first 6 epochs). A recency prior makes
            # it start on the latest items instead: test NDCG@10 0.205 against 0.194 (medians of 3 seeds).
            with torch.no_grad():
                self.recency.weight.copy_(-RECENCY_PRIOR * torch.arange(cfg.max_len, dtype=torch.float32)[:, None])
        # Zero queries: uniform attention at the start, i.e. the `mean` baseline, from which the
        # model learns where to focus; random queries start from noise and train slower.
        nn.init.zeros_(self.wq.weight)
        with torch.no_grad():
            self.item.weight[0].zero_()
        # Built last, and only when asked: a model without features draws the same initial weights as before.
        self.features = ItemFeatures(cfg, n_items) if cfg.item_features else None
        self.cells_per_item = 1 if self.features is None or self.features.dense else self.features.width

    def encode(self, seq):
        """(B, L) -> keys (B, L, D), values (B, L, D), valid (B, L), attribute ids (B, L, K) or None."""
        valid = seq > 0
        h = self.drop(self.item(seq))  # (B, L, D)
        if self.rnn is not None:
            h = self.rnn(h)[0]  # causal: h_l depends on items up to l only
        h = h * valid[..., None]
        if self.features is None:
            return self.wk(h), h, valid, None
        ids = self.features.ids[seq]  # (B, L, K)
        mean = self.features.sum_embeddings((ids > 0) / (ids > 0).sum(-1, keepdim=True).clamp(min=1), ids)  # (B, L, D)
        return self.wk(h + mean), h, valid, ids

    def _feature_values(self, e, ids, shared):
        """The feature part of h_cl · e_c, (B, P', C, L), as one product with the history's multi-hot
        attributes: sum_a hot_la exp(z_ca) f_ca / sum_a hot_la exp(z_ca). Cost C x L x V, not C x L x K."""
        F = self.features
        z = F.vocab_logits(e)  # (C, V+1) or (B, P, C, V+1)
        f = e @ F.emb.weight.T  # F_a · e_c
        p = (z - z.max(-1, keepdim=True).values).clamp(min=-80).exp()  # softmax numerators, never 0
        B, L, _ = ids.shape
        hot = torch.zeros(B, L, p.shape[-1], device=ids.device, dtype=p.dtype).scatter_(-1, ids, 1.0)
        hot[..., 0] = 0  # id 0 pads a row: not an attribute
        if shared:
            num, den = (torch.einsum("cv,blv->bcl", x, hot)[:, None] for x in (p * f, p))  # (B, 1, C, L)
        else:
            num, den = (torch.einsum("bpcv,blv->bpcl", x, hot) for x in (p * f, p))  # (B, P, C, L)
        return torch.where(den > 0, num / den.clamp(min=torch.finfo(den.dtype).tiny), 0.0)

    def _feature_terms(self, e, ids, shared):
        """Candidate embeddings e (C, D) or (B, P, C, D) -> alpha (B, P', C, L, K) over each history item's
        attributes and the feature part of h_cl · e_c, (B, P', C, L) (P' = 1 for shared candidates)."""
        F = self.features
        z = F.vocab_logits(e)  # (C, V+1) or (B, P, C, V+1)
        f = e @ F.emb.weight.T  # (C, V+1): F_a · e_c
        B, L, K = ids.shape
        if shared:
            zg, fg = z[:, ids].permute(1, 0, 2, 3)[:, None], f[:, ids].permute(1, 0, 2, 3)[:, None]  # (B, 1, C, L, K)
        else:
            _, P, C, V = z.shape
            index = ids.reshape(B, 1, L * K).expand(B, P * C, L * K)
            zg = z.reshape(B, P * C, V).gather(2, index).view(B, P, C, L, K)
            fg = f.reshape(B, P * C, V).gather(2, index).view(B, P, C, L, K)
        alpha = F.attend(zg, ids[:, None, None])  # (B, P', C, L, K)
        return alpha, (alpha * fg).sum(-1)

    def _mask_bias(self, valid, qpos):
        """Query positions (B, P) -> mask and recency bias, each (B, P, 1, L): P sits in the heads slot."""
        L = valid.shape[1]
        dist = qpos[..., None] - torch.arange(L, device=valid.device)  # (B, P, L) steps back from the query
        mask = valid[:, None, :] & (dist >= 0)
        if self.cfg.window:
            mask = mask & (dist < self.cfg.window)
        bias = self.recency(dist.clamp(0, self.cfg.max_len - 1)).squeeze(-1)  # (B, P, L)
        return mask[:, :, None, :], bias[:, :, None, :]

    def _scores(self, enc, qpos, cand, with_alpha=False):
        """cand (C,) shared by all queries, or (B, P, C) per query -> scores (B, P, C), weights, logits, mask,
        per-item terms h_l · e_c, feature attention (B, P', C, L, K) or None."""
        keys, values, valid, ids = enc
        e = self.item(cand)  # (C, D) or (B, P, C, D)
        if cand.dim() == 1:
            logits = self.attn.logits(self.wq(e)[None, None], keys[:, None])  # (B, 1, C, L)
            ve = torch.einsum("bld,cd->bcl", values, e)[:, None]  # (B, 1, C, L)
        else:
            logits = self.attn.logits(self.wq(e), keys[:, None])  # (B, P, C, L)
            ve = torch.einsum("bld,bpcd->bpcl", values, e)
        alpha = None
        if ids is not None and (with_alpha or not self.features.dense):
            alpha, vf = self._feature_terms(e, ids, shared=cand.dim() == 1)
            ve = ve + vf
        elif ids is not None:
            ve = ve + self._feature_values(e, ids, shared=cand.dim() == 1)
        mask, bias = self._mask_bias(valid, qpos)
        logits = logits + bias
        w = self.attn.normalize(logits, mask)  # (B, P, C, L)
        scores = (w * ve).sum(-1) + self.bias(cand).squeeze(-1)  # (B, P, C)
        return scores, w, logits, mask, ve, alpha

    def forward(self, seq, targets, loss="full", negatives=256):
        B, L = seq.shape
        n_cand = {"full": self.n_items + 1, "sampled": negatives + 1, "bce": 2}[loss]
        P = max(1, min(MAX_POSITIONS, L, CELL_BUDGET // (B * n_cand * L * self.cells_per_item)))
        # P random target positions per window (padding positions lose the draw).
        draw = torch.rand(B, L, device=seq.device).masked_fill(targets == 0, -1.0)
        qpos = draw.topk(P, dim=1).indices  # (B, P)
        t = targets.gather(1, qpos)  # (B, P)
        keep = t > 0
        enc = self.encode(seq)
        if loss == "full":
            scores = self._scores(enc, qpos, torch.arange(self.n_items + 1, device=seq.device))[0]  # (B, P, N+1)
            return scores, full_softmax_loss(scores[keep], t[keep])
        pos = self._scores(enc, qpos, t[..., None])[0][..., 0]  # (B, P)
        if loss == "sampled":
            if self.shares_negatives(negatives):
                neg_ids = sample_negatives(self.n_items, (negatives,), seq.device)
                hit = neg_ids[None, :] == t[keep][:, None]
            else:
                neg_ids = sample_negatives(self.n_items, (B, P, negatives), seq.device)
                hit = (neg_ids == t[..., None])[keep]
            neg = self._scores(enc, qpos, neg_ids)[0]  # (B, P, S)
            return neg, sampled_softmax_loss(pos[keep], neg[keep], hit)
        neg = self._scores(enc, qpos, sample_negatives(self.n_items, (B, P, 1), seq.device))[0][..., 0]
        return neg, bce_loss(pos[keep], neg[keep])

    def shares_negatives(self, negatives: int) -> bool:
        """One set of sampled negatives for the whole batch (small catalogues) or one per target."""
        return negatives >= SHARED_NEGATIVES_MIN_COVERAGE * self.n_items

    def score(self, seq, candidates=None):
        B, L = seq.shape
        enc = self.encode(seq)
        qpos = torch.full((B, 1), L - 1, device=seq.device)  # the next item follows the last position
        if candidates is not None:
            cand = candidates if candidates.dim() == 1 else candidates[:, None]  # (C,) or (B, 1, C)
            return self._scores(enc, qpos, cand)[0][:, 0]  # (B, C)
        extra = self.cfg.additive_hidden if self.cfg.attention == "additive" else 1
        step = max(1, CELL_BUDGET // (4 * B * L * extra * self.cells_per_item))
        items = torch.arange(self.n_items + 1, device=seq.device)
        chunks = [self._scores(enc, qpos, items[i:i + step])[0][:, 0] for i in range(0, self.n_items + 1, step)]
        return mask_padding_column(torch.cat(chunks, dim=1))  # (B, N+1)

    def explain(self, seq, candidates):
        B, L = seq.shape
        enc = self.encode(seq)
        qpos = torch.full((B, 1), L - 1, device=seq.device)
        _, w, logits, mask, ve, alpha = self._scores(enc, qpos, candidates[:, None], with_alpha=True)
        # contribution: each history item's exact share of the score, w_l * (h_l · e_c).
        return AttentionReadout(weights=w[:, 0], soft=self.attn.soft_view(logits, mask)[:, 0],
                                contribution=(w * ve)[:, 0],
                                feature_weights=None if alpha is None else alpha[:, 0],  # (B, K, L, A)
                                feature_ids=None if alpha is None else enc[3])  # (B, L, A)

    def value_vectors(self, seq):
        return self.encode(seq)[1][:, None]  # (B, 1, L, D): the attended values, the encoded history
