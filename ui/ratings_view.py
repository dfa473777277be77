"""Predicted ratings beside the Explain page's recommendations, from the rating model (rating.pt) that
`train --ratings` saves next to a ranking model (recsys_core.ratings)."""
import streamlit as st

from recsys_core.explain.explanation import Explanation
from recsys_core.store.sidecar import identity
from ui.state import data_dir, loaded_model, opened


@st.cache_resource(max_entries=16, show_spinner=False)
def _rating_model(where: str, size: int, mtime_ns: int, model_path: str, data_dir_: str | None):
    """The rating model at `where` (this version), checked against the ranking model's dataset."""
    from recsys_core.ratings import load_rating_model
    return load_rating_model(where, opened(model_path, data_dir_).data)


def predicted_ratings(path: str, res: Explanation) -> dict[str, float]:
    """item id -> the rating the model's rating.pt predicts for this user ({} when it has none)."""
    from recsys_core.data.lookup import find_item, find_user
    from recsys_core.ratings.report import predict_for_user
    from recsys_core.ratings.store import rating_path
    version = identity(rating_path(path))
    if version is None:
        return {}
    model = _rating_model(*version, path, data_dir())
    data = loaded_model(path).data
    items = [r.item_id for r in res.recommendations]
    values = predict_for_user(model, data, find_user(data, res.user_id), [find_item(data, i) for i in items])
    return {i: round(float(v), 2) for i, v in zip(items, values)}
