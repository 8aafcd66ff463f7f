"""Fixed calls: validated once, prepared afterwards exactly as ``prepare`` would."""

from __future__ import annotations

import pytest

from homeloom.orchestrator import (
    Context,
    FixedCall,
    Runtime,
    ServiceCall,
    ServiceNotFound,
)


def _fixed(
    runtime: Runtime, target: dict[str, object], data: dict[str, object] | None = None
) -> FixedCall:
    return FixedCall(runtime.services, runtime.states, "light", "turn_on", data or {}, target)


@pytest.fixture
def calls(runtime: Runtime) -> list[ServiceCall]:
    received: list[ServiceCall] = []
    runtime.services.register(
        "light", "turn_on", received.append, target="required", entity_domains=("light",)
    )
    runtime.states.set("light.hall", "off")
    runtime.states.set("light.porch", "off")
    return received


def _same(a: ServiceCall, b: ServiceCall) -> None:
    assert (a.domain, a.service, a.data, a.entity_ids, a.target, a.return_response) == (
        b.domain,
        b.service,
        b.data,
        b.entity_ids,
        b.target,
        b.return_response,
    )


async def test_each_preparation_is_the_full_one(runtime: Runtime, calls: list[ServiceCall]) -> None:
    target = {"entity_id": "Light.Hall, light.porch"}
    data = {"brightness": 5, "entity_id": "light.porch"}
    fixed = _fixed(runtime, target, data)
    context = Context()
    expected = runtime.services.prepare("light", "turn_on", data, target=target, context=context)
    first, second = fixed.prepare(context), fixed.prepare(context)
    _same(first, expected)
    _same(second, expected)
    # Containers of their own, as prepare makes: a handler changing one changes no other call.
    assert first.data is not second.data and first.target is not second.target
    first.data["brightness"] = 100  # type: ignore[index]
    assert fixed.prepare(context).data == {"brightness": 5}


async def test_an_entity_that_disappears_or_comes_back(
    runtime: Runtime, calls: list[ServiceCall]
) -> None:
    fixed = _fixed(runtime, {"entity_id": "light.hall"})
    await runtime.services.run(fixed.prepare(Context()))
    runtime.states.remove("light.hall")
    for _ in range(2):  # passed by with a warning, on every run (nothing kept of it)
        gone = fixed.prepare(Context())
        assert gone.entity_ids == () and "light.hall" in getattr(gone.entity_ids, "warning", "")
    runtime.states.set("light.hall", "on")
    await runtime.services.run(fixed.prepare(Context()))
    assert [call.entity_ids for call in calls] == [("light.hall",), ("light.hall",)]


async def test_a_service_registered_again_or_removed(
    runtime: Runtime, calls: list[ServiceCall]
) -> None:
    fixed = _fixed(runtime, {"entity_id": "light.hall"})
    await runtime.services.run(fixed.prepare(Context()))
    later: list[ServiceCall] = []
    remove = runtime.services.register(
        "light", "turn_on", later.append, target="required", entity_domains=("switch",)
    )
    # The new entry's rules apply: light.hall is not of its domains, so passed by.
    assert fixed.prepare(Context()).entity_ids == ()
    remove()
    with pytest.raises(ServiceNotFound):
        fixed.prepare(Context())
    runtime.services.register("light", "turn_on", later.append, target="required")
    await runtime.services.run(fixed.prepare(Context()))
    assert len(calls) == 1 and len(later) == 1


async def test_all_and_stubbed_are_prepared_each_time(
    runtime: Runtime, calls: list[ServiceCall]
) -> None:
    fixed = _fixed(runtime, {"entity_id": "all"})
    assert fixed.prepare(Context()).entity_ids == ("light.hall", "light.porch")
    runtime.states.set("light.attic", "off")
    assert fixed.prepare(Context()).entity_ids == ("light.hall", "light.porch", "light.attic")
    runtime.services.stubbed = True
    assert fixed.prepare(Context()).entity_ids == ("all",)
