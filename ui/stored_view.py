"""The Data page's list of stored datasets: rename one, see its size and models, delete it with its
models after a confirmation, and the store's disk use against its limit."""
import streamlit as st

from recsys_core.data import stored
from ui.data_view import flash
from ui.state import data_dir, friendly, select_dataset, visible_stored


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _rename(dataset_id: str):
    new = st.session_state.get(f"stored_name_{dataset_id}", "")
    if friendly(stored.rename, dataset_id, new, data_dir()) is not None:
        flash(f"Renamed to “{' '.join(new.split())}”.")


def _delete(meta, n_models: int):
    from recsys_core.store.library import delete_dataset
    done = friendly(delete_dataset, meta.id, data_dir())
    if done is None:
        return
    if st.session_state.get("dataset_spec") == meta.id:
        select_dataset("sample")
    flash(f"Deleted “{meta.name}” and {len(done[1])} saved model(s).")
    st.rerun()


def manage():
    found = visible_stored()
    use = stored.usage(data_dir())
    st.caption(f"Stored datasets on this server use {_mb(use['bytes'])} of {_mb(use['budget_bytes'])} "
               "(set ATTENTION_LENS_STORE_MB to change the limit). You see the ones you added and those with a saved "
               "model in the library.")
    if not found:
        st.caption("Nothing stored yet: an upload above is stored when you press “Use this file”.")
        return
    from recsys_core.store.library import models_of
    for m in found:
        n_models = len(models_of(m.id))
        c1, c2, c3 = st.columns([4, 5, 2], vertical_alignment="center")
        c1.text_input("Name", value=m.name, key=f"stored_name_{m.id}", on_change=_rename, args=(m.id,),
                      label_visibility="collapsed", max_chars=80, help=f"id {m.id}: what --dataset takes")
        c2.caption(f"{m.interactions:,} interactions · {m.users:,} users · {m.items:,} items · {_mb(m.bytes)} · "
                   f"{n_models} saved model{'s' if n_models != 1 else ''} · from {', '.join(m.files)}")
        with c3.popover("Delete", icon=":material/delete:"):
            st.markdown(f"Delete **{m.name}** and its {n_models} saved model{'s' if n_models != 1 else ''}? "
                        "This cannot be undone.")
            if st.button("Delete for good", key=f"stored_delete_{m.id}", type="primary"):
                _delete(m, n_models)
