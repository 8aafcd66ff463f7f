"""Notification pressure: budgets per person, quiet hours, and digests of what was held."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import Proposals, TestClock

EVENING = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # 20:00 in Paris
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
  pressure:
    per_hour: 2
    quiet_hours: {start: "22:00", end: "07:00"}
    people:
      person.bob: {per_hour: 5}
automation:
  - id: door
    alias: Door left open
    autonomy: suggest
    approvers: [person.alice]
    triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.porch}
"""


async def _house(config_dir: Path, clock: TestClock, *, persist: bool = False) -> House:
    (config_dir / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(config_dir, clock=clock, adapters=False, persist=persist)

    def devices(runtime: Any) -> None:
        runtime.states.set("binary_sensor.door", "off")
        runtime.states.set("light.porch", "off", {"friendly_name": "Porch light"})

    report = await house.setup(before_scenarios=devices)
    assert report.errors == []
    await house.start()
    return house


def _listen(house: House) -> list[dict[str, Any]]:
    delivered: list[dict[str, Any]] = []
    house.runtime.bus.listen("homeloom_notification", lambda event: delivered.append(event.data))
    return delivered


async def _notify(house: House, message: str, target: str = "person.alice") -> None:
    await house.runtime.services.call(
        "notify", "notify", {"message": message, "title": "House", "target": target}
    )
    await house.runtime.idle()


async def test_the_hourly_budget_defers_and_then_delivers_a_digest(tmp_path: Path) -> None:
    house = await _house(tmp_path, TestClock(EVENING))
    delivered = _listen(house)
    for message in ("one", "two", "three", "four"):
        await _notify(house, message)
    assert [item["message"] for item in delivered] == ["one", "two"]
    await _notify(house, "for bob", target="person.bob")  # Bob has his own budget
    assert delivered[-1]["message"] == "for bob"
    await house.runtime.advance(59 * 60)
    assert len(delivered) == 3
    await house.runtime.advance(60)
    digest = delivered[-1]
    assert digest["channel"] == "digest" and digest["recipient"] == "alice"
    assert digest["message"] == "- House: three\n- House: four"
    assert [item["message"] for item in digest["data"]["digest"]] == ["three", "four"]
    await house.stop()


async def test_quiet_hours_hold_everything_until_morning(tmp_path: Path) -> None:
    house = await _house(tmp_path, TestClock(datetime(2026, 6, 1, 20, 30, tzinfo=UTC)))
    delivered = _listen(house)
    await _notify(house, "late")
    await _notify(house, "later", target="person.bob")
    assert delivered == []
    await house.runtime.advance_to(datetime(2026, 6, 2, 4, 59, tzinfo=UTC))  # 06:59 in Paris
    assert delivered == []
    await house.runtime.advance(60)
    assert sorted((item["recipient"], item["message"]) for item in delivered) == [
        ("alice", "- House: late"),
        ("bob", "- House: later"),
    ]
    await house.stop()


async def test_a_suggestion_is_announced_to_its_approver_within_the_budget(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path, TestClock(EVENING))
    delivered = _listen(house)
    await _notify(house, "one")
    await _notify(house, "two")
    house.runtime.states.set("binary_sensor.door", "on")
    await house.runtime.idle()
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)
    (proposal,) = proposals.pending()
    assert proposal.roles == ["person.alice"]
    assert len(delivered) == 2  # Alice's budget is spent: the suggestion waits
    await house.runtime.advance(3600)
    (digest,) = delivered[2:]
    assert digest["data"]["digest"][0]["data"] == {"proposal": proposal.id}
    await house.stop()


async def test_what_is_held_back_survives_a_restart(tmp_path: Path) -> None:
    clock = TestClock(datetime(2026, 6, 1, 21, 0, tzinfo=UTC))  # 23:00 in Paris
    house = await _house(tmp_path, clock, persist=True)
    await _notify(house, "while asleep")
    await house.stop()

    again = await _house(tmp_path, clock, persist=True)
    delivered = _listen(again)
    await again.runtime.advance_to(datetime(2026, 6, 2, 5, 0, tzinfo=UTC))
    assert [item["message"] for item in delivered] == ["- House: while asleep"]
    await again.stop()


@pytest.mark.allow_error_logs
async def test_a_bad_budget_is_reported_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "homeloom:\n  pressure:\n    per_hour: 0\n"
        "    people:\n      person.bob: {quiet_hours: late}\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(EVENING), adapters=False, persist=False)
    report = await house.setup()
    found = {(issue.key, issue.line): issue.message for issue in report.errors}
    assert "per_hour must be a whole number of 1 or more" in found[("homeloom.pressure", 2)]
    assert (
        "quiet_hours needs exactly 'start' and 'end'"
        in found[("homeloom.pressure.people.person.bob", 5)]
    )
    await house.runtime.stop()


async def test_a_channel_named_by_a_resident_has_its_own_budget(tmp_path: Path) -> None:
    house = await _house(tmp_path, TestClock(EVENING))
    delivered = _listen(house)
    for message in ("one", "two", "three"):
        await house.runtime.services.call("notify", "mobile_app_alices_phone", {"message": message})
    await house.runtime.idle()
    assert [(item["recipient"], item["message"]) for item in delivered] == [
        ("mobile_app_alices_phone", "one"),
        ("mobile_app_alices_phone", "two"),
    ]
    await house.stop()
