"""Applied configuration files are written by every worker that reads them; writers at once must
neither fail nor leave a half-written file (seen: two workers at digest time, one rename taking
the other's partial file away)."""

from __future__ import annotations

import threading

from monitor.locations import write_copy


def test_many_writers_of_one_file_at_once_all_succeed_and_leave_it_whole(tmp_path):
    target = tmp_path / "applied-0123" / "teams" / "acme.yaml"
    text = ("sources:\n" + "".join(f"  - name: feed-{n}\n    url: https://example.org/{n}.xml\n" for n in range(400)))
    data = text.encode()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer() -> None:
        start.wait(timeout=10)
        for _ in range(100):
            try:
                write_copy(target, data)
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == ["acme.yaml"]      # no partial file left behind
