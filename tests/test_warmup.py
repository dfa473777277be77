"""The background warm-up really runs: it explains one user with the shipped model and draws both of
the Explain page's first charts, so a rename in the page's modules cannot make it fail quietly (it
only logs at debug level, by design: it is an optimisation)."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import logging, sys
sys.path.insert(0, {repo!r})
records = []
class Keep(logging.Handler):
    def emit(self, record): records.append(record)
logging.getLogger("ui.warmup").addHandler(Keep())
logging.getLogger("ui.warmup").setLevel(logging.DEBUG)
from ui import warmup
warmup._warm()
failed = [r for r in records if "failed" in r.getMessage()]
assert not failed, failed[0].exc_info
assert "streamlit.emojis" in sys.modules  # the last step ran
print("warm")
"""


def test_the_warm_up_explains_a_user_without_failing():
    # A fresh process: in this one the Explain modules may be imported already, and the warm-up then skips.
    out = subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO))], capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "warm", out.stderr[-2000:]
