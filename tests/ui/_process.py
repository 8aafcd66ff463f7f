"""Reading a ``homeloom run`` subprocess's output until a line appears."""

from __future__ import annotations

import os
import selectors
import subprocess
import time

STARTUP_TIMEOUT_S = 60


def read_until(proc: subprocess.Popen[str], needle: str, lines: list[str]) -> None:
    """Append output lines to ``lines`` until one contains ``needle``; fail on exit or timeout.

    Reads the pipe's bytes directly: a buffered ``readline`` could hold the awaited
    line while ``select`` waits for more.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    pending = b""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                lines.append(raw.decode("utf-8", "replace") + "\n")
            if any(needle in line for line in lines):
                return
    finally:
        selector.close()
    proc.kill()
    raise AssertionError(f"never saw {needle!r}; output:\n{''.join(lines)}")
