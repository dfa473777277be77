"""Leave-one-out evaluation under two protocols.

full:    the held-out item ranked against every item the user has not interacted with.
sampled: the SASRec protocol - against 100 items the user never interacted with, drawn with a fixed seed.
Ties are split evenly (the expected rank under random tie-breaking), so a constant scorer gets no credit.
A NaN or infinite score is a broken model's, not a preference: it counts as -inf, a target scored so ranks
last (a miss at every k), and `evaluate` reports how many such scores it met ("nonfinite_scores").
"""
import numpy as np
import torch

from ..data.preprocess import Prepared, pad_left, split_ends
from .metrics import metrics_from_ranks

PROTOCOLS = ("full", "sampled")


def sampled_candidates(data: Prepared, users: np.ndarray, n: int = 100, seed: int = 0) -> np.ndarray:
    """(U, n) item indices each user never interacted with; same seed, same candidates."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(users), n), dtype=np.int64)
    for row, u in enumerate(users):
        seen = set(data.seq(u).tolist())
        if len(seen) + n > data.n_items:  # tiny catalogues: sample with replacement from the unseen
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


def _rank(scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among the candidates `scores` (B, C) (masked items are -inf there);
    a non-finite target ranks last (+inf), behind every candidate."""
    scores = torch.where(torch.isfinite(scores), scores, float("-inf"))  # NaN/inf never pass a target
    greater = (scores > target_scores[:, None]).sum(1)
    ties = (scores == target_scores[:, None]).sum(1)
    rank = greater.float() + ties.float() / 2
    # A broken target ranks last, and after everything: +inf, so it is a miss at every k even in a
    # catalogue with fewer than k unseen items (where its place among the candidates would still be a hit).
    return torch.where(torch.isfinite(target_scores), rank, torch.full_like(rank, float("inf")))


def rank_targets(model, data: Prepared, split: str = "test", protocol: str = "full", users=None,
                 max_len: int = 50, batch_size: int = 128, seed: int = 0, progress=None) -> np.ndarray:
    """0-based rank of each user's held-out item."""
    return _ranks_and_nonfinite(model, data, split, protocol, users, max_len, batch_size, seed, progress)[0]


@torch.no_grad()
def _ranks_and_nonfinite(model, data: Prepared, split: str = "test", protocol: str = "full", users=None,
                         max_len: int = 50, batch_size: int = 128, seed: int = 0,
                         progress=None) -> tuple[np.ndarray, int]:
    """(ranks as rank_targets gives them, how many of the ranked candidates' scores were NaN or infinite)."""
    model.eval()
    device = next((p.device for p in model.parameters()), None) or next(model.buffers()).device
    users = np.arange(data.n_users) if users is None else np.asarray(users)
    ends, targets = split_ends(data, split)
    cands = sampled_candidates(data, users, seed=seed) if protocol == "sampled" else None
    # Users in order of history length, so each batch can drop its all-padding columns (exact for
    # models whose scores ignore leading padding); ranks go back to the callers' order at the end.
    trim = getattr(model, "trim_padding", False)
    order = np.arange(len(users))
    if trim:
        order = np.argsort(ends[users] - data.offsets[users], kind="stable")
        users = users[order]
        cands = cands[order] if cands is not None else None
    ranks, nonfinite = [], 0
    for start in range(0, len(users), batch_size):
        b = users[start:start + batch_size]
        seq = pad_left(data, ends[b], max_len, b)
        if trim:
            seq = seq[:, max_len - max(1, int((seq > 0).sum(1).max())):]
        seq = seq.to(device)
        t = torch.from_numpy(targets[b]).to(device)
        if protocol == "sampled":
            c = torch.cat([t[:, None], torch.from_numpy(cands[start:start + batch_size]).to(device)], 1)  # (B, 101)
            s = model.score(seq, c).float()
            nonfinite += int((~torch.isfinite(s)).sum())
            ranks.append(_rank(s[:, 1:], s[:, 0]).cpu())
        else:
            s = model.score(seq).float()  # (B, N+1)
            t_score = s.gather(1, t[:, None]).squeeze(1)
            # Every item the user interacted with is excluded, the held-out one included (it is t_score).
            lens = data.offsets[b + 1] - data.offsets[b]
            rows = np.repeat(np.arange(len(b)), lens)
            cols = np.concatenate([data.seq(u) for u in b])
            others = torch.ones_like(s, dtype=torch.bool)  # (B, N+1) the candidates beside the target
            others[:, 0] = False  # padding, not an item
            others[torch.from_numpy(rows).to(device), torch.from_numpy(cols).to(device)] = False
            nonfinite += int((~torch.isfinite(s) & others).sum() + (~torch.isfinite(t_score)).sum())
            s = torch.where(others, s, float("-inf"))
            ranks.append(_rank(s, t_score).cpu())
        if progress:
            progress(min(start + batch_size, len(users)), len(users))
    out = np.empty(len(users), dtype=np.float32)
    out[order] = torch.cat(ranks).numpy()
    return out, nonfinite


def evaluate(model, data: Prepared, protocols=PROTOCOLS, split: str = "test", ks=(10, 20), users=None,
             max_len: int = 50, seed: int = 0, progress=None) -> dict:
    """{"full": {"hr@10": ..., ..., "nonfinite_scores": 0}, "sampled": {...}} for the protocols asked."""
    out = {}
    for p in protocols:
        ranks, nonfinite = _ranks_and_nonfinite(model, data, split, p, users, max_len, seed=seed, progress=progress)
        out[p] = {**metrics_from_ranks(ranks, ks), "nonfinite_scores": nonfinite}
    return out
