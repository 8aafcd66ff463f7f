"""Discovered devices through the API: the list, adopting and ignoring, and who may."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestServer
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from homeloom.adapters import ADOPTED_FILE, Discovered, Discovery, shared_zeroconf
from homeloom.house import House
from homeloom.ui import Accounts
from tests.adapters.shelly_sim import ShellySim

from .conftest import PASSWORD, Api

LOOPBACK = ["127.0.0.1"]
# A name of this run only, so a run beside another on the same machine sees only its own.
DEVICE_ID = f"shellyplus1-{secrets.token_hex(6)}"


@pytest.fixture
async def sim() -> AsyncIterator[ShellySim]:
    device = ShellySim()
    await device.start()
    yield device
    await device.stop()


def _discovery(house: House) -> Discovery:
    found = house.runtime.components["discovery"]
    assert isinstance(found, Discovery)
    return found


def _report(house: House, key: str, details: dict[str, object]) -> None:
    adapters = house.runtime.components["adapters"]
    adapters.add_discovered(Discovered("shelly", key, f"Shelly {key}", details))


async def test_an_admin_adopts_a_device_and_it_joins_the_house(
    sim: ShellySim, people: dict[str, Api], house: House, tmp_path: Path
) -> None:
    _report(house, "office", {"host": "127.0.0.1", "port": sim.port, "gen": 2})
    (found,) = await people["bob"].get("/api/discovered")
    assert found["id"] == "shelly_office" and found["source"] == "adapter"
    assert found["config"] == {"adapter": "shelly", "host": "127.0.0.1", "port": sim.port}
    assert found["properties"]["gen"] == "2"

    for who, status in (("anonymous", 401), ("gus", 403), ("bob", 403)):
        await people[who].post("/api/discovered/shelly_office/adopt", status=status)
    assert house.runtime.states.get("switch.kettle") is None

    adopted = await people["alice"].post("/api/discovered/shelly_office/adopt")
    assert adopted["ok"] and adopted["running"] and adopted["adapter"] == "shelly"
    assert "switch.kettle" in adopted["entities"]
    kettle = house.runtime.states.get("switch.kettle")
    assert kettle is not None and kettle.state == "off"
    assert await people["bob"].get("/api/discovered") == []
    saved = yaml.safe_load((tmp_path / ADOPTED_FILE).read_text(encoding="utf-8"))
    assert saved == [
        {"adapter": "shelly", "host": "127.0.0.1", "port": sim.port, "name": adopted["name"]}
    ]
    audit = await people["alice"].get("/api/audit?kind=discovery")
    assert [(a["data"]["change"], a["context"]["user_id"]) for a in audit] == [("adopted", "alice")]
    # Reported again by its adapter: configured now, so not offered again.
    _report(house, "office", {"host": "127.0.0.1", "port": sim.port})
    assert await people["bob"].get("/api/discovered") == []
    missing = await people["alice"].post("/api/discovered/shelly_office/adopt", status=404)
    assert missing["code"] == "not_found"


async def test_an_admin_ignores_a_device_for_good(people: dict[str, Api], house: House) -> None:
    _report(house, "garage", {"host": "127.0.0.2"})
    for who, status in (("anonymous", 401), ("gus", 403), ("bob", 403)):
        await people[who].post("/api/discovered/shelly_garage/ignore", status=status)
    assert await people["alice"].post("/api/discovered/shelly_garage/ignore") == {"ok": True}
    assert await people["alice"].get("/api/discovered") == []
    await people["alice"].post("/api/discovered/shelly_garage/ignore", status=404)
    house.runtime.components["adapters"].discovered.clear()
    _report(house, "garage", {"host": "127.0.0.2"})
    assert await people["alice"].get("/api/discovered") == []
    assert "shelly_garage" in _discovery(house).ignored


async def test_an_ignored_device_can_be_offered_again(people: dict[str, Api], house: House) -> None:
    _report(house, "garage", {"host": "127.0.0.2"})
    await people["alice"].post("/api/discovered/shelly_garage/ignore")
    await people["bob"].get("/api/discovered/ignored", status=403)
    (ignored,) = await people["alice"].get("/api/discovered/ignored")
    assert (ignored["id"], ignored["adapter"], ignored["by"]) == (
        "shelly_garage",
        "shelly",
        "alice",
    )
    await people["bob"].post("/api/discovered/shelly_garage/unignore", status=403)
    assert await people["alice"].post("/api/discovered/shelly_garage/unignore") == {"ok": True}
    assert await people["alice"].get("/api/discovered/ignored") == []
    await people["alice"].post("/api/discovered/shelly_garage/unignore", status=404)
    # The next time it is reported, it is offered again.
    house.runtime.components["adapters"].discovered.clear()
    _report(house, "garage", {"host": "127.0.0.2"})
    assert [d["id"] for d in await people["alice"].get("/api/discovered")] == ["shelly_garage"]
    audit = await people["alice"].get("/api/audit?kind=discovery")
    assert [a["data"]["change"] for a in audit] == ["ignored", "offered again"]


async def test_a_device_without_an_address_cannot_be_adopted(
    people: dict[str, Api], house: House
) -> None:
    _report(house, "attic", {"model": "Plus1"})
    refused = await people["alice"].post("/api/discovered/shelly_attic/adopt", status=400)
    assert refused["code"] == "cannot_adopt" and "host" in refused["message"]
    assert [d["id"] for d in await people["alice"].get("/api/discovered")] == ["shelly_attic"]


async def test_the_list_needs_a_resident_and_a_house_without_discovery_is_empty(
    people: dict[str, Api], house: House
) -> None:
    await people["gus"].get("/api/discovered", status=403)
    await people["anonymous"].get("/api/discovered", status=401)
    del house.runtime.components["discovery"]
    assert await people["bob"].get("/api/discovered") == []
    gone = await people["alice"].post("/api/discovered/x/ignore", status=404)
    assert gone["code"] == "not_available"


async def test_a_real_announcement_shows_in_the_list(people: dict[str, Api], house: House) -> None:
    shared_zeroconf(house.runtime, interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    await _discovery(house).start()
    announcer = AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    kind = "_shelly._tcp.local."
    info = AsyncServiceInfo(
        kind,
        f"{DEVICE_ID}.{kind}",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=8080,
        properties={"gen": "2", "id": DEVICE_ID, "app": "Plus1"},
        server=f"{DEVICE_ID}.local.",
    )
    broadcast = await announcer.async_register_service(info, cooperating_responders=True)
    try:
        wanted = f"shelly_{DEVICE_ID.replace('-', '_')}"
        for _ in range(1000):  # a bounded poll: the announcement travels over loopback
            listed = await people["bob"].get("/api/discovered")
            if any(d["id"] == wanted for d in listed):
                break
            await asyncio.sleep(0.01)
        (found,) = [d for d in listed if d["id"] == wanted]
        assert (found["name"], found["host"], found["port"]) == (DEVICE_ID, "127.0.0.1", 8080)
        assert found["source"] == "zeroconf" and found["service"] == info.name
        assert found["properties"] == {"gen": "2", "id": DEVICE_ID, "app": "Plus1"}
    finally:
        await broadcast
        await announcer.async_close()


CHROMIUM = Path(os.environ.get("HOMELOOM_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
async def test_the_house_page_adopts_with_a_button(
    sim: ShellySim, house: House, server: TestServer, accounts: Accounts
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    accounts.create_user("alice", "Alice", PASSWORD, "admin")
    _report(house, "office", {"host": "127.0.0.1", "port": sim.port})
    _report(house, "garage", {"host": "127.0.0.2"})
    errors: list[str] = []
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(base_url=str(server.make_url("/")))
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto("/login?next=/")
        await page.get_by_label("User name").fill("alice")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_selector("body[data-ready='yes'] #discovered")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "discovered.png"), full_page=True)
        await page.get_by_role("button", name="Ignore Shelly garage").click()
        await page.locator("[data-id='shelly_garage']").wait_for(state="detached")
        await page.get_by_role("button", name="Adopt Shelly office").click()
        await page.get_by_role("status").filter(has_text="Shelly office adopted: 6").wait_for()
        await page.get_by_role("link", name="Show the house").click()
        await page.wait_for_selector("body[data-ready='yes'] [data-entity='switch.kettle']")
        assert await page.locator("#discovered").count() == 0
        assert _discovery(house).ignored == {"shelly_garage"}
        await page.get_by_role("button", name="Offer Shelly garage again").click()
        await page.locator("#ignored-devices").wait_for(state="detached")
        await browser.close()
    assert errors == []
    kettle = house.runtime.states.get("switch.kettle")
    assert kettle is not None and kettle.state == "off"
    assert _discovery(house).ignored == frozenset()
