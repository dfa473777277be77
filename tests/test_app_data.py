"""The Data page through AppTest: the sample's statistics, switching dataset (which clears a model
made for another one), the data folder, downloads only on click, and the upload path."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from recsys_core.data import download
from recsys_core.data.loaders import guess_columns, read_table_columns
from recsys_core.data.registry import load_dataset
from recsys_core.errors import DataError, UserError
from ui.data_view import save_upload

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def dirs(app_dirs):
    return app_dirs.data


def tiny_movielens(folder: Path, users: int = 5, per_user: int = 4):
    """A MovieLens-latest-shaped folder: users x per_user ratings over a few movies."""
    folder.mkdir(parents=True)
    rows = [f"{u},{(u + k) % 7 + 1},4.0,{1000 + 10 * k}" for u in range(1, users + 1) for k in range(per_user)]
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + "\n".join(rows) + "\n")
    movies = [f'{m},Movie {m} (2000),Drama' for m in range(1, 8)]
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "\n".join(movies) + "\n")


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def dataset_box(at):
    return next(s for s in at.selectbox if s.label == "Dataset")


def offered(at) -> list[str]:
    """The Dataset menu's entries as shown (names before the ' · ' description)."""
    return [o.split(" · ")[0] for o in dataset_box(at).options]


def test_the_landing_page_shows_the_embedded_shop_and_its_story():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.session_state["dataset_spec"] == "sample"
    assert metric(at, "Users") == "1,240" and metric(at, "Items") == "354"
    assert metric(at, "Trigger → follow-up").endswith("%")
    story = " ".join(m.value for m in at.markdown)
    assert "planted follow-ups" in story and "→" in story
    assert not at.error


def test_the_landing_page_does_not_wait_for_torch():
    """A cold start renders the Data page without importing torch (~2 s); ui.warmup loads it afterwards."""
    imports = "import ui.frame, ui.state, ui.urls, ui.warmup, ui.data_view"  # app.py's and pages/data.py's
    probe = f"import sys; {imports}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=Path(APP).parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_switching_dataset_updates_stats_and_clears_a_model_of_another_dataset(dirs, tmp_path):
    tiny_movielens(dirs / "ml-latest-small")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["model_path"] = str(tmp_path / "gone" / "model.pt")  # a model the new dataset cannot use
    at.session_state["user_id"] = "7"
    at.run()
    assert "ml-latest-small" in offered(at)
    dataset_box(at).select("ml-latest-small").run()
    assert not at.exception and not at.error
    assert at.session_state["dataset_spec"] == "ml-latest-small"
    assert at.session_state["model_path"] is None and at.session_state["user_id"] is None
    assert metric(at, "Users") == "5" and metric(at, "Interactions") == "20"
    assert "planted follow-ups" not in " ".join(m.value for m in at.markdown)  # the story is the sample's only
    dataset_box(at).select("sample").run()
    assert metric(at, "Users") == "1,240"


def test_the_data_folder_is_editable_per_session(dirs):
    other = dirs / "elsewhere"  # inside the server's data folder: a visitor may pick it
    tiny_movielens(other / "ml-latest-small", users=3)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "ml-latest-small" not in offered(at)
    at.text_input(key="data_dir_input").input(str(other)).run()
    assert at.session_state["data_dir"] == os.path.realpath(other)
    dataset_box(at).select("ml-latest-small").run()
    assert not at.exception and metric(at, "Users") == "3"


@pytest.mark.parametrize("where", ["outside", "dotdot", "link"])
def test_a_folder_outside_the_data_folder_is_refused_with_a_message(dirs, tmp_path, where):
    outside = tmp_path / "private"
    tiny_movielens(outside / "ml-latest-small", users=3)
    typed = {"outside": str(outside), "dotdot": str(dirs / ".." / "private"), "link": str(dirs / "shortcut")}[where]
    if where == "link":
        os.symlink(outside, dirs / "shortcut")  # a link inside that points outside is still outside
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="data_dir_input").input(typed).run()
    assert not at.exception
    assert "data_dir" not in at.session_state or not at.session_state["data_dir"]  # unchanged
    assert any("outside this server's data folder" in e.value for e in at.error)
    assert "ml-latest-small" not in offered(at)


def test_download_runs_only_when_its_button_is_clicked(dirs, monkeypatch):
    calls = []

    def fake_download(name, data_dir=None, **kw):
        calls.append((name, data_dir))
        tiny_movielens(Path(data_dir) / name)
        return str(Path(data_dir) / name)

    monkeypatch.setattr(download, "download", fake_download)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert calls == []  # never at start-up
    at.button(key="data_download_ml-latest-small").click().run()
    assert calls == [("ml-latest-small", str(dirs))]
    assert not at.exception and at.session_state["dataset_spec"] == "ml-latest-small"
    assert metric(at, "Users") == "5" and any("Downloaded ml-latest-small" in s.value for s in at.success)
    assert not [b for b in at.button if b.key == "data_download_ml-latest-small"]  # now listed as present


def test_a_failed_download_is_one_friendly_line(monkeypatch):
    def offline(name, data_dir=None, **kw):
        raise UserError(f"https://files.grouplens.org/{name}.zip: cannot download (offline). Fix: check the connection.")

    monkeypatch.setattr(download, "download", offline)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.button(key="data_download_ml-100k").click().run()
    assert not at.exception and at.session_state["dataset_spec"] == "sample"
    assert len(at.error) == 1 and "Fix:" in at.error[0].value and "\n" not in at.error[0].value


def test_a_missing_dataset_is_an_error_line_not_a_traceback():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["dataset_spec"] = "ml-1m"
    at.run()
    assert not at.exception
    assert "ml-1m" in at.error[0].value and "download" in at.error[0].value


def test_save_upload_writes_atomically_under_a_safe_name(tmp_path):
    folder = str(tmp_path / "session")
    path = save_upload(b"user,item,time\n1,a,5\n", "../../my ratings (v2).CSV", folder)
    assert os.path.dirname(path) == folder and path.endswith(".csv")
    assert open(path, "rb").read() == b"user,item,time\n1,a,5\n"
    again = save_upload(b"user,item,time\n2,b,6\n", "../../my ratings (v2).CSV", folder)
    assert again == path and open(path).read().startswith("user,item,time\n2")
    assert os.listdir(folder) == [os.path.basename(path)]  # no half-written .part left behind
    with pytest.raises(UserError, match="Fix:"):
        save_upload(b"x", "notes.xlsx", folder)
    with pytest.raises(DataError, match="empty"):
        save_upload(b"", "empty.csv", folder)


def test_an_upload_with_a_column_mapping_becomes_the_sessions_dataset(tmp_path):
    from recsys_core.data import stored
    text = "customer_id,product,when,stars\n" + "".join(f"c{u},p{(u * k) % 9},2024-01-{k + 1:02d},4\n"
                                                    for u in range(1, 5) for k in range(5))
    path = save_upload(text.encode(), "shop.csv", str(tmp_path / "session"))
    columns = read_table_columns(path)
    mapping = {**guess_columns(columns), "item": "product", "timestamp": "when"}  # what the form pre-fills + picks
    assert mapping["user"] == "customer_id" and mapping["rating"] == "stars"
    meta = stored.add(path, columns=mapping, shown={path: "shop.csv"})  # what "Use this file" does
    assert len(load_dataset(meta.id).interactions) == 20
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["dataset_spec"] = meta.id
    at.session_state["_stored_known"] = [meta.id]
    at.run()
    assert not at.exception and not at.error
    assert metric(at, "Users") == "4" and metric(at, "Interactions") == "20"
    assert "shop" in offered(at) and any("shop.csv" in o for o in dataset_box(at).options)


def test_another_sessions_upload_is_not_offered_until_a_model_on_it_is_saved(tmp_path):
    """A visitor's upload stays theirs on a shared server; a model saved to the shared library makes it visible,
    as the library already shows that model to everyone."""
    from recsys_core.data import stored
    from recsys_core.data.preprocess import prepare
    from recsys_core.models.config import ModelConfig
    from recsys_core.store import library
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.run import train_and_save
    path = tmp_path / "private.csv"
    path.write_text("user,item,timestamp\n" + "".join(f"u{u},i{(u + k) % 6},{k}\n" for u in range(6) for k in range(4)))
    meta = stored.add(str(path), name="Private shop")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "Private shop" not in offered(at)
    train_and_save(prepare(load_dataset(meta.id)), ModelConfig(arch="popular"), TrainConfig(epochs=1),
                   str(tmp_path / "m"), dataset_spec=meta.id)
    library.save_to_library(str(tmp_path / "m"), "popular", meta.name)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "Private shop" in offered(at)


def test_the_landing_pages_first_step_is_exploring_the_shipped_models():
    """The embedded shop comes with trained models: the next step offered first is Explain, not training."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    links = [(el.proto.label, el.proto.page) for el in at.get("page_link")]
    assert links[0][0].startswith("Next: explore") and "explain" in links[0][1]
    assert any("train" in page for _, page in links[1:])
