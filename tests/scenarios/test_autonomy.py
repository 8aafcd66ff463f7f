"""Control versus autonomy: levels, guards, proposals, trust, and their record."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import ProposalError, Proposals, TestClock
from homeloom.simulate import simulate

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
BASE = """\
homeloom:
  time_zone: Europe/Paris
{core}
automation:
  - id: hall
    alias: Hall light
    {level}
    triggers: [{{trigger: state, entity_id: binary_sensor.hall_motion, to: "on"}}]
    actions:
      - action: light.turn_on
        target: {{entity_id: light.hall}}
      - action: notify.notify
        data: {{message: after the light}}
  - id: door
    alias: Let the cleaner in
    triggers: [{{trigger: event, event_type: cleaner_arrived}}]
    actions:
      - action: lock.unlock
        target: {{entity_id: lock.front}}
"""


async def _house(
    tmp_path: Path, *, core: str = "", level: str = "", clock: TestClock | None = None
) -> House:
    (tmp_path / "configuration.yaml").write_text(
        BASE.format(core=core, level=level), encoding="utf-8"
    )
    house = House(tmp_path, clock=clock or TestClock(START), adapters=False)

    def devices(runtime: Any) -> None:
        runtime.states.set("binary_sensor.hall_motion", "off")
        runtime.states.set("light.hall", "off", {"friendly_name": "Hall light"})
        runtime.states.set("lock.front", "locked", {"friendly_name": "Front door"})
        runtime.services.default_provider = _device(runtime)

    report = await house.setup(before_scenarios=devices)
    assert report.errors == []
    await house.start()
    return house


def _device(runtime: Any) -> Any:
    async def act(entity_id: str, service: str, data: Any, context: Any) -> None:
        new = {"turn_on": "on", "turn_off": "off", "unlock": "unlocked", "lock": "locked"}
        runtime.states.set(entity_id, new.get(service, "on"), context=context)

    return act


def _state(house: House, entity_id: str) -> str:
    state = house.runtime.states.get(entity_id)
    assert state is not None
    return state.state


def _proposals(house: House) -> Proposals:
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)
    return proposals


async def _motion(house: House) -> None:
    house.runtime.states.set("binary_sensor.hall_motion", "on")
    await house.runtime.idle()


async def test_auto_acts(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    await _motion(house)
    assert _state(house, "light.hall") == "on"
    assert _proposals(house).pending() == []
    await house.stop()


async def test_suggest_pauses_on_a_proposal_and_approval_goes_on(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest")
    notes: list[str] = []
    house.runtime.bus.listen("homeloom_notification", lambda e: notes.append(e.data["message"]))
    await _motion(house)
    assert _state(house, "light.hall") == "off"
    (proposal,) = _proposals(house).pending()
    assert proposal.sentence.startswith("Turn on Hall light: Hall light")
    assert proposal.calls[0]["service"] == "light.turn_on"
    assert notes == [proposal.sentence]  # the household is asked
    _proposals(house).approve(proposal.id, user="alice", channel="dashboard")
    await house.runtime.idle()
    assert _state(house, "light.hall") == "on"
    assert notes == [proposal.sentence, "after the light"]
    assert proposal.decided_by == "alice" and proposal.channel == "dashboard"
    automation = house.automations.find("hall")
    assert automation is not None
    assert automation.traces[-1].script_execution == "finished"
    await house.stop()


async def test_a_rejected_proposal_stops_the_run(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest")
    await _motion(house)
    (proposal,) = _proposals(house).pending()
    _proposals(house).reject(proposal.id, user="bob")
    await house.runtime.idle()
    assert _state(house, "light.hall") == "off"
    automation = house.automations.find("hall")
    assert automation is not None and automation.traces[-1].script_execution == "aborted"
    assert _proposals(house).trust_of("hall").rejected == 1
    await house.stop()


async def test_a_proposal_expires(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest\n    approval_timeout: 60")
    await _motion(house)
    (proposal,) = _proposals(house).pending()
    await house.runtime.advance(61)
    assert proposal.status == "expired"
    assert _state(house, "light.hall") == "off"
    await house.stop()


async def test_turning_a_scenario_off_withdraws_its_proposal(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest")
    await _motion(house)
    (first,) = _proposals(house).pending()
    await house.runtime.services.call(
        "automation", "turn_off", target={"entity_id": "automation.hall_light"}
    )
    await house.runtime.idle()
    assert first.status == "withdrawn"
    assert _proposals(house).pending() == []
    await house.stop()


async def test_a_restarted_run_withdraws_its_proposal(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest\n    mode: restart")
    await _motion(house)
    (first,) = _proposals(house).pending()
    house.runtime.states.set("binary_sensor.hall_motion", "off")
    await _motion(house)
    (second,) = _proposals(house).pending()
    assert first.status == "withdrawn" and second.id != first.id
    assert first.note == "the run was stopped or restarted"
    await house.stop()


async def test_observe_records_what_would_have_been_done(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: observe")
    gated: list[dict[str, Any]] = []
    house.runtime.bus.listen("homeloom_gated_call", lambda e: gated.append(dict(e.data)))
    await _motion(house)
    assert _state(house, "light.hall") == "off"
    assert [g["outcome"] for g in gated] == ["observed"]
    automation = house.automations.find("hall")
    assert automation is not None
    trace = automation.traces[-1]
    assert trace.script_execution == "finished"  # it went on as if the call succeeded
    assert trace.steps["action/0"][0].result is not None
    assert trace.steps["action/0"][0].result["outcome"] == "observed"
    await house.stop()


async def test_the_household_ceiling_is_the_most_cautious_layer(tmp_path: Path) -> None:
    house = await _house(tmp_path, core="  autonomy: suggest", level="autonomy: auto")
    await _motion(house)
    assert len(_proposals(house).pending()) == 1
    await house.stop()


async def test_the_household_off_blocks_everything(tmp_path: Path) -> None:
    house = await _house(tmp_path, core='  autonomy: "off"')
    await _motion(house)
    assert _state(house, "light.hall") == "off"
    assert _proposals(house).pending() == []
    await house.stop()


async def test_unlocking_is_guarded_until_the_guard_is_lifted(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    house.runtime.bus.fire("cleaner_arrived")
    await house.runtime.idle()
    assert _state(house, "lock.front") == "locked"
    (proposal,) = _proposals(house).pending()
    assert proposal.guarded and proposal.sentence.startswith("Unlock Front door")
    with pytest.raises(Exception, match="guest"):
        _proposals(house).approve(proposal.id, user="visitor", roles=("guest",))
    _proposals(house).approve(proposal.id, user="alice", roles=("resident",))
    await house.runtime.idle()
    assert _state(house, "lock.front") == "unlocked"

    policy = house.runtime.components["autonomy"]
    policy.lift_guard("lock.front")
    house.runtime.states.set("lock.front", "locked")
    house.runtime.bus.fire("cleaner_arrived")
    await house.runtime.idle()
    assert _state(house, "lock.front") == "unlocked"
    await house.stop()


@pytest.mark.parametrize(
    ("service", "entity", "attributes", "guarded"),
    [
        ("lock.unlock", "lock.x", {}, True),
        ("lock.open", "lock.x", {}, True),
        ("alarm_control_panel.alarm_disarm", "alarm_control_panel.x", {}, True),
        ("cover.open_cover", "cover.garage", {"device_class": "garage"}, True),
        ("cover.set_cover_position", "cover.gate", {"device_class": "gate"}, True),
        ("cover.open_cover", "cover.front", {"device_class": "door"}, True),
        ("cover.open_cover", "cover.blinds", {"device_class": "blind"}, False),
        ("lock.lock", "lock.x", {}, False),
        ("light.turn_on", "light.x", {}, False),
    ],
)
async def test_default_guards(
    tmp_path: Path, service: str, entity: str, attributes: dict[str, Any], guarded: bool
) -> None:
    house = await _house(tmp_path)
    house.runtime.states.set(entity, "closed", attributes)
    policy = house.runtime.components["autonomy"]
    domain, name = service.split(".")
    decision = policy.decide(domain, name, [entity], scenario="any")
    assert decision.guarded is guarded
    assert decision.level == ("suggest" if guarded else "auto")
    await house.stop()


async def test_layers_combine_most_cautious(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    policy = house.runtime.components["autonomy"]
    cases = [
        ("auto", None, None, "auto"),
        ("auto", "observe", None, "observe"),
        ("auto", None, "suggest", "suggest"),
        ("suggest", "auto", "auto", "suggest"),
        ("auto", "suggest", "observe", "observe"),
        ("observe", "auto", "suggest", "observe"),
        ("off", "auto", "auto", "off"),
    ]
    for household, assemblage, scenario, expected in cases:
        policy.household = household
        decision = policy.decide(
            "light",
            "turn_on",
            ["light.x"],
            scenario="s",
            scenario_level=scenario,
            assemblage="a",
            assemblage_level=assemblage,
        )
        assert decision.level == expected, (household, assemblage, scenario)
    await house.stop()


async def test_levels_change_at_run_time_persisted_and_audited(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    await house.runtime.services.call(
        "homeloom", "set_autonomy", {"scenario": "hall", "level": "suggest"}
    )
    await _motion(house)
    assert len(_proposals(house).pending()) == 1
    store = house.runtime.components["persistence"]
    assert any(e.data["key"] == "scenario:hall" for e in store.audit_log(kind="autonomy"))
    await house.stop()
    again = await _house(tmp_path, clock=TestClock(START))
    assert again.runtime.components["autonomy"].scenario_levels == {"hall": "suggest"}
    await again.stop()


async def test_a_pending_proposal_survives_a_restart(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest")
    await _motion(house)
    (proposal,) = _proposals(house).pending()
    await house.stop()
    again = await _house(tmp_path, level="autonomy: suggest", clock=TestClock(START))
    (restored,) = _proposals(again).pending()
    assert restored.id == proposal.id and restored.sentence == proposal.sentence
    _proposals(again).approve(restored.id, user="alice")
    await again.runtime.idle()
    assert _state(again, "light.hall") == "on"  # its stored call was carried out
    await again.stop()


async def test_a_streak_of_approvals_proposes_a_promotion(tmp_path: Path) -> None:
    house = await _house(tmp_path, level="autonomy: suggest")
    proposals = _proposals(house)
    for _ in range(proposals.promotion_streak):
        house.runtime.states.set("binary_sensor.hall_motion", "off")
        await _motion(house)
        (pending,) = [p for p in proposals.pending() if p.kind == "action"]
        proposals.approve(pending.id, user="alice")
        await house.runtime.idle()
    promotion = [p for p in proposals.pending() if p.kind == "promotion"]
    assert len(promotion) == 1 and "act on its own" in promotion[0].sentence
    assert house.runtime.components["autonomy"].scenario_levels == {}  # never by itself
    proposals.approve(promotion[0].id, user="admin")
    await house.runtime.idle()
    assert house.runtime.components["autonomy"].scenario_levels == {"hall": "auto"}
    await house.stop()


async def test_rejections_lower_a_level_only_when_the_resident_opted_in(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async def reject_twice(house: House) -> None:
        proposals = _proposals(house)
        for _ in range(2):
            house.runtime.states.set("binary_sensor.hall_motion", "off")
            await _motion(house)
            (pending,) = proposals.pending()
            proposals.reject(pending.id, user="bob")
            await house.runtime.idle()

    house = await _house(tmp_path_factory.mktemp("a"), level="autonomy: suggest")
    await reject_twice(house)
    assert house.runtime.components["autonomy"].scenario_levels == {}
    await house.stop()

    opted_in = "  trust: {promote_after: 3, lower_after_rejections: 2}"
    house = await _house(tmp_path_factory.mktemp("b"), core=opted_in, level="autonomy: suggest")
    assert _proposals(house).promotion_streak == 3
    await reject_twice(house)
    assert house.runtime.components["autonomy"].scenario_levels == {"hall": "observe"}
    await _motion(house)
    assert _proposals(house).pending() == []  # observing now: nothing more to decide
    await house.stop()


async def test_who_may_decide_a_proposal(tmp_path: Path) -> None:
    level = "autonomy: suggest\n    approvers: [person.alice]"
    house = await _house(tmp_path, level=level)
    await _motion(house)
    (proposal,) = _proposals(house).pending()
    assert proposal.roles == ["person.alice"]
    with pytest.raises(ProposalError, match=r"may be decided by person\.alice"):
        _proposals(house).approve(proposal.id, user="bob", roles=("resident",))
    _proposals(house).approve(proposal.id, user="alice", roles=("resident",))
    await house.runtime.idle()
    assert _state(house, "light.hall") == "on"
    await house.stop()


async def test_simulate_shows_the_outcome_of_each_call(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        BASE.format(core="", level="autonomy: observe"), encoding="utf-8"
    )
    events = {
        "start": "2026-06-01T20:00:00+02:00",
        "initial": {"binary_sensor.hall_motion": "off", "lock.front": "locked"},
        "steps": [
            {"set": {"binary_sensor.hall_motion": "on"}},
            {"event": {"type": "cleaner_arrived"}},
        ],
    }
    result = await simulate(tmp_path, events, stub_services=True)
    outcomes = [(c["service"], c["outcome"]) for c in result["calls"]]
    assert outcomes == [
        ("light.turn_on", "observed"),
        ("notify.notify", "done"),  # telling people is never held back
        ("lock.unlock", "blocked"),
    ]
    assert result["calls"][2]["sentence"].startswith("Unlock")


@pytest.mark.allow_error_logs
async def test_bad_autonomy_configuration_is_reported(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        BASE.format(core="  guarded: [lock.unlokc]", level="autonomy: sometimes"),
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    messages = [(e.key, e.line, e.message) for e in report.errors]
    assert any(
        k == "autonomy" and line == 7 and "valid: auto, suggest, observe, off" in m
        for k, line, m in messages
    )
    assert any(
        (k, line) == ("homeloom.guarded[0]", 3) and "lock.unlokc" in m and "services of lock" in m
        for k, line, m in messages
    )
    await house.runtime.stop()


async def test_the_same_step_sees_levels_and_guards_changed_between_runs(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    policy = house.runtime.components["autonomy"]

    async def run_once() -> int:
        house.runtime.states.set("light.hall", "off")
        house.runtime.states.set("binary_sensor.hall_motion", "off")
        await _motion(house)
        pending = len(_proposals(house).pending())
        for proposal in _proposals(house).pending():
            _proposals(house).withdraw(proposal.id, "next case")
        await house.runtime.idle()
        return pending

    assert await run_once() == 0 and _state(house, "light.hall") == "on"
    policy.set_level("scenario", "hall", "suggest")
    assert await run_once() == 1 and _state(house, "light.hall") == "off"
    policy.set_level("scenario", "hall", "auto")
    policy.guarded_entities.add("light.hall")
    assert await run_once() == 1 and _state(house, "light.hall") == "off"
    policy.lift_guard("light.hall")
    assert await run_once() == 0 and _state(house, "light.hall") == "on"
    policy.household = "observe"
    assert await run_once() == 0 and _state(house, "light.hall") == "off"
    await house.stop()


@pytest.mark.parametrize(
    ("service", "entity", "attributes"),
    [
        ("cover.open_cover", "cover.garage", {"device_class": "garage"}),
        ("cover.toggle", "cover.gate", {"device_class": "gate"}),
        ("cover.open_cover", "cover.blinds", {"device_class": "blind"}),
        ("lock.unlock", "lock.x", {}),
        ("light.turn_on", "light.x", {}),
        ("light.toggle", "light.x", {}),
    ],
)
async def test_the_quick_answer_agrees_with_the_decision(
    tmp_path: Path, service: str, entity: str, attributes: dict[str, Any]
) -> None:
    house = await _house(tmp_path)
    house.runtime.states.set(entity, "closed", attributes)
    automation = house.automations.find("hall")
    assert automation is not None
    gate = automation.script.gate
    assert gate is not None
    domain, name = service.split(".")
    for guarded_entities in (set(), {"light.other"}):
        gate.policy.guarded_entities = guarded_entities
        decision = gate.policy.decide(domain, name, [entity], scenario="hall")
        assert gate.acts_alone(domain, name, {"entity_id": entity}) is (decision.level == "auto")
    await house.stop()
