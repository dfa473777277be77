"""Leave-one-out evaluation under two protocols, one chunk of users at a time.

full:    the held-out item ranked against every item the user has not interacted with.
sampled: the SASRec protocol - against 100 items the user never interacted with, drawn with a fixed seed.
Ties are split evenly (the expected rank under random tie-breaking), so a constant scorer gets no credit.
A NaN or infinite score is a broken model's, not a preference: it counts as -inf, a target scored so ranks
last (a miss at every k), and `evaluate` reports how many such scores it met ("nonfinite_scores").

Memory is bounded by the chunk, not the data: users go through `chunk_users` at a time (at most
SCORE_BYTES of scores, chunk x (N+1) floats), and each user's seen items come from a CSR
(`SeenItems`, int32 indptr/indices) built once per call; nothing users x items is ever held.
"""
import numpy as np
import torch

from ..data.preprocess import Prepared, SeenItems, pad_left, seen_items, split_ends
from ..models.ranking import rank_of
from .heap import heap_mode
from .metrics import metrics_from_ranks

PROTOCOLS = ("full", "sampled")
CHUNK_USERS = 128  # users scored at once (also each model forward's batch)
SCORE_BYTES = 64 * 2 ** 20  # a chunk's full-catalogue scores stay under this: huge catalogues get smaller chunks


def chunk_for(n_items: int, chunk_users: int = CHUNK_USERS) -> int:
    """Users per chunk: `chunk_users`, fewer when a chunk's (chunk, N+1) float32 scores would pass SCORE_BYTES."""
    return max(1, min(chunk_users, SCORE_BYTES // (4 * (n_items + 1))))


def sampled_candidates(data: Prepared, users: np.ndarray, n: int = 100, seed: int = 0,
                       seen: SeenItems | None = None) -> np.ndarray:
    """(U, n) item indices each user never interacted with; same seed, same candidates.

    Per user, blocks of 2n uniform draws; a draw is kept when it is neither seen nor already kept, in
    draw order, until n are kept (the rest of the block is dropped). `seen`: the users' CSR, if built.
    """
    users = np.asarray(users)
    seen = seen if seen is not None else seen_items(data, users)
    rng = np.random.default_rng(seed)
    out = np.empty((len(users), n), dtype=np.int64)
    for row in range(len(users)):
        had = seen.row(row)  # sorted, distinct
        if len(had) + n > data.n_items:  # tiny catalogues: sample with replacement from the unseen
            pool = np.setdiff1d(np.arange(1, data.n_items + 1), had)
            out[row] = rng.choice(pool, n, replace=len(pool) < n) if len(pool) else 1
            continue
        got = np.empty(0, np.int64)
        while len(got) < n:
            draws = rng.integers(1, data.n_items + 1, 2 * n)
            pos = np.minimum(np.searchsorted(had, draws), max(len(had) - 1, 0))
            fresh = draws[(had[pos] != draws if len(had) else True) & ~np.isin(draws, got)]
            _, first = np.unique(fresh, return_index=True)
            got = np.concatenate([got, fresh[np.sort(first)][:n - len(got)]])
        out[row] = got
    return out


def _rank(scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """0-based expected rank of each target among the candidates `scores` (B, C) (masked items are -inf
    there), by the one ranking path; a non-finite target ranks last (+inf), so it is a miss at every k
    even in a catalogue with fewer than k unseen items."""
    scores = torch.where(torch.isfinite(scores), scores, float("-inf"))  # NaN/inf never pass a target
    return rank_of(scores, target_scores, ties="split")


def _full_ranks(s: torch.Tensor, t: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> tuple[torch.Tensor, int]:
    """(ranks, non-finite candidate scores) of targets `t` (B,) among all items in `s` (B, N+1), every
    item the user interacted with excluded (its (row, col) pairs; the held-out one is among them: it is
    the target's own score)."""
    t_score = s.gather(1, t[:, None]).squeeze(1)
    if bool(torch.isfinite(s[:, 1:]).all()):  # the usual case: mask in place, no (B, N+1) copies
        if s._base is not None or not s.is_contiguous():  # a view of a model's buffer: never write into it
            s = s.clone()
        s[:, 0] = float("-inf")  # padding, not an item
        s[rows, cols] = float("-inf")
        return rank_of(s, t_score, ties="split"), 0
    others = torch.ones_like(s, dtype=torch.bool)  # (B, N+1) the candidates beside the target
    others[:, 0] = False
    others[rows, cols] = False
    nonfinite = int((~torch.isfinite(s) & others).sum() + (~torch.isfinite(t_score)).sum())
    return _rank(torch.where(others, s, float("-inf")), t_score), nonfinite


def rank_targets(model, data: Prepared, split: str = "test", protocol: str = "full", users=None,
                 max_len: int = 50, batch_size: int = CHUNK_USERS, seed: int = 0, progress=None) -> np.ndarray:
    """0-based rank of each user's held-out item (`batch_size`: users per chunk)."""
    return _ranks_and_nonfinite(model, data, split, protocol, users, max_len, batch_size, seed, progress)[0]


@torch.no_grad()
@heap_mode("evaluate")  # else glibc's heap grows with the number of score blocks (see heap.py)
def _ranks_and_nonfinite(model, data: Prepared, split: str = "test", protocol: str = "full", users=None,
                         max_len: int = 50, batch_size: int = CHUNK_USERS, seed: int = 0, progress=None,
                         seen: SeenItems | None = None) -> tuple[np.ndarray, int]:
    """(ranks as rank_targets gives them, how many of the ranked candidates' scores were NaN or infinite)."""
    model.eval()
    device = next((p.device for p in model.parameters()), None) or next(model.buffers()).device
    users = np.arange(data.n_users) if users is None else np.asarray(users)
    seen = seen if seen is not None else seen_items(data, users)
    ends, targets = split_ends(data, split)
    cands = sampled_candidates(data, users, seed=seed, seen=seen) if protocol == "sampled" else None
    # Users in order of history length, so each chunk can drop its all-padding columns (exact for
    # models whose scores ignore leading padding); ranks go back to the callers' order at the end.
    trim = getattr(model, "trim_padding", False)
    order = np.arange(len(users))
    if trim:
        order = np.argsort(ends[users] - data.offsets[users], kind="stable")
    chunk = chunk_for(data.n_items, batch_size)
    ranks, nonfinite = [], 0
    for start in range(0, len(users), chunk):
        rows_in = order[start:start + chunk]  # positions in `users` (and in `seen`, `cands`)
        b = users[rows_in]
        seq = pad_left(data, ends[b], max_len, b)
        if trim:
            seq = seq[:, max_len - max(1, int((seq > 0).sum(1).max())):]
        seq = seq.to(device)
        t = torch.from_numpy(targets[b].astype(np.int64)).to(device)
        if protocol == "sampled":
            c = torch.cat([t[:, None], torch.from_numpy(cands[rows_in]).to(device)], 1)  # (B, 101)
            s = model.score(seq, c).float()
            nonfinite += int((~torch.isfinite(s)).sum())
            ranks.append(_rank(s[:, 1:], s[:, 0]).cpu())
        else:
            rows, cols = seen.pairs(rows_in)
            r, bad = _full_ranks(model.score(seq).float(), t, torch.from_numpy(rows).to(device),
                                 torch.from_numpy(cols).to(device))
            ranks.append(r.cpu())
            nonfinite += bad
        if progress:
            progress(min(start + chunk, len(users)), len(users))
    out = np.empty(len(users), dtype=np.float32)
    out[order] = torch.cat(ranks).numpy() if ranks else np.empty(0, np.float32)
    return out, nonfinite


def evaluate(model, data: Prepared, protocols=PROTOCOLS, split: str = "test", ks=(10, 20), users=None,
             max_len: int = 50, seed: int = 0, progress=None, chunk_users: int = CHUNK_USERS) -> dict:
    """{"full": {"hr@10": ..., ..., "nonfinite_scores": 0}, "sampled": {...}} for the protocols asked."""
    users = np.arange(data.n_users) if users is None else np.asarray(users)
    seen = seen_items(data, users)  # once for both protocols
    out = {}
    for p in protocols:
        ranks, nonfinite = _ranks_and_nonfinite(model, data, split, p, users, max_len, chunk_users, seed,
                                                progress, seen)
        out[p] = {**metrics_from_ranks(ranks, ks), "nonfinite_scores": nonfinite}
    return out
