"""Any PyTorch recommender exported with TorchScript as `scores = module(item_seq)`: item_seq (B, L) long,
the module's own item numbers, 0 = padding, most recent last; scores (B, M+1) over its M items.

The archive's bytes are kept in the checkpoint as a uint8 tensor (so the checkpoint still loads with
weights_only=True and holds nothing but tensors and JSON), with `index_map`, the module's number for each
of our item indices. The archive is opened with torch.jit.load only when the model first scores: that
runs TorchScript, which executes only the operators torch itself provides, never Python code or imports
from the file (the importer checked that it calls no operators outside torch's own).

It exposes no attention, so its recommendations are explained by removing history items and scoring
again (occlusion, deletion and insertion, counterfactuals, why-not, what-if).
"""
import io
import warnings

import torch

from .foreign import ImportedRecommender, pick

# torch 2.13 calls TorchScript deprecated; it still loads and runs it. A filter set once at import:
# catch_warnings around each load would change the process's filters from whichever server thread scores.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.load` is deprecated", category=DeprecationWarning)


def open_archive(data: bytes):
    """A TorchScript module from an archive's bytes, on the CPU, in eval mode."""
    return torch.jit.load(io.BytesIO(data), map_location="cpu").eval()


class TorchScriptRecommender(ImportedRecommender):
    family = "torchscript"
    label = "TorchScript model"
    source_library = "TorchScript"
    source_model = "module"
    about = "Any PyTorch model exported with TorchScript, imported: explained by removing items, since it shows no attention."
    explained_by = ("the effect of removing each history item on its scores: this model exposes no attention, so "
                    "the explanation comes from taking items out and scoring again")
    notes = "It exposes no attention weights: every explanation of it comes from removing items and scoring again."
    has_attention = False
    attention_has_focus = False
    trim_padding = False  # an unknown model may read the padded width
    required = ("archive_bytes", "items", "max_len")

    def __init__(self, cfg, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        self.register_buffer("archive", torch.zeros(int(self.setting("archive_bytes")), dtype=torch.uint8))
        self.register_buffer("index_map", torch.zeros(n_items + 1, dtype=torch.long))  # ours -> the module's
        self._opened = []  # the loaded module, kept out of the state dict

    def module(self):
        if not self._opened:
            self._opened.append(open_archive(self.archive.cpu().numpy().tobytes()))
        return self._opened[0].to(self.archive.device)

    @torch.no_grad()
    def score(self, seq, candidates=None):
        out = self.module()(self.index_map[seq])  # (B, M+1) in the module's numbering
        return pick(out.float()[:, self.index_map], candidates)  # (B, N+1) in ours
