"""Fixtures shared by every test: a fresh runtime on a test clock, with guards."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from homeloom.orchestrator import Runtime, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
async def runtime(clock: TestClock) -> AsyncIterator[Runtime]:
    """A started runtime on a test clock; stopped, with its tasks checked, afterwards."""
    rt = Runtime(clock=clock)
    await rt.start()
    yield rt
    await rt.stop()
    assert rt.tasks.pending == 0, "the test left tasks running"


@pytest.fixture(autouse=True)
def _fail_on_error_logs(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """A test fails if something logged an unexpected error; mark expected ones with
    ``@pytest.mark.allow_error_logs``."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, "unexpected error logs: " + "; ".join(r.getMessage() for r in errors)


_real_connect = socket.socket.connect


def _is_loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "localhost")


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    inet = self.family in (socket.AF_INET, socket.AF_INET6)
    if inet and isinstance(host, str) and not _is_loopback(host):
        raise OSError(f"test tried to reach {host}: tests stay on loopback")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_error_logs: the test expects error logs")
