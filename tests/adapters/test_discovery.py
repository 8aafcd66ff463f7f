"""Zeroconf discovery with real announcements on loopback, adoption and ignoring.

A second :class:`AsyncZeroconf` in the test announces services on 127.0.0.1
(IPv4 only), as python-zeroconf's own tests do; the house's shared instance is
made first with the same interface, so nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pydantic import Field
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from homeloom.adapters import (
    ADOPTED_FILE,
    Adapter,
    AdapterConfig,
    AdapterManager,
    AdoptionRefused,
    Discovered,
    Discovery,
    EntityDescription,
    UnknownDevice,
    ZeroconfMatcher,
    shared_zeroconf,
)
from homeloom.adapters.shelly import ShellyAdapter
from homeloom.cli import main
from homeloom.house import House
from homeloom.orchestrator import Persistence, Runtime, TestClock
from homeloom.scenarios import load_config_file
from tests.adapters.shelly_sim import ShellySim
from tests.conftest import START

LOOPBACK = ["127.0.0.1"]
# Names of this run only, so a run beside another on the same machine sees only its own.
RUN = secrets.token_hex(4)
LAMP_TYPE = f"_hl{RUN}._tcp.local."
SHELLY_ID = f"shellypro2pm-{RUN}"
SHELLY_TYPE = "_shelly._tcp.local."


class LampConfig(AdapterConfig):
    host: str
    port: int = Field(80, ge=1, le=65535)


class LampAdapter(Adapter[LampConfig]):
    """A test adapter whose devices announce themselves with a service type of this run."""

    name = "lamp"
    config_model = LampConfig
    zeroconf: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"type": LAMP_TYPE, "properties": {"kind": "lamp*"}},
    )

    async def setup(self) -> None:
        self.hub.add_entity(
            EntityDescription("light", f"{self.hub.name}_light", f"{self.hub.name} light"), "off"
        )


KNOWN: dict[str, type[Adapter[Any]]] = {"lamp": LampAdapter, "shelly": ShellyAdapter}


async def until(condition: Callable[[], bool], what: str) -> None:
    """A bounded poll on a condition that network I/O will make true."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")


class Announcer:
    """A second responder on loopback, playing the devices on the network.

    The first announcement (or goodbye) leaves at once; the repeats that follow are
    awaited when the test ends, and probing is skipped (the names are the test's own).
    """

    def __init__(self) -> None:
        self.zeroconf = AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
        self.sending: list[Awaitable[Any]] = []

    async def announce(self, info: AsyncServiceInfo) -> None:
        zeroconf = self.zeroconf
        self.sending.append(
            await zeroconf.async_register_service(info, cooperating_responders=True)
        )

    async def withdraw(self, info: AsyncServiceInfo) -> None:
        self.sending.append(await self.zeroconf.async_unregister_service(info))

    async def close(self) -> None:
        await asyncio.gather(*self.sending)
        await self.zeroconf.async_close()


@pytest.fixture
async def announcer() -> AsyncIterator[Announcer]:
    found = Announcer()
    yield found
    await found.close()


def _service(type_: str, instance: str, port: int, properties: dict[str, str]) -> AsyncServiceInfo:
    return AsyncServiceInfo(
        type_,
        f"{instance}.{type_}",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=port,
        properties=properties,
        server=f"{instance}.local.",
    )


async def _discovery(runtime: Runtime, configured: list[Any] | None = None) -> Discovery:
    shared_zeroconf(runtime, interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    manager = AdapterManager(runtime)
    assert await manager.setup(configured or [], known=KNOWN) == []
    discovery = Discovery(runtime, manager, known=KNOWN, browse=True)
    await discovery.start()
    return discovery


def _ids(discovery: Discovery) -> set[str]:
    return {device.id for device in discovery.list()}


async def _settled(discovery: Discovery, device_id: str) -> None:
    """``device_id`` is listed and no other announcement is still being resolved."""
    await until(lambda: device_id in _ids(discovery), f"{device_id} to be discovered")
    await until(lambda: not discovery.browser.resolving, "every announcement to be resolved")


# --- matchers ------------------------------------------------------------------------


def test_matchers_compare_the_type_the_instance_name_and_txt_patterns() -> None:
    spec = {"type": "_shelly._tcp.local.", "name": "shelly*", "properties": {"gen": "[234]"}}
    matcher = ZeroconfMatcher.parse("shelly", spec)
    assert matcher.matches("ShellyPlus1-AABB", {"gen": "2", "app": "Plus1"})
    assert matcher.matches("shellypro2pm-c8f0", {"GEN": "3"})
    assert not matcher.matches("shellyplus1-aabb", {"gen": "1"})
    assert not matcher.matches("shellyplus1-aabb", {})
    assert not matcher.matches("tasmota-1", {"gen": "2"})
    assert ZeroconfMatcher.parse("any", {"type": LAMP_TYPE}).matches("x", {})
    for bad in ({"type": "_http._tcp"}, {"type": LAMP_TYPE, "properties": ["gen"]}, {}):
        with pytest.raises(ValueError):
            ZeroconfMatcher.parse("bad", bad)


@pytest.mark.allow_error_logs
async def test_malformed_metadata_is_logged_and_skipped(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(LampAdapter):
        zeroconf = ({"type": "_nothing"}, {"type": LAMP_TYPE})

    discovery = Discovery(runtime, AdapterManager(runtime), known={"broken": Broken})
    assert [m.type for m in discovery.matchers] == [LAMP_TYPE]
    assert "adapter broken: bad zeroconf metadata" in caplog.text


# --- real announcements ----------------------------------------------------------------


async def test_announced_devices_are_offered_ignored_and_withdrawn(
    runtime: Runtime, announcer: Announcer, tmp_path: Path
) -> None:
    await Persistence(runtime, tmp_path / "homeloom.db").open()
    discovery = await _discovery(runtime)
    fan = _service(LAMP_TYPE, "fan-1", 8001, {"kind": "fan", "id": "fan-1"})
    desk = _service(LAMP_TYPE, "desk-lamp", 8002, {"kind": "lamp-mini", "id": "AA11"})
    porch = _service(LAMP_TYPE, "porch-lamp", 8003, {"kind": "lamp", "name": "Porch lamp"})
    for info in (fan, desk, porch):
        await announcer.announce(info)
    await _settled(discovery, "lamp_aa11")
    await _settled(discovery, "lamp_porch_lamp")
    assert _ids(discovery) == {"lamp_aa11", "lamp_porch_lamp"}  # the fan matches no adapter
    desk_found = discovery.get("lamp_aa11")
    assert (desk_found.name, desk_found.host, desk_found.port) == ("desk-lamp", "127.0.0.1", 8002)
    assert desk_found.properties == {"kind": "lamp-mini", "id": "AA11"}
    assert desk_found.service == f"desk-lamp.{LAMP_TYPE}"
    assert dict(desk_found.config) == {"adapter": "lamp", "host": "127.0.0.1", "port": 8002}
    assert discovery.get("lamp_porch_lamp").name == "Porch lamp"
    assert runtime.components["adapters"].slots == {}  # nothing joined the house

    discovery.ignore("lamp_aa11", "alice")
    assert _ids(discovery) == {"lamp_porch_lamp"}
    with pytest.raises(UnknownDevice):
        discovery.ignore("lamp_aa11", "alice")
    (audit,) = runtime.components["persistence"].audit_log(kind="discovery")
    assert audit.data["change"] == "ignored" and audit.context.user_id == "alice"

    await announcer.withdraw(porch)
    await until(lambda: not discovery.list(), "the withdrawn lamp to be dropped")

    # Announced again (a device rebooting): the ignored one stays hidden, the other returns.
    await announcer.withdraw(desk)
    await announcer.announce(desk)
    await announcer.announce(porch)
    await _settled(discovery, "lamp_porch_lamp")
    assert _ids(discovery) == {"lamp_porch_lamp"}
    stored = runtime.components["persistence"].get_value("discovery", "found")
    assert [d["id"] for d in stored["devices"]] == ["lamp_porch_lamp"] and stored["browsing"]


async def test_ignoring_survives_a_restart(tmp_path: Path) -> None:
    async with Runtime(clock=TestClock(START)) as first:
        await Persistence(first, tmp_path / "homeloom.db").open()
        discovery = Discovery(first, AdapterManager(first), known=KNOWN)
        first.components["adapters"].add_discovered(
            Discovered("lamp", "k1", "Kitchen lamp", {"host": "127.0.0.5"})
        )
        discovery.ignore("lamp_k1", "alice")
    async with Runtime(clock=TestClock(START)) as second:
        await Persistence(second, tmp_path / "homeloom.db").open()
        again = Discovery(second, AdapterManager(second), known=KNOWN)
        assert again.ignored == {"lamp_k1"}
        second.components["adapters"].add_discovered(
            Discovered("lamp", "k1", "Kitchen lamp", {"host": "127.0.0.5"})
        )
        assert again.list() == []


async def test_a_configured_device_is_not_offered_again(
    runtime: Runtime, announcer: Announcer
) -> None:
    configured = [{"adapter": "lamp", "name": "hall", "host": "127.0.0.1", "port": 8011}]
    discovery = await _discovery(runtime, configured)
    await announcer.announce(_service(LAMP_TYPE, "hall-lamp", 8011, {"kind": "lamp"}))
    await announcer.announce(_service(LAMP_TYPE, "new-lamp", 8012, {"kind": "lamp"}))
    await _settled(discovery, "lamp_new_lamp")
    assert _ids(discovery) == {"lamp_new_lamp"}

    slot = await discovery.adopt("lamp_new_lamp", "alice")
    assert slot.running and slot.name == "lamp_new_lamp"
    assert runtime.states.get("light.lamp_new_lamp_light") is not None
    assert discovery.list() == []
    with pytest.raises(UnknownDevice):
        await discovery.adopt("lamp_new_lamp", "alice")


async def test_a_device_reported_by_an_adapter_needs_a_usable_configuration(
    runtime: Runtime,
) -> None:
    manager = AdapterManager(runtime)
    discovery = Discovery(runtime, manager, known=KNOWN)
    manager.add_discovered(Discovered("lamp", "x", "No address", {"model": "L2"}))
    (found,) = discovery.list()
    assert (found.source, found.properties) == ("adapter", {"model": "L2"})
    with pytest.raises(AdoptionRefused, match="host"):
        await discovery.adopt(found.id)
    assert discovery.list() == [found]  # still waiting
    manager.add_discovered(Discovered("lamp", "y", "Cellar", {"config": {"host": "127.0.0.7"}}))
    slot = await discovery.adopt("lamp_y")
    assert slot.running and slot.config.model_dump()["host"] == "127.0.0.7"


# --- a real Shelly, end to end -----------------------------------------------------------


async def test_an_announced_shelly_is_adopted_into_the_house_and_kept_across_restarts(
    tmp_path: Path, announcer: Announcer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "configuration.yaml").write_text("homeloom:\n  name: Test\n", encoding="utf-8")
    sim = ShellySim()
    await sim.start()
    house = House(tmp_path, clock=TestClock(START), discover=True)
    shared_zeroconf(house.runtime, interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    try:
        assert (await house.setup()).errors == []
        await house.start()
        discovery = house.runtime.components["discovery"]
        info = _service(SHELLY_TYPE, SHELLY_ID, sim.port, {"gen": "2", "id": SHELLY_ID})
        await announcer.announce(info)
        device_id = f"shelly_shellypro2pm_{RUN}"
        await until(lambda: device_id in _ids(discovery), "the Shelly to be discovered")
        assert house.runtime.states.get("switch.kettle") is None  # not adopted yet

        assert main(["discovered", "--config", str(tmp_path), "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)["devices"]
        assert [d["port"] for d in listed if d["id"] == device_id] == [sim.port]
        assert main(["discovered", "--config", str(tmp_path)]) == 0
        assert f"{device_id}  shelly  {SHELLY_ID}  127.0.0.1:{sim.port}" in capsys.readouterr().out

        slot = await discovery.adopt(device_id, "alice")
        assert slot.running, slot.last_error
        assert house.runtime.states.get("switch.kettle").state == "off"
        assert device_id not in _ids(discovery)
        saved = yaml.safe_load((tmp_path / ADOPTED_FILE).read_text(encoding="utf-8"))
        assert saved == [
            {"adapter": "shelly", "host": "127.0.0.1", "port": sim.port, "name": slot.name}
        ]
        store = house.runtime.components["persistence"]
        (audit,) = store.audit_log(kind="discovery")
        assert audit.data["change"] == "adopted" and audit.data["adapter"] == slot.name
    finally:
        await house.stop()

    again = House(tmp_path, clock=TestClock(START))
    try:
        assert (await again.setup()).errors == []
        assert again.runtime.components["adapters"].slots[slot.name].running
        assert again.runtime.states.get("switch.kettle").state == "off"
    finally:
        await again.stop()
        await sim.stop()
    assert main(["discovered", "--config", str(tmp_path)]) == 0
    assert "nothing discovered" in capsys.readouterr().out


def test_the_cli_needs_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discovered", "--config", str(tmp_path)]) == 1
    assert "no database" in capsys.readouterr().err


async def test_a_house_told_not_to_browse_opens_no_zeroconf(tmp_path: Path) -> None:
    config = "homeloom:\n  name: Quiet\n  discovery: false\n"
    (tmp_path / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), discover=True, persist=False)
    try:
        assert (await house.setup()).errors == []
        await house.start()
        assert "zeroconf" not in house.runtime.components
        assert house.runtime.components["discovery"].list() == []
    finally:
        await house.stop()


async def test_adopting_appends_to_what_a_resident_wrote(tmp_path: Path) -> None:
    (tmp_path / "secrets.yaml").write_text("cellar_host: 127.0.0.8\n", encoding="utf-8")
    mine = "# my lamps\n- adapter: lamp\n  name: cellar\n  host: !secret cellar_host\n"
    (tmp_path / ADOPTED_FILE).write_text(mine, encoding="utf-8")
    async with Runtime(clock=TestClock(START), config_dir=tmp_path) as runtime:
        manager = AdapterManager(runtime)
        discovery = Discovery(runtime, manager, known=KNOWN)
        manager.add_discovered(Discovered("lamp", "p", "Porch", {"host": "127.0.0.9"}))
        await discovery.adopt("lamp_p", "alice")
    text = (tmp_path / ADOPTED_FILE).read_text(encoding="utf-8")
    assert text.startswith(mine)
    loaded = load_config_file(tmp_path / ADOPTED_FILE, root=tmp_path)
    assert loaded.errors == []
    assert [(e["name"], e["host"]) for e in loaded.value] == [
        ("cellar", "127.0.0.8"),
        ("lamp_porch", "127.0.0.9"),
    ]
