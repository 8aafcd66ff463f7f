"""Calendars: an iCalendar file's events as an entity, and the calendar trigger with offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock

# Times in Paris (UTC+2 in June); Monday 1 June 2026.
ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//homeloom tests//EN
BEGIN:VEVENT
UID:dentist@test
DTSTART;TZID=Europe/Paris:20260601T100000
DTEND;TZID=Europe/Paris:20260601T110000
SUMMARY:Dentist
LOCATION:Rue de Rivoli
END:VEVENT
BEGIN:VEVENT
UID:bins@test
DTSTART;TZID=Europe/Paris:20260602T070000
DTEND;TZID=Europe/Paris:20260602T071500
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Bins out
END:VEVENT
BEGIN:VEVENT
UID:holiday@test
DTSTART;VALUE=DATE:20260605
DTEND;VALUE=DATE:20260606
SUMMARY:Holiday
END:VEVENT
END:VCALENDAR
"""
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
calendar:
  family:
    file: family.ics
automation:
  - id: remind
    triggers:
      - trigger: calendar
        event: start
        entity_id: calendar.family
        offset: "-00:15:00"
    actions:
      - action: notify.notify
        data:
          message: "{{ trigger.calendar_event.summary }} at {{ trigger.calendar_event.start }}"
  - id: done
    triggers: [{platform: calendar, event: end, entity_id: calendar.family}]
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.calendar_event.summary }} is over"}
"""
START = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # midnight in Paris


async def _house(tmp_path: Path) -> tuple[House, list[tuple[datetime, str]]]:
    (tmp_path / "family.ics").write_text(ICS, encoding="utf-8")
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    assert (await house.setup()).errors == []
    sent: list[tuple[datetime, str]] = []

    def record(event: Event) -> None:
        sent.append((house.runtime.now(), str(event.data["message"])))

    house.runtime.bus.listen("homeloom_notification", record)
    await house.start()
    return house, sent


async def test_events_start_and_end_with_offsets_and_recurrences(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    await house.runtime.advance(timedelta(days=9).total_seconds())
    paris = [
        (when.astimezone(house.runtime.settings.tz).strftime("%a %H:%M"), m) for when, m in sent
    ]
    assert paris == [
        ("Mon 09:45", "Dentist at 2026-06-01T10:00:00+02:00"),
        ("Mon 11:00", "Dentist is over"),
        ("Tue 06:45", "Bins out at 2026-06-02T07:00:00+02:00"),
        ("Tue 07:15", "Bins out is over"),
        ("Thu 23:45", "Holiday at 2026-06-05"),
        ("Sat 00:00", "Holiday is over"),
        ("Tue 06:45", "Bins out at 2026-06-09T07:00:00+02:00"),
        ("Tue 07:15", "Bins out is over"),
    ]
    await house.stop()


async def test_the_entity_shows_the_current_or_next_event(tmp_path: Path) -> None:
    house, _ = await _house(tmp_path)
    family = house.runtime.states.get("calendar.family")
    assert family is not None and family.state == "off"
    assert family.attributes["message"] == "Dentist"
    await house.runtime.advance_to(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))  # 10:30 in Paris
    family = house.runtime.states.get("calendar.family")
    assert family is not None and family.state == "on"
    assert family.attributes["location"] == "Rue de Rivoli"
    assert family.attributes["start_time"] == "2026-06-01 10:00:00"
    await house.runtime.advance_to(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    family = house.runtime.states.get("calendar.family")
    assert family is not None and family.state == "off"
    assert family.attributes["message"] == "Bins out"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_missing_file_is_a_config_error_and_a_missing_calendar_a_warning(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "calendar:\n  family:\n    file: nowhere.ics\n"
        "automation:\n  - triggers: [{trigger: calendar, entity_id: calendar.work}]\n"
        "    actions: []\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    found = {(issue.key, issue.line): issue.message for issue in report.errors}
    assert "cannot read nowhere.ics" in found[("calendar.family.file", 3)]
    # As in Home Assistant, the automation loads and only its trigger is left out when
    # it turns on (tests/scenarios/test_loose_triggers.py): loading warns of it.
    assert not any("calendar.work" in message for message in found.values())
    warned = {(issue.key, issue.line): issue.message for issue in report.warnings}
    assert "no calendar 'calendar.work'" in warned[("triggers[0].entity_id", 5)]
    await house.runtime.stop()
