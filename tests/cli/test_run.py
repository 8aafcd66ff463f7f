"""``homeloom run`` as a newcomer runs it: demo config written, house up, clean stop."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTUP_TIMEOUT_S = 60


def _wait_for_line(proc: subprocess.Popen[str], needle: str) -> list[str]:
    """Read the process's output until a line contains ``needle``; fail on exit or timeout."""
    assert proc.stdout is not None
    lines: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
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
