"""The crawl's child process: started as `python -m spiders.child KIND ORDERS_FD RESULTS_FD PARENT`.

A plain subprocess with two inherited pipe ends, not a `multiprocessing` process: the
"spawn" start method also starts multiprocessing's resource tracker (a third Python
process, ~13 MB, tracking semaphores and shared memory the crawl never makes) and
imports the parent's `__main__` in the child (`monitor.cli` and what it imports, ~8 MB).
On a first run of 2,000 realistic feeds both counted in the peak memory of the run's
process tree (benchmarks/bench_fetch.py). The pipes carry the same pickled messages as
before (`multiprocessing.connection.Connection` over the inherited descriptors).

KIND is `run` (one crawl, spiders/crawl.py `_child`) or `kept` (a worker's crawl process
that serves job after job, spiders/kept.py `_serve`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path


class ChildProcess:
    """The child as the parent sees it: join, is_alive, terminate, kill, pid."""

    def __init__(self, kind: str, orders_in: Connection, results_out: Connection) -> None:
        fds = (orders_in.fileno(), results_out.fileno())
        # The child imports the same code as the parent, wherever it was started from (a checkout
        # run without installing, a second worktree): the tree this module lies in comes first.
        tree = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(p for p in (tree, os.environ.get("PYTHONPATH", "")) if p)
        self._popen = subprocess.Popen([sys.executable, "-m", "spiders.child", kind, *map(str, fds), str(os.getpid())],
                                       pass_fds=fds, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": path})
        self.pid: int = self._popen.pid

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)

    def terminate(self) -> None:
        if self.is_alive():
            self._popen.terminate()

    def kill(self) -> None:
        if self.is_alive():
            self._popen.kill()


def main(argv: list[str]) -> None:
    kind, orders_fd, results_fd, parent = argv
    orders = Connection(int(orders_fd), writable=False)
    results = Connection(int(results_fd), readable=False)
    if kind == "kept":
        from spiders.kept import _serve
        _serve(orders, results, int(parent))
    else:
        from spiders.crawl import _child
        _child(orders, results, int(parent))


if __name__ == "__main__":
    main(sys.argv[1:])
