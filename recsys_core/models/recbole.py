"""RecBole's sequential models (RecBole 1.2.1, recbole/model/sequential_recommender), reproduced in plain
PyTorch so that a model trained with RecBole runs here exactly as it did there: SASRec, BERT4Rec (both
on RecBole's TransformerEncoder: post-LayerNorm layers, an additive -10000 mask) and GRU4Rec.

RecBole feeds a history left-aligned with its length and reads the prediction at position length - 1.
Parameter names are RecBole's (`trm_encoder.layer.0.multi_head_attention.query.weight`, ...) except the
item table, `item` here (`item_embedding` there), whose rows the importer put in our item order.
Attention maps are the softmax RecBole's `attn_dropout` receives, per layer and head, put back in our
layout; every layer has a skip connection around its attention.
"""
import math

import torch
import torch.nn as nn

from .foreign import ImportedRecommender, gather_rows, last_of, left_aligned, pick, recent
from .readout import AttentionReadout

MASK_VALUE = -10000.0  # RecBole's get_attention_mask: added to the logits of keys a query may not see
ACTIVATIONS = {
    "gelu": lambda x: x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0))),
    "relu": torch.relu,
    "swish": lambda x: x * torch.sigmoid(x),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}
TRANSFORMER_SETTINGS = ("hidden_size", "n_layers", "n_heads", "inner_size", "hidden_act", "layer_norm_eps",
                        "MAX_ITEM_LIST_LENGTH")


class MultiHeadAttention(nn.Module):
    def __init__(self, d: int, heads: int, eps: float):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.dense = (nn.Linear(d, d) for _ in range(4))
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def split(self, t):
        B, L, D = t.shape
        return t.view(B, L, self.heads, D // self.heads).permute(0, 2, 1, 3)  # (B, H, L, dh)

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        logits = q @ k.transpose(-1, -2) / math.sqrt(D // self.heads) + mask  # (B, H, L, L)
        probs = torch.softmax(logits, dim=-1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(B, L, D)
        return self.LayerNorm(self.dense(ctx) + x), probs


class FeedForward(nn.Module):
    def __init__(self, d: int, inner: int, act: str, eps: float):
        super().__init__()
        self.dense_1, self.dense_2 = nn.Linear(d, inner), nn.Linear(inner, d)
        self.act = ACTIVATIONS[act]
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, x):
        return self.LayerNorm(self.dense_2(self.act(self.dense_1(x))) + x)


class TransformerLayer(nn.Module):
    def __init__(self, d, heads, inner, act, eps):
        super().__init__()
        self.multi_head_attention = MultiHeadAttention(d, heads, eps)
        self.feed_forward = FeedForward(d, inner, act, eps)

    def forward(self, x, mask):
        a, probs = self.multi_head_attention(x, mask)
        return self.feed_forward(a), probs


class Encoder(nn.Module):
    """RecBole's TransformerEncoder; its state dict keys are `layer.{i}....`."""

    def __init__(self, d, layers, heads, inner, act, eps):
        super().__init__()
        self.layer = nn.ModuleList(TransformerLayer(d, heads, inner, act, eps) for _ in range(layers))


class RecBoleTransformer(ImportedRecommender):
    """What RecBole's SASRec and BERT4Rec share: embeddings, the encoder, and reading attention out."""
    source_library = "RecBole"
    required = TRANSFORMER_SETTINGS
    extra_tokens = 0  # item-table rows after the N items (BERT4Rec: its mask token)
    bidirectional = False

    @classmethod
    def check(cls, cfg):
        problems = super().check(cfg)
        s = cfg.source.settings if cfg.source else {}
        if not problems and s["hidden_act"] not in ACTIVATIONS:
            problems.append(("arch", f"uses the activation {s['hidden_act']!r}", f"use one of {', '.join(ACTIVATIONS)}"))
        return problems

    def __init__(self, cfg, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        d, self.max_len = self.setting("hidden_size"), self.setting("MAX_ITEM_LIST_LENGTH")
        eps = self.setting("layer_norm_eps")
        self.item = nn.Embedding(n_items + 1 + self.extra_tokens, d)
        self.position_embedding = nn.Embedding(self.max_len, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)
        self.trm_encoder = Encoder(d, self.setting("n_layers"), self.setting("n_heads"), self.setting("inner_size"),
                                   self.setting("hidden_act"), eps)

    def inputs(self, seq):
        """(B, L) ours -> (RecBole's input embeddings (B, L, D) before the position embedding, its tokens
        (B, L), lengths (B,), the left-aligned layout, and each input position's query row in our layout)."""
        raise NotImplementedError

    def encode(self, seq, want=False):
        """(B, L) -> the hidden state at the prediction (B, D); with want, per-layer attention (B, H, L, L)
        in RecBole's layout, the last layer's input, and the layout."""
        seq = recent(seq, self.max_len)
        e, tokens, lengths, al, rows = self.inputs(seq)
        L = tokens.shape[1]
        x = self.LayerNorm(e + self.position_embedding(torch.arange(L, device=seq.device))[None])
        visible = (tokens != 0)[:, None, None, :]  # (B, 1, 1, L)
        if not self.bidirectional:
            visible = torch.tril(visible.expand(-1, -1, L, -1))
        mask = torch.where(visible, 0.0, MASK_VALUE)  # (B, 1, L|1, L)
        probs, last_in = [], None
        for layer in self.trm_encoder.layer:
            last_in = x
            x, p = layer(x, mask)
            probs.append(p)
        h = self.head(last_of(x, lengths))
        return (h, probs, last_in, al, rows, lengths) if want else h

    def head(self, h):
        return h

    def all_scores(self, h):
        return h @ self.item.weight[:self.n_items + 1].T  # (B, N+1)

    def score(self, seq, candidates=None):
        return pick(self.all_scores(self.encode(seq)), candidates)

    def explain(self, seq, candidates):
        _, probs, _, al, rows, lengths = self.encode(seq, want=True)
        maps = [al.back(p, rows=rows, cols=self.key_positions(al, lengths)) for p in probs]  # (B, H, L, L) each
        seq = recent(seq, self.max_len)
        row = maps[-1][:, :, -1].mean(1) * (seq > 0)  # (B, L) the prediction's row, mean over heads
        K = candidates.shape[1]
        return AttentionReadout(weights=row[:, None].expand(-1, K, -1), soft=row[:, None].expand(-1, K, -1),
                                maps=maps, soft_maps=maps, shared_row=True, residual_last=True)

    def key_positions(self, al, lengths):
        """(B, L): our position of each input position as a key (-1: not a history item)."""
        La = al.seq.shape[1]
        return torch.where(torch.arange(La, device=al.seq.device)[None] < lengths[:, None], al.order, -1)

    def value_vectors(self, seq):
        """(B, H, L, D): each history item's value vector in the last layer after its output projection."""
        _, _, x, al, _, lengths = self.encode(seq, want=True)
        mha = self.trm_encoder.layer[-1].multi_head_attention
        B, La, D = x.shape
        H = mha.heads
        v = mha.split(mha.value(x))  # (B, H, La, dh)
        wo = mha.dense.weight.view(D, H, D // H)  # (D, H, dh): head h's slice of the output projection
        out = torch.einsum("bhld,ehd->bhle", v, wo)  # (B, H, La, D) in RecBole's layout
        cols = self.key_positions(al, lengths)
        L = recent(seq, self.max_len).shape[1]
        back = out.new_zeros(B, H, L + 1, D)
        back[torch.arange(B)[:, None], :, torch.where(cols >= 0, cols, L)] = out.transpose(1, 2)
        return back[:, :, :L]


class RecBoleSASRec(RecBoleTransformer):
    family = "recbole-sasrec"
    label = "SASRec (RecBole)"
    source_model = "SASRec"
    about = "RecBole's SASRec, imported: a causal transformer whose last item's attention explains the list."
    explained_by = ("the last history item's attention row in the last layer, averaged over heads "
                    "(shared by all recommendations)")

    def inputs(self, seq):
        al = left_aligned(seq)
        e = gather_rows(self.item(seq), al.order)  # the history's lookup is of `seq` itself (gradient explainers)
        return e, al.seq, al.lengths, al, None


class RecBoleBERT4Rec(RecBoleTransformer):
    family = "recbole-bert4rec"
    label = "BERT4Rec (RecBole)"
    source_model = "BERT4Rec"
    about = "RecBole's BERT4Rec, imported: a bidirectional transformer that predicts a [mask] token after the history."
    explained_by = ("the [mask] token's attention over the history in the last layer, averaged over heads (the "
                    "rest it puts on itself; shared by all recommendations)")
    notes = ("As in RecBole 1.2.1, the prediction's input leaves out the oldest item of the window to make room for "
             "the [mask] token, so that item gets no attention. Each map's last row is the [mask] token's.")
    extra_tokens = 1
    bidirectional = True

    def __init__(self, cfg, n_items):
        super().__init__(cfg, n_items)
        d = self.setting("hidden_size")
        self.output_ffn = nn.Linear(d, d)
        self.output_ln = nn.LayerNorm(d, eps=self.setting("layer_norm_eps"))
        self.output_bias = nn.Parameter(torch.zeros(n_items + 1))

    def inputs(self, seq):
        # RecBole's reconstruct_test_data: append [mask] after the items, then drop the first column.
        al = left_aligned(seq)
        B, L = seq.shape
        pos = torch.arange(L, device=seq.device)[None]  # (1, L)
        n = al.lengths[:, None]
        src = al.order.gather(1, (pos + 1).clamp(max=L - 1).expand(B, -1))  # (B, L) input p holds aligned item p + 1
        e = gather_rows(self.item(seq), src)
        is_mask, is_pad = pos == n - 1, pos >= n
        mask_token = self.n_items + 1
        e = torch.where(is_mask[..., None], self.item.weight[mask_token], e)
        e = torch.where(is_pad[..., None], self.item.weight[0], e)
        tokens = torch.where(is_mask, mask_token, torch.where(is_pad, 0, seq.gather(1, src)))
        al_shift = type(al)(tokens, al.lengths, src)
        rows = torch.where(is_mask, L - 1, torch.where(is_pad | (pos == n - 2), -1, src))  # [mask]'s row is our last
        return e, tokens, al.lengths, al_shift, rows

    def key_positions(self, al, lengths):
        pos = torch.arange(al.seq.shape[1], device=al.seq.device)[None]
        return torch.where(pos < lengths[:, None] - 1, al.order, -1)  # the [mask] key is no history item

    def head(self, h):
        return self.output_ln(nn.functional.gelu(self.output_ffn(h)))

    def all_scores(self, h):
        return h @ self.item.weight[:self.n_items + 1].T + self.output_bias  # (B, N+1)


class RecBoleGRU4Rec(ImportedRecommender):
    family = "recbole-gru4rec"
    label = "GRU4Rec (RecBole)"
    source_library = "RecBole"
    source_model = "GRU4Rec"
    about = "RecBole's GRU4Rec, imported: a recurrent network over the history, with no attention to show."
    explained_by = ("the effect of removing each history item on its scores: GRU4Rec has no attention, "
                    "so the explanation comes from taking items out and scoring again")
    has_attention = False
    attention_has_focus = False
    required = ("embedding_size", "hidden_size", "num_layers", "MAX_ITEM_LIST_LENGTH")

    def __init__(self, cfg, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        self.max_len = self.setting("MAX_ITEM_LIST_LENGTH")
        e, h = self.setting("embedding_size"), self.setting("hidden_size")
        self.item = nn.Embedding(n_items + 1, e)
        self.gru_layers = nn.GRU(input_size=e, hidden_size=h, num_layers=self.setting("num_layers"), bias=False,
                                 batch_first=True)
        self.dense = nn.Linear(h, e)

    def score(self, seq, candidates=None):
        seq = recent(seq, self.max_len)
        al = left_aligned(seq)
        out, _ = self.gru_layers(gather_rows(self.item(seq), al.order))  # (B, L, h)
        h = last_of(self.dense(out), al.lengths)  # (B, e)
        return pick(h @ self.item.weight.T, candidates)
