"""Scenarios, levels, traces, proposals and decisions, autonomy, assemblages, config checks."""

from __future__ import annotations

from typing import Any

import pytest

from homeloom.adapters import Discovered
from homeloom.house import House

from .conftest import Api, proposals_of


async def _motion(house: House) -> None:
    house.runtime.states.set("binary_sensor.hall_motion", "on")
    await house.runtime.idle()


async def test_scenarios_list_with_levels_and_trust(people: dict[str, Api]) -> None:
    listed = {s["label"]: s for s in await people["gus"].get("/api/scenarios")}
    assert set(listed) == {"hall", "door", "kitchen", "kitchen_evening_evening_lamp"}
    assert listed["hall"]["level"] == "suggest" and listed["hall"]["effective_level"] == "suggest"
    assert listed["kitchen"]["level"] is None and listed["kitchen"]["effective_level"] == "auto"
    assert listed["hall"]["trust"] == {"approved": 0, "rejected": 0, "expired": 0, "streak": 0}
    one = await people["bob"].get("/api/scenarios/automation.hall_light")
    assert one["label"] == "hall"
    await people["bob"].get("/api/scenarios/automation.none", status=404)


async def test_a_resident_changes_a_level_a_guest_cannot(
    people: dict[str, Api], house: House
) -> None:
    changed = await people["bob"].request(
        "PUT", "/api/scenarios/kitchen/level", {"level": "suggest"}
    )
    assert changed["level"] == "suggest"
    house.runtime.bus.fire("cooking")
    await house.runtime.idle()
    assert [p.scenario for p in proposals_of(house).pending()] == ["kitchen"]
    await people["gus"].request(
        "PUT", "/api/scenarios/kitchen/level", {"level": "auto"}, status=403
    )
    bad = await people["bob"].request(
        "PUT", "/api/scenarios/kitchen/level", {"level": "sometimes"}, status=400
    )
    assert "level" in bad["message"]
    audit = await people["alice"].get("/api/audit?kind=autonomy")
    assert audit[-1]["context"]["user_id"] == "bob"


async def test_enable_disable_and_trigger(people: dict[str, Api], house: House) -> None:
    bob = people["bob"]
    off = await bob.post("/api/scenarios/kitchen/disable")
    assert off["enabled"] is False
    on = await bob.post("/api/scenarios/kitchen/enable")
    assert on["enabled"] is True
    await bob.post("/api/scenarios/kitchen/trigger")
    await house.runtime.idle()
    state = house.runtime.states.get("light.kitchen")
    assert state is not None and state.state == "on"
    traces = await bob.get("/api/scenarios/kitchen/traces")
    assert len(traces) == 1
    one = await bob.get(f"/api/scenarios/kitchen/traces/{traces[0]['run_id']}")
    assert one["trigger"] == "manual trigger"
    await bob.get("/api/scenarios/kitchen/traces/nope", status=404)
    await people["gus"].post("/api/scenarios/kitchen/disable", status=403)


async def test_approving_a_proposal_carries_the_run_on(
    people: dict[str, Api], house: House
) -> None:
    await _motion(house)
    (pending,) = await people["bob"].get("/api/proposals")
    assert pending["sentence"].startswith("Turn on Hall light")
    assert pending["may_decide"] is True and pending["seconds_left"] == 600
    guest_view = await people["gus"].get("/api/proposals")
    assert guest_view == []  # not shared with the guest
    await people["gus"].post(f"/api/proposals/{pending['id']}/approve", status=404)
    approved = await people["bob"].post(f"/api/proposals/{pending['id']}/approve")
    assert approved["status"] == "approved" and approved["decided_by"] == "bob"
    assert approved["channel"] == "dashboard"
    await house.runtime.idle()
    state = house.runtime.states.get("light.hall")
    assert state is not None and state.state == "on"
    again = await people["alice"].post(f"/api/proposals/{pending['id']}/approve", status=409)
    assert again["code"] == "decided"
    everything = await people["alice"].get("/api/proposals?status=all")
    assert [p["status"] for p in everything] == ["approved"]
    await people["alice"].get("/api/proposals?status=maybe", status=400)
    await people["alice"].get("/api/proposals/nope", status=404)
    assert (await people["alice"].get(f"/api/proposals/{pending['id']}"))["status"] == "approved"
    decisions = await people["alice"].get("/api/audit?kind=proposal")
    assert decisions[-1]["data"]["status"] == "approved"
    assert decisions[-1]["context"]["user_id"] == "bob"
    why = await people["alice"].get("/api/why/light.hall")
    assert why["scenario"]["label"] == "hall"
    steps: dict[str, Any] = why["trace"]["steps"]
    assert steps["action/0"][0]["result"]["decision"] == "approved"
    trust = (await people["alice"].get("/api/scenarios/hall"))["trust"]
    assert trust["approved"] == 1


async def test_a_guest_never_decides_a_guarded_proposal(
    people: dict[str, Api], house: House
) -> None:
    inbox = proposals_of(house)
    guarded = inbox.create(
        scenario="door",
        calls=[{"service": "lock.unlock", "target": {"entity_id": "lock.front"}}],
        sentence="Unlock the front door",
        roles=["admin", "resident", "guest"],
        guarded=True,
    )
    plain = inbox.create(
        scenario=None,
        calls=[{"service": "light.turn_on", "target": {"entity_id": "light.kitchen"}}],
        sentence="Turn on the kitchen light",
        roles=["admin", "resident", "guest"],
    )
    seen = {p["id"]: p["may_decide"] for p in await people["gus"].get("/api/proposals")}
    assert seen == {guarded.id: False, plain.id: True}
    refused = await people["gus"].post(f"/api/proposals/{guarded.id}/approve", status=403)
    assert "guarded" in refused["message"]
    await people["gus"].post(f"/api/proposals/{plain.id}/reject")
    await people["bob"].post(f"/api/proposals/{guarded.id}/reject")
    assert guarded.status == "rejected" and plain.status == "rejected"


async def test_a_guarded_action_from_a_scenario_waits_for_a_resident(
    people: dict[str, Api], house: House
) -> None:
    house.runtime.bus.fire("cleaner_arrived")
    await house.runtime.idle()
    (pending,) = await people["alice"].get("/api/proposals")
    assert pending["guarded"] is True
    await people["bob"].post(f"/api/proposals/{pending['id']}/reject")
    await house.runtime.idle()
    state = house.runtime.states.get("lock.front")
    assert state is not None and state.state == "locked"


async def test_autonomy_household_and_guards_are_for_admins(
    people: dict[str, Api], house: House
) -> None:
    described = await people["gus"].get("/api/autonomy")
    assert described["household"] == "auto" and "lock.unlock" in described["guarded_services"]
    await people["bob"].request("PUT", "/api/autonomy", {"level": "observe"}, status=403)
    changed = await people["alice"].request("PUT", "/api/autonomy", {"level": "observe"})
    assert changed["household"] == "observe"
    lifted = await people["alice"].request(
        "PUT", "/api/autonomy/guards/lock.front", {"lifted": True}
    )
    assert lifted["lifted"] == ["lock.front"]
    await people["alice"].request(
        "PUT", "/api/autonomy/guards/lock.nowhere", {"lifted": True}, status=404
    )
    await people["bob"].request(
        "PUT", "/api/autonomy/guards/lock.front", {"lifted": False}, status=403
    )


async def test_assemblages_and_their_level(people: dict[str, Api], house: House) -> None:
    (evening,) = await people["gus"].get("/api/assemblages")
    assert evening["id"] == "kitchen_evening" and evening["autonomy"] == "auto"
    assert evening["roles"] == {"lamp": "light.kitchen"}
    assert [s["name"] for s in evening["scenarios"]] == ["Kitchen evening: Evening lamp"]
    changed = await people["bob"].request(
        "PUT", "/api/assemblages/kitchen_evening/level", {"level": "suggest"}
    )
    assert changed["autonomy"] == "suggest"
    house.runtime.bus.fire("evening")
    await house.runtime.idle()
    (pending,) = proposals_of(house).pending()
    assert pending.calls[0]["target"] == {"entity_id": "light.kitchen"}
    await people["gus"].request(
        "PUT", "/api/assemblages/kitchen_evening/level", {"level": "auto"}, status=403
    )
    await people["bob"].request("PUT", "/api/assemblages/none/level", {"level": "auto"}, status=404)


async def test_no_assemblages_is_an_empty_list(people: dict[str, Api], house: House) -> None:
    del house.runtime.components["assemblages"]
    assert await people["bob"].get("/api/assemblages") == []


async def test_discovered_devices_wait_to_be_adopted(people: dict[str, Api], house: House) -> None:
    assert await people["bob"].get("/api/discovered") == []
    manager = house.runtime.components["adapters"]
    manager.add_discovered(Discovered("shelly", "abc", "Shelly plug", {"ip": "127.0.0.9"}))
    (found,) = await people["bob"].get("/api/discovered")
    assert (found["id"], found["adapter"], found["name"], found["host"]) == (
        "shelly_abc",
        "shelly",
        "Shelly plug",
        "127.0.0.9",
    )
    await people["gus"].get("/api/discovered", status=403)


@pytest.mark.allow_error_logs  # the check runs the configuration without the test's devices
async def test_config_check_and_scenario_validation(people: dict[str, Api]) -> None:
    report = await people["bob"].get("/api/config/check")
    assert report["ok"] is False and report["scenarios"]["loaded"] == 3
    (missing,) = report["errors"]
    assert (missing["line"], missing["key"]) == (6, "assemblage.kitchen_evening.roles.lamp")
    good = "- alias: ok\n  triggers: [{trigger: event, event_type: x}]\n  actions: []\n"
    checked = await people["bob"].post("/api/scenarios/validate", {"yaml": good})
    assert checked["ok"] is True and checked["scenarios"] == {"loaded": 1, "failed": 0}
    bad = "- alias: broken\n  triggers:\n    - trigger: nonsense\n  actions: []\n"
    checked = await people["bob"].post("/api/scenarios/validate", {"yaml": bad})
    assert checked["ok"] is False
    (error,) = checked["errors"]
    assert error["line"] == 3 and error["column"] is not None
    mode = "- alias: m\n  mode: sideways\n  triggers: []\n  actions: []\n"
    checked = await people["bob"].post("/api/scenarios/validate", {"yaml": mode})
    assert (checked["errors"][0]["line"], checked["errors"][0]["key"]) == (2, "mode")
    broken_yaml = await people["bob"].post("/api/scenarios/validate", {"yaml": "- [unclosed"})
    assert broken_yaml["ok"] is False and broken_yaml["errors"][0]["line"] is not None
    await people["gus"].post("/api/scenarios/validate", {"yaml": good}, status=403)
    await people["gus"].get("/api/config/check", status=403)


PORCH = """\
- id: porch
  alias: {alias}
  triggers: [{{trigger: event, event_type: porch}}]
  actions:
    - action: light.turn_on
      target: {{entity_id: light.kitchen}}
"""


async def test_saving_scenarios_from_the_editor(people: dict[str, Api], house: House) -> None:
    bob = people["bob"]
    saved = await bob.post("/api/scenarios/save", {"yaml": PORCH.format(alias="Porch")})
    assert saved["ok"] is True
    config_dir = house.config_dir
    assert "automation dashboard: !include dashboard_automations.yaml" in (
        config_dir / "configuration.yaml"
    ).read_text(encoding="utf-8")
    labels = {s["label"]: s["name"] for s in await bob.get("/api/scenarios")}
    assert labels["porch"] == "Porch" and "hall" in labels
    house.runtime.bus.fire("porch")
    await house.runtime.idle()
    state = house.runtime.states.get("light.kitchen")
    assert state is not None and state.state == "on"
    await bob.post("/api/scenarios/save", {"yaml": PORCH.format(alias="Front porch")})
    labels = {s["label"]: s["name"] for s in await bob.get("/api/scenarios")}
    assert labels["porch"] == "Front porch"
    stored = (config_dir / "dashboard_automations.yaml").read_text(encoding="utf-8")
    assert stored.count("id: porch") == 1
    include = (config_dir / "configuration.yaml").read_text(encoding="utf-8")
    assert include.count("!include dashboard_automations.yaml") == 1


async def test_saving_refuses_what_does_not_check(people: dict[str, Api]) -> None:
    bob = people["bob"]
    taken = PORCH.format(alias="x").replace("id: porch", "id: hall")
    clash = await bob.post("/api/scenarios/save", {"yaml": taken}, status=409)
    assert clash["code"] == "id_taken"
    nameless = PORCH.format(alias="x").replace("- id: porch\n  alias", "- alias")
    await bob.post("/api/scenarios/save", {"yaml": nameless}, status=400)
    broken = PORCH.format(alias="x").replace("trigger: event", "trigger: nonsense")
    refused = await bob.post("/api/scenarios/save", {"yaml": broken}, status=400)
    assert refused["code"] == "invalid_scenario" and "scenario.yaml:3:" in refused["message"]
    await people["gus"].post("/api/scenarios/save", {"yaml": PORCH}, status=403)
