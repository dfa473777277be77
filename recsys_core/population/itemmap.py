"""The item map: the model's item embeddings projected to 2-D by PCA (torch's SVD of the centred
embeddings, signs fixed so the same model always draws the same map), and each item's nearest items
by cosine similarity in the full embedding space (not in the 2-D picture, which keeps only part of it).

A model offers its embeddings as `item_embeddings()` (N+1, D) when it has a method of that name, else
as an nn.Embedding called `item` (the built-in families); a model with neither (popular) has no map.
"""
from dataclasses import dataclass

import numpy as np
import torch

from ..data.lookup import find_item
from ..data.preprocess import Prepared

MAX_POINTS = 20_000  # the most interacted items drawn; a browser draws more, but nobody reads them


@dataclass
class ItemMap:
    item_ids: list[str]
    titles: list[str]
    categories: list[str]
    interactions: list[int]
    x: list[float]
    y: list[float]
    explained: tuple[float, float]  # share of the embeddings' variance along each axis
    items_total: int  # items in the catalogue (the map may draw fewer: the most interacted)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Neighbour:
    item_id: str
    title: str
    category: str
    similarity: float  # cosine, -1 .. 1


@torch.no_grad()
def item_vectors(model) -> torch.Tensor | None:
    """(N+1, D) float item embeddings on the CPU (row 0: padding), or None when the model has none."""
    own = getattr(model, "item_embeddings", None)
    if callable(own):
        out = own()
        return None if out is None else out.detach().float().cpu()
    item = getattr(model, "item", None)
    return item.weight.detach().float().cpu() if isinstance(item, torch.nn.Embedding) else None


@torch.no_grad()
def item_map(model, data: Prepared, max_points: int = MAX_POINTS) -> ItemMap | None:
    vectors = item_vectors(model)
    if vectors is None or vectors.shape[0] != data.n_items + 1 or data.n_items < 3:
        return None
    x = vectors[1:] - vectors[1:].mean(0)  # (N, D)
    _, s, vh = torch.linalg.svd(x, full_matrices=False)
    axes = vh[:2]  # (2, D)
    axes = axes * torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))  # largest loading positive
    xy = (x @ axes.T).numpy()  # (N, 2)
    var = (s ** 2) / (s ** 2).sum().clamp(min=1e-12)
    counts = np.bincount(data.items, minlength=data.n_items + 1)[1:]
    keep = np.sort(np.argsort(-counts, kind="stable")[:max_points])
    return ItemMap(item_ids=[str(i) for i in data.item_ids[1:][keep]], titles=[str(t) for t in data.titles[1:][keep]],
                   categories=[str(c) for c in data.categories[1:][keep]], interactions=[int(c) for c in counts[keep]],
                   x=[round(float(v), 5) for v in xy[keep, 0]], y=[round(float(v), 5) for v in xy[keep, 1]],
                   explained=(round(float(var[0]), 4), round(float(var[1]), 4) if len(var) > 1 else 0.0),
                   items_total=data.n_items)


@torch.no_grad()
def nearest_items(model, data: Prepared, item_id: str, n: int = 10) -> list[Neighbour]:
    """The n items most similar to `item_id` (cosine of the embeddings), most similar first."""
    vectors = item_vectors(model)
    if vectors is None:
        return []
    i = find_item(data, item_id)
    unit = torch.nn.functional.normalize(vectors, dim=1)
    sim = unit @ unit[i]  # (N+1,)
    sim[0], sim[i] = float("-inf"), float("-inf")
    top = torch.topk(sim, min(n, data.n_items - 1)).indices.tolist()
    return [Neighbour(str(data.item_ids[j]), str(data.titles[j]), str(data.categories[j]), round(float(sim[j]), 4))
            for j in top]
