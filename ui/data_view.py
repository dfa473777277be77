"""The Data page's parts: the dataset picker, the data folder with MovieLens downloads, saving an
upload's bytes, and the statistics (cards, charts, the embedded shop's story). The upload form is
ui.upload_view; the stored datasets' list is ui.stored_view."""
import math
import os

import altair as alt
import pandas as pd
import streamlit as st

from recsys_core.data import download as downloader
from recsys_core.data import stored
from recsys_core.data.dataset import Dataset
from recsys_core.data.registry import data_dir as resolved_data_dir
from recsys_core.data.registry import folder_within, list_datasets
from recsys_core.data.stats import Stats, compute_stats
from recsys_core.errors import DataError, UserError
from ui.state import data_dir, friendly, select_dataset, visible_stored

UPLOAD_TYPES = ("csv", "tsv", "parquet", "pq")
MOVIELENS = {  # what a download brings, so nobody fetches ml-1m by mistake on a slow line
    "ml-100k": "100,000 ratings · 943 users · 1,682 movies · 5 MB",
    "ml-latest-small": "100,836 ratings · 610 users · 9,742 movies · 1 MB",
    "ml-1m": "1,000,209 ratings · 6,040 users · 3,706 movies · 6 MB",
}
NONE = "—"  # an unmapped role in the column form


def flash(message: str | None = None, warn: bool = False):
    """Show (no argument) or keep (with one) a note that must survive the st.rerun() after an action: a
    success, or a warning when what was done needs a second look (a catalogue that matched few items)."""
    if message:
        st.session_state["_data_flash"] = (message, warn)
    elif note := st.session_state.pop("_data_flash", None):
        text, warn = note
        (st.warning if warn else st.success)(text, icon=":material/warning:" if warn else ":material/check_circle:")


# --- choosing ------------------------------------------------------------------------------------

def dataset_options() -> dict:
    """spec -> label for every dataset this session can pick."""
    options = {"sample": "Embedded shop (sample) · planted trigger → follow-up purchases"}
    for a in list_datasets(data_dir())[1:]:
        options[a.name] = f"{os.path.basename(a.path)} · {a.fmt}"  # a.name is the folder's path outside BUILTIN
    for m in visible_stored():
        options[m.id] = f"{m.name} · {', '.join(m.files)} · {m.interactions:,} interactions"
    spec = st.session_state["dataset_spec"]
    if spec not in options:  # e.g. a model's dataset that is not in this data folder, or a link's
        if meta := stored.find(spec, data_dir()) if stored.is_id(spec) else None:
            options[spec] = f"{meta.name} · {', '.join(meta.files)} · {meta.interactions:,} interactions"
        else:
            options[spec] = f"{os.path.basename(spec) or spec} · not found on this server"
    return options


def _picked():
    select_dataset(st.session_state["data_pick"])


def picker():
    options = dataset_options()
    # The menu follows dataset_spec, which a model load or a shared link may also change.
    if st.session_state.get("data_pick") != st.session_state["dataset_spec"]:
        st.session_state["data_pick"] = st.session_state["dataset_spec"]
    st.selectbox("Dataset", list(options), format_func=options.get, key="data_pick", on_change=_picked,
                 help="Everything you train or explain uses this dataset.")


def _set_data_dir():
    text = st.session_state["data_dir_input"].strip()
    if not text:
        st.session_state["data_dir"] = None
    elif os.environ.get("ATTENTION_LENS_OPEN_FOLDERS") == "1":  # a one-person machine: any folder
        st.session_state["data_dir"] = os.path.expanduser(text)
    else:
        try:
            st.session_state["data_dir"] = folder_within(text, resolved_data_dir(None))
        except UserError as e:
            st.session_state["_data_dir_error"] = str(e)
            st.session_state["data_dir_input"] = resolved_data_dir(data_dir())


def data_folder():
    folder = resolved_data_dir(data_dir())
    st.text_input("Data folder", value=folder, key="data_dir_input", on_change=_set_data_dir,
                  help="MovieLens folders (and other dataset folders) found here are listed in the Dataset menu. "
                       "Starts from $ATTENTION_LENS_DATA; a change applies to this browser tab only.")
    if error := st.session_state.pop("_data_dir_error", None):
        st.error(error, icon=":material/block:")
    if not os.path.isdir(folder):
        st.caption("This folder does not exist yet; a download creates it.")
    present = {a.name for a in list_datasets(data_dir())}
    for name, about in MOVIELENS.items():
        c1, c2, c3 = st.columns([2, 5, 2], vertical_alignment="center")
        c1.markdown(f"**{name}**")
        c2.caption(about)
        if name in present:
            c3.markdown(":green-badge[:material/check: in the folder]")
        elif c3.button("Download", key=f"data_download_{name}", icon=":material/download:"):
            with st.spinner(f"Downloading {name} from GroupLens…"):
                path = friendly(downloader.download, name, data_dir())
            if path:
                select_dataset(name)
                flash(f"Downloaded {name} into {path} and selected it.")
                st.rerun()


# --- uploading -----------------------------------------------------------------------------------

def save_upload(data: bytes, name: str, folder: str, types=UPLOAD_TYPES) -> str:
    """Write an uploaded file into `folder` atomically under a safe name; returns its path."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    stem, ext = os.path.splitext(base)
    if ext.lower().lstrip(".") not in types:
        raise UserError(f"{base or 'the upload'}: not a {'/'.join('.' + t for t in types)} file. "
                        f"Fix: upload a file of that type.")
    if not data:
        raise DataError(f"{base}: the file is empty. Fix: choose a file with data.")
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in stem).strip(".-")[:80] or "upload"
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, safe + ext.lower())
    tmp = os.path.join(folder, f".{safe}{ext.lower()}.{os.urandom(4).hex()}.part")  # two uploads never share one
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())  # on disk before the rename: a crash then leaves the old file or the new one
    os.replace(tmp, path)  # a reader never sees half a file, even when a file of that name is re-uploaded
    return path


# --- statistics ----------------------------------------------------------------------------------

@st.cache_resource(max_entries=16, show_spinner="Counting…")
def _stats(_ds: Dataset, key: tuple) -> Stats:
    return compute_stats(_ds)


def stats(ds: Dataset) -> Stats:
    """Statistics of the session's dataset `ds`, cached under the key its loader cache uses."""
    columns = st.session_state.get("columns")
    mtime = os.path.getmtime(ds.source) if ds.source and os.path.exists(ds.source) else 0.0
    key = (st.session_state["dataset_spec"], data_dir(), tuple(sorted(columns.items())) if columns else None, mtime)
    return _stats(ds, key)


def cards(s: Stats):
    c = st.columns(5)
    c[0].metric("Users", f"{s.users:,}")
    c[1].metric("Items", f"{s.items:,}", help=f"Items with interactions; {s.catalogue_items:,} in the catalogue, "
                                             f"{s.never_interacted:,} never interacted with.")
    c[2].metric("Interactions", f"{s.interactions:,}", help="Rated" if s.has_ratings else "No ratings")
    c[3].metric("Density", f"{s.density:.2%}", help="Interactions / (users × items)")
    c[4].metric("Median history", f"{s.seq_len['median']:g}",
                help=", ".join(f"{k} {v:g}" for k, v in s.seq_len.items()) + " interactions per user")


def charts(s: Stats):
    left, right = st.columns(2)
    hist = pd.DataFrame(s.seq_len_hist, columns=["start", "end", "users"])
    # Lengths are whole numbers, so equal-width bins hold 2 or 3 of them in turn; per-length averages
    # keep that from drawing a zig-zag that is not in the data.
    last = len(hist) - 1
    hist["lengths"] = [max(1, math.ceil(e) - math.ceil(b) + (i == last and e == int(e)))
                       for i, (b, e) in enumerate(zip(hist["start"], hist["end"]))]
    hist["per_length"] = hist["users"] / hist["lengths"]
    left.markdown("**History length**")
    left.altair_chart(alt.Chart(hist).mark_bar().encode(
        x=alt.X("start:Q", bin="binned", title="Interactions per user"), x2="end:Q",
        y=alt.Y("per_length:Q", title="Users per length (bin average)"),
        tooltip=[alt.Tooltip("start:Q", format=".1f", title="from"), alt.Tooltip("end:Q", format=".1f", title="to"),
                 alt.Tooltip("users:Q", title="users in bin")]).properties(height=360), width="stretch")
    top = pd.DataFrame(s.popular[:15], columns=["item_id", "title", "interactions"])
    right.markdown("**Most popular items**")
    right.altair_chart(alt.Chart(top).mark_bar().encode(
        x=alt.X("interactions:Q", title="Interactions"),
        y=alt.Y("title:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        tooltip=["title:N", "item_id:N", "interactions:Q"]).properties(height=360), width="stretch")


def planted_examples(ds: Dataset, n: int = 3) -> list[tuple[str, str]]:
    """(trigger title, follow-up title) pairs from the embedded shop's catalogue, one per category."""
    if "follow_up" not in ds.items.columns:
        return []
    titles = ds.titles()
    pairs, seen = [], set()
    for trig, fu, cat in zip(ds.items["item_id"], ds.items["follow_up"], ds.items["category"]):
        if fu and cat not in seen and fu in titles:
            seen.add(cat)
            pairs.append((titles[trig], titles[fu]))
    return pairs[:n]


def story(ds: Dataset, s: Stats):
    """What the embedded shop is and why it makes explanations checkable."""
    shares = s.causes or {}
    examples = "; ".join(f"*{a}* → *{b}*" for a, b in planted_examples(ds))
    st.markdown(
        f"**A shop whose customers behave by a known process.** {s.users:,} customers buy from {s.items:,} "
        "products in eight taste categories (photography, gaming, books, running, …). Every purchase has a "
        "recorded cause: most come from a customer's 1–3 favourite categories (**taste**) or from the whole "
        "shop by popularity (**popular**, noise). The rest are **planted follow-ups**: buying a *trigger* "
        "(a camera, a console, a novel's first volume) makes its follow-up (that camera's lens, a game for "
        "that console, volume 2) likely 1–10 purchases later, usually *not* right after it. "
        f"For example: {examples}. Because we know which earlier item caused each follow-up, you can check "
        "whether a model's attention points at the right one.")
    c = st.columns(3)
    c[0].metric("Taste", f"{shares.get('taste', 0):.1%}", help="From the customer's favourite categories")
    c[1].metric("Popular", f"{shares.get('popular', 0):.1%}", help="Drawn from the whole shop by popularity")
    c[2].metric("Trigger → follow-up", f"{shares.get('trigger', 0):.1%}",
                help="Planted: caused by an earlier trigger item")
