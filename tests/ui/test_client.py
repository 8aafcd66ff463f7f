"""``homeloom states|call|proposals|approve|reject`` against a running house, with a token."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestServer

from homeloom.cli import main
from homeloom.house import House

from .conftest import Api


async def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_the_client_commands(
    people: dict[str, Api], server: TestServer, house: House, capsys: pytest.CaptureFixture[str]
) -> None:
    token = (await people["bob"].post("/api/tokens", {"name": "cli"}, status=201))["token"]
    url = str(server.make_url("/"))
    common = ("--url", url, "--token", token)
    code, out, _ = await _cli(capsys, "states", "light.hall", *common)
    assert code == 0 and out.split() == ["light.hall", "off"]
    code, out, _ = await _cli(
        capsys, "call", "light.turn_on", "entity_id=light.hall", "brightness=100", *common
    )
    assert code == 0 and out.strip() == "ok"
    state = house.runtime.states.get("light.hall")
    assert state is not None and state.state == "on" and state.context.user_id == "bob"
    house.runtime.states.set("binary_sensor.hall_motion", "on")
    await house.runtime.idle()
    code, out, _ = await _cli(capsys, "proposals", "--json", *common)
    (proposal,) = json.loads(out)
    code, out, _ = await _cli(capsys, "proposals", *common)
    assert proposal["id"] in out and "decided by admin, resident" in out
    code, out, _ = await _cli(capsys, "reject", proposal["id"], *common)
    assert code == 0 and out.strip() == f"{proposal['id']}: rejected"
    code, _, err = await _cli(capsys, "approve", proposal["id"], *common)
    assert code == 1 and "already rejected" in err
    code, _, err = await _cli(capsys, "states", "--url", url, "--token", "hl_wrong_x")
    assert code == 1 and "401" in err
    code, _, err = await _cli(capsys, "call", "light", *common)
    assert code == 1 and "DOMAIN.SERVICE" in err


async def test_the_client_without_a_token_or_a_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOMELOOM_TOKEN", raising=False)
    code, _, err = await _cli(capsys, "states")
    assert code == 1 and "no token" in err
    code, _, err = await _cli(capsys, "states", "--url", "http://127.0.0.1:9", "--token", "hl_x_y")
    assert code == 1 and "cannot reach" in err
