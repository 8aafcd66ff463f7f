"""``homeloom run`` as a newcomer runs it: demo config written, house up, clean stop."""

from __future__ import annotations

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

STARTUP_TIMEOUT_S = 60


def _wait_for_line(proc: subprocess.Popen[str], needle: str) -> list[str]:
    """Read the process's output until a line contains ``needle``; fail on exit or timeout."""
    assert proc.stdout is not None
    lines: list[str] = []
    fd = proc.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    # Bytes straight from the pipe: a buffered readline() may hold the awaited line
    # while select() waits for more output.
    pending = b""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        *complete, pending = (pending + chunk).split(b"\n")
        lines.extend(raw.decode("utf-8", "replace") + "\n" for raw in complete)
        if any(needle in line for line in lines):
            return lines
    proc.kill()
    raise AssertionError(f"never saw {needle!r}; output:\n{''.join(lines)}")


def test_run_writes_a_demo_house_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config_dir = tmp_path / "house"
    proc = subprocess.Popen(
        [sys.executable, "-m", "homeloom", "run", "--config", str(config_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output = _wait_for_line(proc, "is running")
        assert any("wrote a demo configuration" in line for line in output)
        assert (config_dir / "configuration.yaml").is_file()
        assert (config_dir / "homeloom.db").is_file()
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    assert "stopping" in rest
    assert "Traceback" not in "".join(output) + rest


SUGGESTING_HOUSE = """\
homeloom:
  time_zone: Europe/Paris
adapters:
  - adapter: virtual
    seed: 3
automation:
  - id: welcome
    alias: Welcome light
    autonomy: suggest
    approval_timeout: "01:00:00"
    triggers: [{trigger: homeassistant, event: start}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.hall}
"""


def _start(config_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "homeloom", "run", "--config", str(config_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _stored_proposals(config_dir: Path) -> dict[str, dict[str, object]]:
    database = f"file:{config_dir / 'homeloom.db'}?mode=ro"
    with closing(sqlite3.connect(database, uri=True)) as db:
        rows = db.execute("SELECT key, value FROM kv WHERE namespace = 'proposals'").fetchall()
    return {key: json.loads(value) for key, value in rows}


def test_a_pending_proposal_survives_a_killed_process(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(SUGGESTING_HOUSE, encoding="utf-8")
    first = _start(tmp_path)
    try:
        _wait_for_line(first, "proposal p1 waits for approval")
        first.kill()  # no clean shutdown: what was promised must already be on disk
        first.wait(timeout=30)
        before = _stored_proposals(tmp_path)["p1"]
        assert before["status"] == "pending"

        second = _start(tmp_path)
        try:
            # The restarted house asks again for its own start; p1 is still waiting.
            _wait_for_line(second, "proposal p2 waits for approval")
            after = _stored_proposals(tmp_path)
            assert after["p1"]["status"] == "pending"
            assert after["p1"]["expires"] == before["expires"]
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        finally:
            if second.poll() is None:
                second.kill()
        assert second.returncode == 0
        assert _stored_proposals(tmp_path)["p1"]["status"] == "pending"  # a clean stop keeps it
    finally:
        if first.poll() is None:
            first.kill()
