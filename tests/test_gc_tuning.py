"""The collector settings long and busy processes run with (monitor/gc_tuning.py)."""

import subprocess
import sys

PROBE = """
import gc
from monitor.gc_tuning import tune_garbage_collection, YOUNGEST, MIDDLE, OLDEST
before = gc.get_freeze_count()
tune_garbage_collection()
assert gc.get_threshold() == (YOUNGEST, MIDDLE, OLDEST), gc.get_threshold()
assert gc.get_freeze_count() > before, "what the imports built is not frozen"
assert YOUNGEST > 700, "the youngest generation is collected no less often than CPython's default"
print("ok")
"""


def test_a_tuned_process_collects_less_often_and_never_walks_its_imports() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
