"""Predicted ratings beside the Explain page's recommendations, from the rating model (rating.pt) that
`train --ratings` saves next to a ranking model (recsys_core.ratings)."""
import os

import streamlit as st

from recsys_core.explain.explanation import Explanation
from ui.state import data_dir, loaded_model


@st.cache_resource(max_entries=16, show_spinner=False)
def _rating_model(path: str, mtime: float, data_dir_: str | None):
    from recsys_core.ratings import load_rating_model
    return load_rating_model(path, loaded_model(path).data)


def predicted_ratings(path: str, res: Explanation) -> dict[str, float]:
    """item id -> the rating the model's rating.pt predicts for this user ({} when it has none)."""
    from recsys_core.data.lookup import find_item, find_user
    from recsys_core.ratings.report import predict_for_user
    from recsys_core.ratings.store import rating_path
    where = rating_path(path)
    if not os.path.isfile(where):
        return {}
    model = _rating_model(where, os.path.getmtime(where), data_dir())
    data = loaded_model(path).data
    items = [r.item_id for r in res.recommendations]
    values = predict_for_user(model, data, find_user(data, res.user_id), [find_item(data, i) for i in items])
    return {i: round(float(v), 2) for i, v in zip(items, values)}
