"""Pages: login first, security headers everywhere, static files, where the server may listen."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.ui import BindRefused, is_loopback, serve
from homeloom.ui._pages import PAGES

from ._process import read_until
from .conftest import Api


async def _get(
    session: ClientSession, server: TestServer, path: str
) -> tuple[int, str, dict[str, str]]:
    async with session.get(server.make_url(path), allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_unauthenticated_visits_go_to_onboarding_then_login(
    server: TestServer, accounts: object
) -> None:
    async with ClientSession() as session:
        status, _, headers = await _get(session, server, "/inbox")
        assert status == 302 and headers["Location"].startswith("/onboarding")
        status, _, headers = await _get(session, server, "/login")
        assert headers["Location"] == "/onboarding"
        status, body, _ = await _get(session, server, "/onboarding")
        assert status == 200 and 'data-page="onboarding"' in body


async def test_pages_need_a_session(people: dict[str, Api], server: TestServer) -> None:
    anonymous = people["anonymous"].session
    for path in PAGES:
        status, _, headers = await _get(anonymous, server, path)
        if path in ("/login",):
            assert status == 200
        elif path == "/onboarding":
            assert status == 302 and headers["Location"] == "/login"
        else:
            assert status == 302 and headers["Location"].startswith("/login")
    for path in PAGES:
        if path in ("/login", "/onboarding"):
            continue
        status, body, headers = await _get(people["bob"].session, server, path)
        assert status == 200, path
        assert f'content="{people["bob"].csrf}"' in body
        assert "<script" in body and "<script>" not in body  # modules from files only
        assert headers["Cache-Control"] == "no-store"


async def test_security_headers_on_every_response(
    people: dict[str, Api], server: TestServer
) -> None:
    for path in ("/", "/login", "/api/states", "/static/app.js", "/static/style.css", "/api/nope"):
        _, _, headers = await _get(people["bob"].session, server, path)
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


async def test_static_files_have_no_inline_script(server: TestServer) -> None:
    async with ClientSession() as session:
        status, _, headers = await _get(session, server, "/static/app.js")
        assert status == 200 and "javascript" in headers["Content-Type"]
        status, html, _ = await _get(session, server, "/static/shell.html")
        assert "<script>" not in html and "onclick" not in html


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


async def test_a_non_loopback_bind_is_refused_without_an_account(house: House) -> None:
    with pytest.raises(BindRefused, match="no account"):
        await serve(house.runtime, "0.0.0.0", 0)


async def test_serving_on_loopback_prints_the_onboarding_code(
    house: House, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await serve(house.runtime, "127.0.0.1", 0)
    try:
        assert server.port != 0 and server.url.startswith("http://127.0.0.1:")
        out = capsys.readouterr().out
        assert "onboarding code:" in out and "/onboarding" in out
        async with ClientSession() as session, session.get(f"{server.url}/api/onboarding") as r:
            assert await r.json() == {"needed": True}
    finally:
        await server.close()


def test_homeloom_run_refuses_another_address_before_any_account(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "homeloom",
            "run",
            "--config",
            str(tmp_path / "house"),
            "--host",
            "0.0.0.0",
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr


def test_homeloom_run_keeps_the_house_running_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "homeloom",
                "run",
                "--config",
                str(tmp_path / "house"),
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: list[str] = []
        try:
            read_until(proc, "is running", lines)
            assert any("dashboard unavailable" in line for line in lines)
            proc.send_signal(signal.SIGTERM)
            rest, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, rest
    assert "Traceback" not in "".join(lines) + rest
