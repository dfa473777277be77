"""Shared fixtures. Real datasets live in ../shared/datasets relative to the repo root: tests that
need them skip when absent (a user's clone), but fail under CI=true so a green CI hides nothing."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI", "").lower() == "true"
# The app's training worker runs below the server's priority (niceness +10 by default). On a machine busy
# with other work that starves the tests' trainings; in tests the worker competes as an equal.
os.environ.setdefault("ATTENTION_LENS_TRAINER_NICE", "0")


def need(path: Path, what: str) -> Path:
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{what} is missing at {path} and CI=true: a skipped check would hide a failure.")
        pytest.skip(f"{what} not present at {path}")
    return path


@pytest.fixture
def ml100k() -> Path:
    return need(SHARED / "ml-100k", "MovieLens 100K")


@pytest.fixture
def ml_latest_small() -> Path:
    return need(SHARED / "ml-latest-small", "MovieLens latest-small")


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium for the browser walk-through (never a downloaded browser)."""
    return need(CHROMIUM, "Chromium (apt-get install chromium)")


@pytest.fixture
def app_dirs(tmp_path, monkeypatch):
    """Empty data and model-library folders for the app, so tests never touch the user's cache."""
    from types import SimpleNamespace
    data, models = tmp_path / "data", tmp_path / "models"
    data.mkdir()
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(data))
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(models))
    return SimpleNamespace(data=data, models=models)
