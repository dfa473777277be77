"""Explainers behind one signature, chosen by name from one registry.

    importance = explainer(model, seq, candidates, older=None)
    seq (B, L) left-padded item indices (0: padding)    candidates (B, K) item indices
    older (B or 1, E): the items before the window, left-padded; removal-based explainers let them slide
                       into view as in an edited history (explain/removal.py), the others ignore them
    importance (B, K, L): how much each history position matters to each candidate's score; larger
                          means more important, exactly 0 on padding

Adding an explainer is one function and one registry line. `applies(model)` says whether it means
anything for a model (raw attention needs weights, the hard pick needs weights with a focus, the
gradient methods need the history's item embeddings); the references `uniform` and `recency`
apply to every model and are the floors a real explainer has to beat.

References: Kobayashi et al. 2020 (attention x value norms); Abnar & Zuidema 2020 (rollout);
Simonyan et al. 2014 / Shrikumar et al. 2016 (gradient x input); Sundararajan et al. 2017
(integrated gradients); leave-one-out occlusion as in ferret's and Captum's baselines.
"""
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ...errors import UserError
from .attention import attention, attention_norm, hard, rollout
from .gradients import grad_input, integrated_gradients
from .occlusion import occlusion
from .reference import recency, uniform


def _has_weights(model) -> bool:
    return bool(model.has_attention)


def _has_focus(model) -> bool:
    return bool(model.has_attention and model.attention_has_focus)


def _has_item_embeddings(model) -> bool:
    return isinstance(getattr(model, "item", None), torch.nn.Embedding)


def _has_values(model) -> bool:
    return bool(model.has_attention) and _has_item_embeddings(model)


def _always(model) -> bool:
    return True


@dataclass(frozen=True)
class Explainer:
    name: str
    summary: str  # a few words for menus and tables
    fn: Callable  # (model, seq (B, L), candidates (B, K), older (B, E) or None) -> (B, K, L)
    applies: Callable  # model -> bool

    def __call__(self, model, seq: torch.Tensor, candidates: torch.Tensor,
                 older: torch.Tensor | None = None) -> torch.Tensor:
        return self.fn(model, seq, candidates, older)


EXPLAINERS: dict[str, Explainer] = {e.name: e for e in (
    Explainer("attention", "the model's soft attention weights", attention, _has_weights),
    Explainer("hard", "the single item attention picks (argmax / hard pick)", hard, _has_focus),
    Explainer("attention-norm", "weights x value-vector norms (Kobayashi et al. 2020)", attention_norm, _has_values),
    Explainer("rollout", "attention rolled out through the layers (Abnar & Zuidema 2020)", rollout, _has_weights),
    Explainer("occlusion", "score drop when each item is removed (leave-one-out)", occlusion, _always),
    Explainer("grad-input", "gradient x input on the history's item embeddings", grad_input, _has_item_embeddings),
    Explainer("integrated-gradients", "integrated gradients from zero embeddings (16 steps)", integrated_gradients,
              _has_item_embeddings),
    Explainer("uniform", "reference: every item the same", uniform, _always),
    Explainer("recency", "reference: the more recent, the more important", recency, _always),
)}


def available(model) -> list[str]:
    """The registry names that apply to this model, in registry order."""
    return [name for name, e in EXPLAINERS.items() if e.applies(model)]


def chosen(model, names=None) -> list[str]:
    """Validated explainer names for a model: all that apply when `names` is None; a UserError for an
    unknown name or one that does not apply to this model."""
    if names is None:
        return available(model)
    out = []
    for name in names:
        name = name.strip()
        if name not in EXPLAINERS:
            raise UserError(f"unknown explainer {name!r}. Fix: use some of {', '.join(EXPLAINERS)}.")
        if not EXPLAINERS[name].applies(model):
            raise UserError(f"explainer {name!r} does not apply to this model. Fix: use some of {', '.join(available(model))}.")
        out.append(name)
    return out


def explain_with(name: str, model, seq: torch.Tensor, candidates: torch.Tensor,
                 older: torch.Tensor | None = None) -> torch.Tensor:
    """(B, K, L) importance from the explainer registered as `name` (float, on seq's device)."""
    return EXPLAINERS[chosen(model, [name])[0]](model, seq, candidates, older).float()
