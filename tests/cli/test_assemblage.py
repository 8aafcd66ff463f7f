"""``homeloom assemblage list`` and ``show``, beside the house's recorded trust and levels."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom import assemblage_report
from homeloom.cli import main
from homeloom.house import House
from homeloom.orchestrator import Proposals, TestClock

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
adapters:
  - adapter: virtual
    seed: 7
assemblage:
  hall_evening:
    name: Hall evening
    autonomy: suggest
    members:
      areas: [hall]
      people: [person.alice]
    roles: {sensor: binary_sensor.hall_motion, lamp: light.hall}
    scenarios:
      - id: lamp
        alias: Lamp on motion
        triggers: [{trigger: state, entity_id: !input sensor, to: "on"}]
        actions: [{action: light.turn_on, target: {entity_id: !input lamp}}]
    derived:
      active: "{{ is_state(roles.sensor, 'on') }}"
  kitchen:
    roles: {lamp: light.kitchen}
"""


async def _approve_one_suggestion(config_dir: Path) -> None:
    house = House(config_dir, clock=TestClock(datetime(2026, 6, 1, 18, 0, tzinfo=UTC)))
    assert (await house.setup()).errors == []
    await house.start()
    house.runtime.states.set("binary_sensor.hall_motion", "off")
    house.runtime.states.set("binary_sensor.hall_motion", "on")
    await house.runtime.idle()
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)
    (proposal,) = proposals.pending()
    proposals.approve(proposal.id, user="alice")
    await house.runtime.services.call(
        "homeloom", "set_autonomy", {"assemblage": "kitchen", "level": "observe"}
    )
    await house.runtime.idle()
    await house.stop()


def test_list_and_show_print_members_roles_scenarios_levels_and_trust(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    asyncio.run(_approve_one_suggestion(tmp_path))
    # The virtual house's people move with the time of day: describe it at midday,
    # when someone is in the hall, whatever the time the test runs.
    midday = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(assemblage_report, "describing_clock", lambda: TestClock(midday))

    assert main(["assemblage", "list", "--config", str(tmp_path)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing == [
        "hall_evening  on   suggest  Hall evening: 4 members, 2 roles, 1 scenario",
        "kitchen       on   observe  Kitchen: 1 member, 1 role, 0 scenarios",
    ]

    assert main(["assemblage", "show", "Hall evening", "--config", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "Hall evening (assemblage.hall_evening): on, autonomy suggest" in shown
    assert "  areas: hall" in shown and "  people: person.alice" in shown
    assert "  lamp -> light.hall" in shown
    assert (
        "  automation.hall_evening_lamp_on_motion  on   level suggest  "
        "trust: 1 approved, 0 rejected, 0 expired, streak 1"
    ) in shown
    assert "binary_sensor.hall_evening_active: on" in shown

    assert main(["assemblage", "show", "kitchen", "--json", "--config", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["autonomy"] == "observe"


def test_show_names_the_known_assemblages_when_one_is_missing(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    assert main(["assemblage", "show", "garage", "--config", str(tmp_path)]) == 1
    assert "no assemblage 'garage'; known: hall_evening, kitchen" in capsys.readouterr().err
