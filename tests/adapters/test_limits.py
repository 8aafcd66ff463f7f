"""Adapter limits: the runtime never runs more commands or refreshes at once than declared."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.adapters import Adapter, AdapterConfig, AdapterManager, EntityDescription
from homeloom.orchestrator import Context, Runtime


class _SlowBridge(Adapter[AdapterConfig]):
    """Eight lamps behind one bridge that must not see more than two requests at once."""

    max_parallel_commands: ClassVar[int] = 2
    max_parallel_updates: ClassVar[int] = 3
    busy = 0
    most = 0
    release: asyncio.Event
    refreshed: ClassVar[list[str]] = []

    async def setup(self) -> None:
        for index in range(8):
            self.hub.add_entity(EntityDescription("light", f"lamp_{index}", f"Lamp {index}"), "off")

    async def _talk(self) -> None:
        cls = type(self)
        cls.busy += 1
        cls.most = max(cls.most, cls.busy)
        try:
            await cls.release.wait()
        finally:
            cls.busy -= 1

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        await self._talk()
        self.hub.set_state(entity_id, "on" if service == "turn_on" else "off")

    async def refresh(self, entity_id: str) -> None:
        await self._talk()
        self.refreshed.append(entity_id)


async def _bridge(runtime: Runtime) -> tuple[AdapterManager, _SlowBridge]:
    _SlowBridge.busy = _SlowBridge.most = 0
    _SlowBridge.release = asyncio.Event()
    manager = AdapterManager(runtime)
    issues = await manager.setup([{"adapter": "bridge"}], known={"bridge": _SlowBridge})
    assert issues == []
    adapter = manager.slots["bridge"].adapter
    assert isinstance(adapter, _SlowBridge)
    return manager, adapter


async def _until(condition: Any) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def test_a_burst_of_commands_reaches_the_bridge_two_at_a_time(runtime: Runtime) -> None:
    await _bridge(runtime)
    entities = [f"light.lamp_{index}" for index in range(8)]
    burst = asyncio.gather(
        *(
            runtime.services.call("light", "turn_on", target={"entity_id": entity_id})
            for entity_id in entities
        )
    )
    await _until(lambda: _SlowBridge.busy == 2)
    for _ in range(20):  # nothing more gets through while the first two are busy
        await asyncio.sleep(0)
    assert _SlowBridge.busy == 2
    _SlowBridge.release.set()
    await burst
    assert _SlowBridge.most == 2
    assert {runtime.states.get(e).state for e in entities} == {"on"}  # type: ignore[union-attr]


async def test_refreshes_have_their_own_limit(runtime: Runtime) -> None:
    await _bridge(runtime)
    _SlowBridge.refreshed.clear()
    entities = [f"light.lamp_{index}" for index in range(8)]
    # Home Assistant's update_entity asks each device for its state, three at a time here.
    polls = runtime.services.call("homeassistant", "update_entity", target={"entity_id": entities})
    polls = asyncio.ensure_future(polls)
    await _until(lambda: _SlowBridge.busy == 3)
    for _ in range(20):
        await asyncio.sleep(0)
    assert _SlowBridge.busy == 3
    _SlowBridge.release.set()
    await polls
    assert _SlowBridge.most == 3
    assert sorted(_SlowBridge.refreshed) == entities
