"""A rating model in the target-attention family: the candidate item queries the user's rated history.

    h_l  = E[i_l] + (r_l - mu) G[i_l]                  # a history item and how its rating departed from the mean
    w    = attention(Wq C[c], Wk h, mask, bias = rec[distance])   # any variant of models.attention.ATTENTION
    r̂    = mu + b_u + b_c + C[c] · (P[u] + sum_l w_l h_l)

With zero queries (the starting point, as in models/target.py) the attention is uniform and the
model is biased matrix factorisation plus an SVD++-style implicit term (Koren 2008); training moves
the weight towards the history items that tell most about the candidate (DIN, Zhou et al. 2018).
It reuses the ranking families' attention variants, ModelConfig and PoolDropout; of ModelConfig it
uses attention, window, dim, max_len, dropout, temperature and additive_hidden.
"""
import torch
import torch.nn as nn

from ..models.attention import build_attention
from ..models.base import PoolDropout
from ..models.config import ModelConfig


class TargetRatingModel(nn.Module):
    def __init__(self, cfg: ModelConfig, *, n_users: int, n_items: int, mean: float, low: float, high: float):
        super().__init__()
        self.cfg, self.n_users, self.n_items = cfg, n_users, n_items
        self.mean, self.low, self.high = float(mean), float(low), float(high)  # training mean, rating range
        D = cfg.dim
        self.hist = nn.Embedding(n_items + 1, D, padding_idx=0)  # E
        self.hist_rating = nn.Embedding(n_items + 1, D, padding_idx=0)  # G
        self.cand = nn.Embedding(n_items + 1, D, padding_idx=0)  # C
        self.user = nn.Embedding(n_users, D)  # P
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items + 1, 1)
        self.recency = nn.Embedding(cfg.max_len, 1)
        self.wq = nn.Linear(D, D, bias=False)
        self.wk = nn.Linear(D, D, bias=False)
        self.attn = build_attention(cfg.attention, dim=D, temperature=cfg.temperature, hidden=cfg.additive_hidden)
        self.drop = PoolDropout(cfg.dropout)
        for emb in (self.hist, self.hist_rating, self.cand, self.user):
            nn.init.normal_(emb.weight, std=0.1 * D ** -0.5)
        for emb in (self.user_bias, self.item_bias, self.recency):
            nn.init.zeros_(emb.weight)
        nn.init.zeros_(self.wq.weight)  # uniform attention at the start, see the module docstring
        with torch.no_grad():
            for emb in (self.hist, self.hist_rating, self.cand):
                emb.weight[0].zero_()

    def _attend(self, hist_items, hist_ratings, cand):
        """(B, L), (B, L), (B,) -> history summary (B, D), weights (B, L), soft weights (B, L)."""
        B, L = hist_items.shape
        valid = hist_items > 0
        dev = (hist_ratings - self.mean) * valid  # (B, L)
        h = self.hist(hist_items) + dev[..., None] * self.hist_rating(hist_items)  # (B, L, D)
        h = self.drop(h) * valid[..., None]
        q = self.wq(self.cand(cand))[:, None, None, :]  # (B, 1, 1, D): one head, one query
        k = self.wk(h)[:, None]  # (B, 1, L, D)
        dist = (L - 1 - torch.arange(L, device=hist_items.device)).clamp(max=self.cfg.max_len - 1)  # (L,)
        mask = valid
        if self.cfg.window:
            mask = mask & (dist < self.cfg.window)[None, :]
        mask = mask[:, None, None, :]  # (B, 1, 1, L)
        logits = self.attn.logits(q, k) + self.recency(dist).squeeze(-1)  # (B, 1, 1, L)
        w = self.attn.normalize(logits, mask)  # (B, 1, 1, L)
        summary = (w[:, 0, 0, :, None] * h).sum(1)  # (B, D)
        return summary, w[:, 0, 0], self.attn.soft_view(logits, mask)[:, 0, 0]

    def forward(self, users, hist_items, hist_ratings, cand, targets=None):
        """users (B,), history (B, L) items and ratings, cand (B,) -> (predicted (B,), MSE loss or None).

        Predictions are unclipped here (the loss needs their gradient); `predict` clips to the rating range."""
        summary, _, _ = self._attend(hist_items, hist_ratings, cand)
        c = self.cand(cand)  # (B, D)
        pred = (self.mean + self.user_bias(users).squeeze(-1) + self.item_bias(cand).squeeze(-1)
                + (c * (self.user(users) + summary)).sum(-1))  # (B,)
        loss = None if targets is None else torch.mean((pred - targets) ** 2)
        return pred, loss

    def penalty(self, users, cand):
        """Squared norm of the user and candidate parameters a batch touched (per example), for L2."""
        return (self.user(users).pow(2).sum(-1) + self.cand(cand).pow(2).sum(-1)
                + self.user_bias(users).squeeze(-1) ** 2 + self.item_bias(cand).squeeze(-1) ** 2).mean()

    @torch.no_grad()
    def predict(self, users, hist_items, hist_ratings, cand):
        return self(users, hist_items, hist_ratings, cand)[0].clamp(self.low, self.high)

    @torch.no_grad()
    def explain(self, hist_items, hist_ratings, cand):
        """Attention of each candidate over the rated history: weights (B, L) and their soft view (B, L)."""
        _, w, soft = self._attend(hist_items, hist_ratings, cand)
        return {"weights": w, "soft": soft}
