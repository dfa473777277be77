"""Predicted ratings beside the Explain page's recommendations, from the rating model (rating.pt) that
`train --ratings` saves next to a ranking model (recsys_core.ratings)."""
import streamlit as st

from recsys_core.explain.explanation import Explanation
from recsys_core.store.sidecar import identity
from ui.state import Version, data_dir, opened, version_of


@st.cache_resource(max_entries=16, show_spinner=False)
def _rating_model(rating: Version, ranking: Version, data_dir_: str | None):
    """The rating model (this version of rating.pt), checked against the ranking model's dataset."""
    from recsys_core.ratings import load_rating_model
    return load_rating_model(rating[0], opened(ranking, data_dir_).data)


def predicted_ratings(path: str, res: Explanation) -> dict[str, float]:
    """item id -> the rating the model's rating.pt predicts for this user ({} when it has none)."""
    from recsys_core.data.lookup import find_item, find_user
    from recsys_core.ratings.report import predict_for_user
    from recsys_core.ratings.store import rating_path
    version = identity(rating_path(path))
    if version is None:
        return {}
    ranking = version_of(path)
    model = _rating_model(version, ranking, data_dir())
    data = opened(ranking, data_dir()).data
    items = [r.item_id for r in res.recommendations]
    values = predict_for_user(model, data, find_user(data, res.user_id), [find_item(data, i) for i in items])
    return {i: round(float(v), 2) for i, v in zip(items, values)}
