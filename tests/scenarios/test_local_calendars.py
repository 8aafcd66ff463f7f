"""Local calendars made in Home Assistant's UI, and the calendar services.

Home Assistant 2024.3 keeps a local calendar as a config entry (``local_calendar``:
``data.calendar_name`` and ``storage_key``) and its events in
``.storage/local_calendar.<key>.ics`` (``components/local_calendar/__init__.py`` and
``store.py``); ``calendar.get_events``, ``list_events`` and ``create_event`` are in
``components/calendar/__init__.py``. tests/scenarios/cases/resident_mix_46.yaml checks
the same against Home Assistant itself; these tests look at what only homeloom shows:
its report, the file written, the services' refusals.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.orchestrator._errors import ServiceValidationError

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # Monday 20:00 in Paris
ICS = """\
BEGIN:VCALENDAR
PRODID:-//homeassistant.io//local_calendar 1.0//EN
VERSION:2.0
BEGIN:VEVENT
DTSTAMP:20260520T090000
UID:dinner-0001
DTSTART:20260601T203000
DTEND:20260601T220000
SUMMARY:Dinner with Ann
END:VEVENT
BEGIN:VEVENT
DTSTAMP:20260520T090000
UID:holiday-0001
DTSTART:20260602
DTEND:20260603
SUMMARY:Bank holiday
END:VEVENT
END:VCALENDAR
"""
NOTIFY = {
    "action": "notify.notify",
    # The calendar's state at the trigger: turned already, as in Home Assistant.
    "data": {"message": "{{ trigger.calendar_event.summary }} {{ states('calendar.family') }}"},
}
AUTOMATIONS = f"""\
automation:
  - id: told
    triggers: [{{trigger: calendar, entity_id: calendar.family}}]
    actions: [{json.dumps(NOTIFY)}]
"""


def _entry(entry_id: str, **data: Any) -> dict[str, Any]:
    return {"entry_id": entry_id, "domain": "local_calendar", "title": "x", "data": data}


def _write(
    config_dir: Path,
    entries: list[dict[str, Any]],
    files: dict[str, str],
    *,
    config: str = AUTOMATIONS,
    registry: list[dict[str, Any]] | None = None,
) -> None:
    storage = config_dir / ".storage"
    storage.mkdir()
    envelope = {"version": 1, "minor_version": 1, "key": "core.config_entries"}
    (storage / "core.config_entries").write_text(
        json.dumps({**envelope, "data": {"entries": entries}}), encoding="utf-8"
    )
    if registry is not None:
        envelope = {"version": 1, "minor_version": 13, "key": "core.entity_registry"}
        data = {"entities": registry, "deleted_entities": []}
        (storage / "core.entity_registry").write_text(
            json.dumps({**envelope, "data": data}), encoding="utf-8"
        )
    for name, text in files.items():
        (storage / name).write_text(text, encoding="utf-8")
    (config_dir / "configuration.yaml").write_text(
        "homeloom:\n  time_zone: Europe/Paris\n" + config, encoding="utf-8"
    )


async def _started(config_dir: Path) -> tuple[House, list[str], list[Any]]:
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    sent: list[str] = []
    house.runtime.bus.listen(
        "homeloom_notification", lambda event: sent.append(str(event.data["message"]))
    )
    await house.start()
    return house, sent, report.errors


def _attributes(house: House, entity_id: str) -> tuple[str, dict[str, Any]]:
    state = house.runtime.states.get(entity_id)
    assert state is not None, entity_id
    return state.state, dict(state.attributes)


async def test_a_local_calendar_is_its_entry_s_entity_with_home_assistant_s_attributes(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        [_entry("e1", calendar_name="Family")],  # no storage_key: the name's slug
        {"local_calendar.family.ics": ICS},
    )
    house, sent, errors = await _started(tmp_path)
    assert errors == []
    state, attributes = _attributes(house, "calendar.family")
    assert state == "off"
    assert attributes == {
        "friendly_name": "Family",
        "message": "Dinner with Ann",
        "all_day": False,
        "start_time": "2026-06-01 20:30:00",
        "end_time": "2026-06-01 22:00:00",
        "location": "",  # unset: "" as Home Assistant's calendars give it, not None
        "description": "",
    }
    await house.runtime.advance(1800)
    # The state turns before a trigger due at the same time runs.
    assert _attributes(house, "calendar.family")[0] == "on"
    assert sent == ["Dinner with Ann on"]
    await house.stop()


async def test_the_trigger_s_event_leaves_out_what_is_unset(tmp_path: Path) -> None:
    notify = {"action": "notify.notify", "data": {"message": "{{ trigger.calendar_event }}"}}
    config = (
        "automation:\n  - triggers: [{trigger: calendar, entity_id: calendar.family}]\n"
        f"    actions: [{json.dumps(notify)}]\n"
    )
    _write(
        tmp_path,
        [_entry("e1", calendar_name="Family")],
        {"local_calendar.family.ics": ICS},
        config=config,
    )
    house, sent, _ = await _started(tmp_path)
    await house.runtime.advance(1800)
    assert sent == [
        "{'start': '2026-06-01T20:30:00+02:00', 'end': '2026-06-01T22:00:00+02:00', "
        "'summary': 'Dinner with Ann', 'uid': 'dinner-0001', 'all_day': False}"
    ]
    await house.stop()


async def test_the_entity_registry_names_the_calendar(tmp_path: Path) -> None:
    registry = [
        {
            "entity_id": "calendar.household",
            "platform": "local_calendar",
            "unique_id": "e1",
            "id": "r1",
            "name": "Our house",
        }
    ]
    _write(tmp_path, [_entry("e1", calendar_name="Family")], {}, config="", registry=registry)
    house, _, errors = await _started(tmp_path)
    assert errors == []
    assert house.runtime.states.get("calendar.family") is None
    assert _attributes(house, "calendar.household") == ("off", {"friendly_name": "Our house"})
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_broken_file_is_an_error_naming_it_and_the_rest_loads(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _entry("e1", calendar_name="Family", storage_key="family"),
            _entry("e2", calendar_name="Work", storage_key="work"),  # no file yet: empty
        ],
        {"local_calendar.family.ics": "BEGIN:VCALENDAR\nnot a calendar\n"},
        config="",
    )
    house, _, errors = await _started(tmp_path)
    assert len(errors) == 1
    assert "local_calendar.family.ics" in errors[0].message
    assert "not an iCalendar file" in errors[0].message
    assert errors[0].key == "data.entries[0].data.storage_key"
    assert house.runtime.states.get("calendar.family") is None
    assert _attributes(house, "calendar.work") == ("off", {"friendly_name": "Work"})
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_storage_key_naming_another_folder_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_entry("e1", calendar_name="Family", storage_key="../x")], {}, config="")
    house, _, errors = await _started(tmp_path)
    assert [error.key for error in errors] == ["data.entries[0].data.storage_key"]
    assert house.runtime.states.get("calendar.family") is None
    await house.stop()


async def test_create_event_adds_to_the_file_in_one_move_keeping_its_events(
    tmp_path: Path,
) -> None:
    _write(tmp_path, [_entry("e1", calendar_name="Family")], {"local_calendar.family.ics": ICS})
    house, sent, _ = await _started(tmp_path)
    path = tmp_path / ".storage" / "local_calendar.family.ics"
    before = path.stat().st_ino
    await house.runtime.services.call(
        "calendar",
        "create_event",
        {
            "summary": "Call Grandma",
            "start_date_time": "2026-06-01 20:05:00",
            "end_date_time": "2026-06-01T18:25:00Z",
            "location": "Phone",
        },
        target={"entity_id": "calendar.family"},
    )
    assert path.stat().st_ino != before  # replaced, not written over
    await house.runtime.services.call(
        "calendar",
        "create_event",
        {"summary": "Trip", "start_date": "2026-06-04", "end_date": "2026-06-06"},
        target={"entity_id": "calendar.family"},
    )
    text = path.read_text(encoding="utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "core.config_entries",
        "local_calendar.family.ics",
    ]  # no temporary file left behind
    for kept in ("UID:dinner-0001", "UID:holiday-0001", "SUMMARY:Bank holiday"):
        assert kept in text
    # Local wall time without a zone, as Home Assistant writes its new events.
    assert "DTSTART:20260601T200500" in text and "DTEND:20260601T202500" in text
    assert "DTSTART;VALUE=DATE:20260604" in text
    assert "DESCRIPTION:\n" in text and "LOCATION:Phone" in text
    assert _attributes(house, "calendar.family")[:1] == ("off",)
    await house.runtime.advance(300)
    state, attributes = _attributes(house, "calendar.family")
    assert (state, attributes["message"]) == ("on", "Call Grandma")
    assert sent == ["Call Grandma on"]  # the trigger follows the new event
    answer = await house.runtime.services.call(
        "calendar",
        "get_events",
        {"start_date_time": "2026-06-04T00:00:00+02:00", "duration": {"days": 3}},
        target={"entity_id": "calendar.family"},
        return_response=True,
    )
    assert answer == {
        "calendar.family": {
            "events": [
                {"start": "2026-06-04", "end": "2026-06-06", "summary": "Trip", "description": ""}
            ]
        }
    }
    await house.stop()


async def test_create_event_in_days_or_weeks_is_a_whole_day_from_today(tmp_path: Path) -> None:
    _write(tmp_path, [_entry("e1", calendar_name="Family")], {}, config="")
    house, _, _ = await _started(tmp_path)
    for summary, ahead in (("Vet", {"days": 2}), ("Dentist", {"weeks": 1})):
        await house.runtime.services.call(
            "calendar",
            "create_event",
            {"summary": summary, "in": ahead},
            target={"entity_id": "calendar.family"},
        )
    text = (tmp_path / ".storage" / "local_calendar.family.ics").read_text(encoding="utf-8")
    assert "PRODID:-//homeassistant.io//local_calendar 1.0//EN" in text  # a new file
    for day in ("DTSTART;VALUE=DATE:20260603", "DTEND;VALUE=DATE:20260604"):
        assert day in text
    for day in ("DTSTART;VALUE=DATE:20260608", "DTEND;VALUE=DATE:20260609"):
        assert day in text
    await house.stop()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"summary": "x", "start_date_time": "2026-06-04 08:00:00"}, "must both be specified"),
        ({"summary": "x"}, "at least one of start_date, start_date_time, in"),
        (
            {
                "summary": "x",
                "start_date": "2026-06-04",
                "end_date": "2026-06-05",
                "in": {"days": 1},
            },
            "at most one of",
        ),
        (
            {"summary": "x", "start_date": "2026-06-05", "end_date": "2026-06-05"},
            "minimum event duration",
        ),
        ({"start_date": "2026-06-04", "end_date": "2026-06-05"}, "data['summary']"),
        ({"summary": "x", "in": {"days": 1}, "colour": "red"}, "extra keys"),
        ({"summary": "x", "in": {"days": 1, "weeks": 1}}, "exclusion"),
    ],
)
async def test_create_event_refuses_what_home_assistant_refuses(
    tmp_path: Path, data: dict[str, Any], words: str
) -> None:
    _write(tmp_path, [_entry("e1", calendar_name="Family")], {}, config="")
    house, _, _ = await _started(tmp_path)
    with pytest.raises(ServiceValidationError, match=words.replace("[", r"\[")):
        await house.runtime.services.call(
            "calendar", "create_event", data, target={"entity_id": "calendar.family"}
        )
    assert not (tmp_path / ".storage" / "local_calendar.family.ics").exists()
    await house.stop()


async def test_a_calendar_file_of_the_calendar_block_takes_no_new_event(tmp_path: Path) -> None:
    (tmp_path / "family.ics").write_text(ICS, encoding="utf-8")
    (tmp_path / "configuration.yaml").write_text(
        "homeloom:\n  time_zone: Europe/Paris\ncalendar:\n  family:\n    file: family.ics\n",
        encoding="utf-8",
    )
    house, _, errors = await _started(tmp_path)
    assert errors == []
    with pytest.raises(ServiceValidationError, match="does not support this service"):
        await house.runtime.services.call(
            "calendar",
            "create_event",
            {"summary": "x", "in": {"days": 1}},
            target={"entity_id": "calendar.family"},
        )
    assert (tmp_path / "family.ics").read_text(encoding="utf-8") == ICS
    await house.stop()


async def test_get_events_answers_only_a_call_asking_for_an_answer(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [_entry("e1", calendar_name="Family")],
        {"local_calendar.family.ics": ICS},
        config="",
    )
    house, _, _ = await _started(tmp_path)
    target = {"entity_id": "calendar.family"}
    with pytest.raises(ServiceValidationError, match="response_variable"):
        await house.runtime.services.call(
            "calendar", "get_events", {"duration": {"hours": 1}}, target=target
        )
    listed = await house.runtime.services.call(
        "calendar", "list_events", {"duration": "01:00:00"}, target=target, return_response=True
    )
    assert listed == {
        "events": [
            {
                "start": "2026-06-01T20:30:00+02:00",
                "end": "2026-06-01T22:00:00+02:00",
                "summary": "Dinner with Ann",
            }
        ]
    }
    with pytest.raises(ServiceValidationError, match="did not match any entities"):
        await house.runtime.services.call(
            "calendar",
            "get_events",
            {"duration": {"hours": 1}},
            target={"entity_id": "calendar.nosuch"},
            return_response=True,
        )
    await house.stop()
