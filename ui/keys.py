"""Widget keys bound to what a widget shows. A widget whose options depend on the model, the user or
the edit is keyed by them, so switching any of them gives a fresh widget: it can never show, or act
on, the previous user's item. Tests build the same keys with `keyed`."""
import hashlib


def keyed(name: str, *about) -> str:
    """"_whatif_remove" + (model path, user, edit) -> "_whatif_remove:1a2b3c4d5e"."""
    digest = hashlib.sha1("\x1f".join(map(str, about)).encode()).hexdigest()[:10]
    return f"{name}:{digest}"


def widget(at, kind: str, name: str):
    """In a streamlit AppTest: the one widget of `kind` whose key is `name` keyed by anything (tests)."""
    found = [w for w in at.get(kind) if getattr(w, "key", None) and str(w.key).split(":")[0] == name]
    if len(found) != 1:
        raise LookupError(f"{len(found)} {kind} widgets keyed {name}:…")
    return found[0]
