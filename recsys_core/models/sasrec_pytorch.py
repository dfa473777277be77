"""pmixer/SASRec.pytorch's SASRec (commit fde8a9c, python/model.py), reproduced in plain PyTorch so a model
trained with it runs here exactly as there.

Its behaviour is kept as it is, padding included: a history is left-padded to `maxlen`, positions count
1..maxlen from the left of that window (0 on padding), and attention has a causal mask but no key-padding
mask, so real positions give some of their weight to padding. Scores therefore depend on the window's
width: it always sees exactly `maxlen` columns. Post-LN blocks by default; `norm_first` (its args.txt)
gives pre-LN blocks. Parameter names are its own (`attention_layers.0.in_proj_weight`, ...) except the
item table, `item` here (`item_emb` there).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .foreign import ImportedRecommender, pick
from .readout import AttentionReadout

EPS = 1e-8  # its LayerNorms' eps


class MultiheadAttention(nn.Module):
    """The parameters of torch.nn.MultiheadAttention (packed in_proj, out_proj), computed by hand so every
    head's weights can be read out."""

    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * d))
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, blocked):
        B, L, D = x.shape
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).view(B, L, 3, self.heads, D // self.heads) \
            .permute(2, 0, 3, 1, 4)  # 3 x (B, H, L, dh)
        logits = (q / math.sqrt(D // self.heads)) @ k.transpose(-1, -2)  # (B, H, L, L)
        w = torch.softmax(logits.masked_fill(blocked, float("-inf")), dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(B, L, D)), w, v


class PointWiseFeedForward(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.conv1 = nn.Conv1d(d, d, kernel_size=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=1)

    def forward(self, x):
        h = torch.relu(F.linear(x, self.conv1.weight[..., 0], self.conv1.bias))
        return F.linear(h, self.conv2.weight[..., 0], self.conv2.bias)


class SASRecPyTorch(ImportedRecommender):
    family = "sasrec-pytorch"
    label = "SASRec (SASRec.pytorch)"
    source_library = "SASRec.pytorch"
    source_model = "SASRec"
    about = "pmixer's SASRec.pytorch, imported: a causal transformer whose last position's attention explains the list."
    explained_by = ("the last position's attention row in the last layer, averaged over heads "
                    "(shared by all recommendations)")
    notes = ("As in SASRec.pytorch, attention has no padding mask: real positions give part of their weight to "
             "the padding of short histories, so a row over the history can sum to less than one. Its scores depend "
             "on the padded width, so it always sees exactly its maxlen columns.")
    required = ("hidden_units", "num_blocks", "num_heads", "maxlen", "norm_first")
    trim_padding = False  # positions count from the left edge of the padded window

    def __init__(self, cfg, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        d, blocks, self.max_len = self.setting("hidden_units"), self.setting("num_blocks"), self.setting("maxlen")
        self.norm_first = bool(self.setting("norm_first"))
        self.item = nn.Embedding(n_items + 1, d)
        self.pos_emb = nn.Embedding(self.max_len + 1, d)
        self.attention_layernorms = nn.ModuleList(nn.LayerNorm(d, eps=EPS) for _ in range(blocks))
        self.attention_layers = nn.ModuleList(MultiheadAttention(d, self.setting("num_heads")) for _ in range(blocks))
        self.forward_layernorms = nn.ModuleList(nn.LayerNorm(d, eps=EPS) for _ in range(blocks))
        self.forward_layers = nn.ModuleList(PointWiseFeedForward(d) for _ in range(blocks))
        self.last_layernorm = nn.LayerNorm(d, eps=EPS)

    def window(self, seq):
        """Exactly maxlen columns: the most recent items, left-padded."""
        L = seq.shape[1]
        if L == self.max_len:
            return seq  # the very tensor: the gradient explainers recognise the history's lookup by it
        return seq[:, -self.max_len:] if L > self.max_len else F.pad(seq, (self.max_len - L, 0))

    def encode(self, seq):
        """(B, L) -> final features (B, L, D), per-layer weights (B, H, L, L), the last block's values and input."""
        L = seq.shape[1]
        x = self.item(seq) * self.item.embedding_dim ** 0.5
        positions = torch.arange(1, L + 1, device=seq.device)[None] * (seq != 0)
        x = x + self.pos_emb(positions)
        blocked = ~torch.tril(torch.ones(L, L, dtype=torch.bool, device=seq.device))
        maps, values = [], None
        for ln_a, attn, ln_f, ffn in zip(self.attention_layernorms, self.attention_layers, self.forward_layernorms,
                                         self.forward_layers):
            if self.norm_first:
                a, w, values = attn(ln_a(x), blocked)
                x = x + a
                x = x + ffn(ln_f(x))
            else:
                a, w, values = attn(x, blocked)
                x = ln_a(x + a)
                x = ln_f(x + ffn(x))
            maps.append(w)
        return self.last_layernorm(x), maps, values

    def score(self, seq, candidates=None):
        h = self.encode(self.window(seq))[0][:, -1]  # (B, D)
        return pick(h @ self.item.weight.T, candidates)

    def explain(self, seq, candidates):
        seq = self.window(seq)
        _, maps, _ = self.encode(seq)
        row = maps[-1][:, :, -1].mean(1) * (seq > 0)  # (B, L) what falls on padding is left out
        K = candidates.shape[1]
        return AttentionReadout(weights=row[:, None].expand(-1, K, -1), soft=row[:, None].expand(-1, K, -1),
                                maps=maps, soft_maps=maps, shared_row=True, residual_last=True)

    def value_vectors(self, seq):
        """(B, H, L, D): each position's value vector in the last block after the output projection."""
        _, _, v = self.encode(self.window(seq))  # (B, H, L, dh)
        attn = self.attention_layers[-1]
        D = attn.out_proj.weight.shape[0]
        wo = attn.out_proj.weight.view(D, attn.heads, D // attn.heads)  # (D, H, dh)
        return torch.einsum("bhld,ehd->bhle", v, wo)
