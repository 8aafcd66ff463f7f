"""Service registry: validation, targets, providers, middleware, errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from homeloom.orchestrator import (
    EVENT_CALL_SERVICE,
    AdapterError,
    Context,
    EntityEntry,
    Event,
    Runtime,
    ServiceCall,
    ServiceNotFound,
    ServiceValidationError,
    Thing,
)
from homeloom.orchestrator.types import ServiceResponse


class TurnOn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brightness_pct: int | None = Field(default=None, ge=0, le=100)


@pytest.fixture
def lights(runtime: Runtime) -> list[tuple[str, str, Mapping[str, Any], Context]]:
    received: list[tuple[str, str, Mapping[str, Any], Context]] = []

    async def provider(entity_id: str, service: str, data: Mapping[str, Any], ctx: Context) -> None:
        received.append((entity_id, service, data, ctx))
        runtime.states.set(entity_id, "on")

    runtime.registries.add_area("Hall")
    runtime.registries.add_thing(Thing("lamp1", "Lamp", "test", area_id="hall"))
    for object_id, thing in (("hall", "lamp1"), ("porch", None)):
        entity_id = f"light.{object_id}"
        runtime.registries.add_entity(EntityEntry(entity_id, adapter="test", thing_id=thing))
        runtime.states.set(entity_id, "off")
        runtime.services.set_provider(entity_id, provider)
    runtime.services.register_entity_service("light", "turn_on", schema=TurnOn)
    return received


async def test_unknown_service_and_field_are_clear_errors(
    runtime: Runtime, lights: list[Any]
) -> None:
    with pytest.raises(ServiceNotFound, match=r"light\.explode"):
        await runtime.services.call("light", "explode")
    with pytest.raises(ServiceValidationError) as bad:
        await runtime.services.call(
            "light", "turn_on", {"brightness_pct": 150}, target={"entity_id": "light.hall"}
        )
    assert bad.value.field == "brightness_pct"
    assert "100" in str(bad.value)
    with pytest.raises(ServiceValidationError, match="valid fields: brightness_pct"):
        await runtime.services.call(
            "light", "turn_on", {"colour": "red"}, target={"entity_id": "light.hall"}
        )
    with pytest.raises(ServiceValidationError, match="needs a target"):
        await runtime.services.call("light", "turn_on")
    assert lights == []


async def test_targets_by_entity_area_device_and_legacy_data(
    runtime: Runtime, lights: list[Any]
) -> None:
    await runtime.services.call("light", "turn_on", target={"area_id": "hall"})
    await runtime.services.call("light", "turn_on", target={"device_id": "lamp1"})
    await runtime.services.call(
        "light", "turn_on", {"entity_id": "light.porch", "brightness_pct": 5}
    )
    await runtime.services.call("light", "turn_on", target={"entity_id": "all"})
    targets = [entity_id for entity_id, *_ in lights]
    assert targets == ["light.hall", "light.hall", "light.porch", "light.hall", "light.porch"]
    assert lights[2][2] == {"brightness_pct": 5}


async def test_command_context_chains_to_the_reported_state(
    runtime: Runtime, lights: list[Any]
) -> None:
    user = Context(origin="user", user_id="alice")
    fired: list[Event] = []
    runtime.bus.listen(EVENT_CALL_SERVICE, fired.append)
    await runtime.services.call(
        "light", "turn_on", target={"entity_id": "light.hall"}, context=user
    )
    state = runtime.states.get("light.hall")
    assert state is not None and state.state == "on"
    assert state.context is user
    assert fired[0].context is user
    assert fired[0].data["service_data"] == {"entity_id": ["light.hall"]}


async def test_middleware_wraps_calls_and_can_refuse(runtime: Runtime, lights: list[Any]) -> None:
    seen: list[str] = []

    async def gate(call: ServiceCall, inner: Any) -> ServiceResponse | None:
        seen.append(call.name)
        if call.context.origin == "scenario":
            return None  # held back: the inner handler never runs
        result: ServiceResponse | None = await inner(call)
        return result

    remove = runtime.services.add_middleware(gate)
    await runtime.services.call(
        "light", "turn_on", target={"entity_id": "light.hall"}, context=Context(origin="scenario")
    )
    assert lights == []
    await runtime.services.call("light", "turn_on", target={"entity_id": "light.hall"})
    assert len(lights) == 1
    remove()
    assert seen == ["light.turn_on", "light.turn_on"]


async def test_response_data(runtime: Runtime) -> None:
    runtime.services.register(
        "weather", "forecast", lambda call: {"temp": 21}, supports_response="only"
    )
    runtime.services.register("notify", "me", lambda call: None)
    assert await runtime.services.call("weather", "forecast", return_response=True) == {"temp": 21}
    with pytest.raises(ServiceValidationError, match="returns no response"):
        await runtime.services.call("notify", "me", return_response=True)


@pytest.mark.allow_error_logs
async def test_a_hung_provider_times_out_as_an_adapter_error(runtime: Runtime) -> None:
    import asyncio

    async def hang(*_: Any) -> None:
        await asyncio.Event().wait()

    runtime.registries.add_entity(EntityEntry("switch.stuck", adapter="flaky"))
    runtime.states.set("switch.stuck", "off")
    runtime.services.set_provider("switch.stuck", hang, timeout=0.05)
    runtime.services.register_entity_service("switch", "turn_on")
    call = asyncio.ensure_future(
        runtime.services.call("switch", "turn_on", target={"entity_id": "switch.stuck"})
    )
    await runtime.advance(0.05)  # the wait runs on the runtime's clock
    with pytest.raises(AdapterError, match=r"flaky.*no answer"):
        await call


async def test_providers_that_answer_at_once_and_later_are_all_carried_out(
    runtime: Runtime,
) -> None:
    done: list[str] = []

    def at_once(entity_id: str, service: str, data: Mapping[str, Any], ctx: Context) -> None:
        if entity_id == "switch.broken":
            raise AdapterError("helper", f"{entity_id} refused")
        done.append(entity_id)

    async def later(entity_id: str, service: str, data: Mapping[str, Any], ctx: Context) -> None:
        done.append(entity_id)

    for entity_id, provider in (
        ("switch.a", later),
        ("switch.broken", at_once),
        ("switch.b", at_once),
        ("switch.c", later),
    ):
        runtime.states.set(entity_id, "off")
        runtime.services.set_provider(entity_id, provider)
    runtime.services.register_entity_service("switch", "turn_on")

    # Answered at once: nothing left to await, so the call ends without a task.
    answer = runtime.services.dispatch_to_providers(
        runtime.services.prepare("switch", "turn_on", target={"entity_id": "switch.b"})
    )
    assert answer is None and done == ["switch.b"]

    done.clear()
    everything = ["switch.a", "switch.broken", "switch.b", "switch.c"]
    with pytest.raises(AdapterError, match=r"switch\.broken refused"):
        await runtime.services.call("switch", "turn_on", target={"entity_id": everything})
    assert sorted(done) == ["switch.a", "switch.b", "switch.c"]  # the others still were
