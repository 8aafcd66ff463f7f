"""States, areas, things, services, history and "why", with what each role may see and do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homeloom.house import House

from .conftest import Api


async def test_states_and_areas(people: dict[str, Api]) -> None:
    alice = people["alice"]
    states = await alice.get("/api/states")
    ids = [s["entity_id"] for s in states]
    assert "light.hall" in ids and "automation.hall_light" in ids
    hall = await alice.get("/api/states/light.hall")
    assert hall["state"] == "off" and hall["area_id"] == "hall"
    missing = await alice.get("/api/states/light.nowhere", status=404)
    assert missing == {"code": "not_found", "message": "no entity light.nowhere"}
    areas = {a["id"]: a["entities"] for a in await alice.get("/api/areas")}
    assert areas["hall"] == ["binary_sensor.hall_motion", "light.hall", "lock.front"]
    (lamp,) = await alice.get("/api/things")
    assert lamp["name"] == "Hall lamp" and lamp["entities"] == ["light.hall"]
    services = await alice.get("/api/services")
    assert "turn_on" in services["light"]


async def test_a_guest_sees_and_controls_only_what_is_shared(
    people: dict[str, Api], house: House
) -> None:
    gus = people["gus"]
    assert [s["entity_id"] for s in await gus.get("/api/states")] == ["light.kitchen"]
    assert [a["id"] for a in await gus.get("/api/areas")] == ["kitchen"]
    assert await gus.get("/api/things") == []
    await gus.get("/api/states/light.hall", status=404)
    await gus.post("/api/services/light/turn_on", {"target": {"entity_id": "light.kitchen"}})
    state = house.runtime.states.get("light.kitchen")
    assert state is not None and state.state == "on"
    assert state.context.user_id == "gus"
    refused = await gus.post(
        "/api/services/light/turn_on", {"target": {"entity_id": "light.hall"}}, status=403
    )
    assert "light.hall" in refused["message"]
    await gus.post("/api/services/light/turn_on", {"target": {"area_id": "hall"}}, status=403)
    await gus.post(
        "/api/services/automation/turn_off",
        {"target": {"entity_id": "light.kitchen"}},
        status=403,
    )


async def test_calling_services(people: dict[str, Api], house: House) -> None:
    bob = people["bob"]
    result = await bob.post(
        "/api/services/light/turn_on",
        {"target": {"entity_id": "light.hall"}, "data": {"brightness": 128}},
    )
    assert result["ok"] is True and result["context"]["user_id"] == "bob"
    state = house.runtime.states.get("light.hall")
    assert state is not None and state.state == "on"
    unknown = await bob.post("/api/services/light/explode", status=404)
    assert unknown["code"] == "service_not_found"
    bad = await bob.post(
        "/api/services/light/turn_on", {"target": {"entity_id": "Not An Id!"}}, status=400
    )
    assert bad["code"] == "invalid"


@pytest.mark.allow_error_logs
async def test_an_internal_failure_is_json_without_a_trace(
    people: dict[str, Api], house: House
) -> None:
    async def broken(call: object) -> None:
        raise RuntimeError("secret internals")

    house.runtime.services.register("test", "broken", broken)
    error = await people["alice"].post("/api/services/test/broken", status=500)
    assert error["code"] == "internal_error"
    assert "secret" not in error["message"]


async def test_unknown_api_routes_answer_json(people: dict[str, Api]) -> None:
    async with people["alice"].session.get(people["alice"].server.make_url("/api/nope")) as r:
        assert r.status == 404
        assert (await r.json())["code"] == "not_found"
    async with people["alice"].session.delete(
        people["alice"].server.make_url("/api/states"),
        headers={"X-CSRF-Token": people["alice"].csrf or ""},
    ) as r:
        assert r.status == 405
        assert (await r.json())["code"] == "method_not_allowed"


async def test_history_of_a_sensor(people: dict[str, Api], house: House) -> None:
    runtime = house.runtime
    for value in ("21.0", "21.5", "22.0"):
        await runtime.advance(600)
        runtime.states.set("sensor.kitchen_temperature", value)
    history = await people["bob"].get("/api/history/sensor.kitchen_temperature")
    assert [p["value"] for p in history["points"]][-3:] == [21.0, 21.5, 22.0]
    assert history["unit"] == "°C"
    start = (runtime.now() - timedelta(minutes=15)).isoformat()
    recent = await people["bob"].get(
        f"/api/history/sensor.kitchen_temperature?start={start.replace('+', '%2B')}"
    )
    assert [p["value"] for p in recent["points"]] == [21.5, 22.0]
    bad = await people["bob"].get(
        "/api/history/sensor.kitchen_temperature?start=yesterday", status=400
    )
    assert "ISO 8601" in bad["message"]
    await people["gus"].get("/api/history/sensor.kitchen_temperature", status=404)


async def test_why_names_the_person_or_the_run(people: dict[str, Api], house: House) -> None:
    bob = people["bob"]
    await bob.post("/api/services/light/turn_on", {"target": {"entity_id": "light.kitchen"}})
    by_hand = await bob.get("/api/why/light.kitchen")
    assert by_hand["user_id"] == "bob" and by_hand["trace"] is None
    house.runtime.bus.fire("cooking")
    await house.runtime.idle()
    await bob.post("/api/services/light/turn_off", {"target": {"entity_id": "light.kitchen"}})
    house.runtime.bus.fire("cooking")
    await house.runtime.idle()
    by_run = await bob.get("/api/why/light.kitchen")
    assert by_run["scenario"]["label"] == "kitchen"
    assert by_run["trace"]["script_execution"] == "finished"
    assert "action/0" in by_run["trace"]["steps"]


async def test_a_service_that_answers_answers_through_the_api(people: dict[str, Api]) -> None:
    result = await people["bob"].post(
        "/api/services/conversation/process", {"data": {"text": "open the pod bay doors"}}
    )
    speech = result["response"]["response"]["speech"]["plain"]["speech"]
    assert speech == "Sorry, I couldn't understand that"
    plain = await people["bob"].post(
        "/api/services/light/turn_on", {"target": {"entity_id": "light.hall"}}
    )
    assert plain["response"] is None  # a command that answers nothing
