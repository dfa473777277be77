"""Choosing a user: the id box, a random user, interesting users of several kinds (a planted
trigger's follow-up is due, taste or popularity drives the list, attention and the removal test
disagree, a long history) and users who interacted with an item; and the planted truth for a model,
cached per checkpoint version (path, size, mtime_ns) and data directory, passed in: the cached functions
never read the session."""
import numpy as np
import streamlit as st

from recsys_core.data.lookup import search_items, users_who_interacted
from recsys_core.explain.planted import (
    interesting_users,
    planted_accuracy,
    planted_for_model,
)
from ui.keys import keyed
from ui.state import Version, data_dir, loaded_model, opened, raw_dataset, version_of


@st.cache_resource(max_entries=32, show_spinner=False)
def planted_of(version: Version, data_dir_: str | None) -> dict:
    """The planted truth for this checkpoint version ({} without one); for cached functions, which must not
    read the session."""
    loaded = opened(version, data_dir_)
    if loaded.data.causes is None:
        return {}
    # The item table from the shared dataset cache: otherwise each model on the page reads the file again.
    return planted_for_model(loaded, data_dir_, items=raw_dataset(loaded.meta.dataset.spec, data_dir_).items)


def planted(path: str) -> dict:
    return planted_of(version_of(path), data_dir())


@st.cache_data(max_entries=64, show_spinner=False)
def _planted_rate(version: Version, data_dir_: str | None):
    return planted_accuracy(opened(version, data_dir_), planted_of(version, data_dir_))


def planted_rate(path: str):
    """How often this model's attention finds the planted trigger (embedded data only)."""
    return _planted_rate(version_of(path), data_dir())


@st.cache_data(max_entries=32, show_spinner=False)
def _interesting(version: Version, data_dir_: str | None) -> list:
    loaded = opened(version, data_dir_)
    return interesting_users(loaded.data, planted_of(version, data_dir_), loaded=loaded)


def _set_user(user_id):
    if user_id:
        st.session_state["user_id"] = str(user_id)


def _random_user(user_ids):
    _set_user(np.random.default_rng().choice(user_ids))


def choose_user(path: str, key: str) -> str | None:
    """User id box, a random button, interesting users and "users who interacted with item X".
    Bound to session "user_id"; the first interesting user is the default."""
    data = loaded_model(path).data
    interesting = _interesting(version_of(path), data_dir())
    if not st.session_state.get("user_id") and interesting:
        st.session_state["user_id"] = interesting[0].user_id
    user = st.session_state.get("user_id")
    box, pick = f"_{key}_user", f"_{key}_interesting"
    st.session_state[box] = user or ""
    why = {u.user_id: u.why for u in interesting}
    st.session_state[pick] = user if user in why else None
    c1, c2, c3 = st.columns([2, 1.3, 4], vertical_alignment="bottom")
    c1.text_input("User id", key=box, on_change=lambda: _set_user(st.session_state[box].strip()),
                  help=f"{data.n_users:,} users, e.g. {', '.join(map(str, data.user_ids[:3]))}")
    c2.button("Random user", icon=":material/casino:", key=f"_{key}_random", on_click=_random_user,
              args=(data.user_ids,), width="stretch")
    c3.selectbox("Interesting users", list(why), key=pick, format_func=lambda u: f"{u} · {why[u]}",
                 placeholder="Users worth a look…", on_change=lambda: _set_user(st.session_state[pick]))
    with st.expander("Find users who interacted with an item", icon=":material/search:"):
        q = st.text_input("Item title contains", key=keyed(f"_{key}_item_q", path), placeholder="e.g. Tablet")
        hits = search_items(data, q) if q.strip() else []
        if q.strip() and not hits:
            st.caption("No item title contains that text.")
        if hits:
            titles = {h.item_id: f"{h.title} ({h.interactions:,} interactions)" for h in hits}
            item = st.selectbox("Item", list(titles), format_func=titles.get, key=keyed(f"_{key}_item", path, q))
            users = users_who_interacted(data, item)
            ukey = keyed(f"_{key}_item_user", path, item)
            st.selectbox(f"Users who interacted with it ({len(users):,} shown)", users, index=None, key=ukey,
                         placeholder="Pick a user…", on_change=lambda: _set_user(st.session_state[ukey]))
    return st.session_state.get("user_id")
