"""Helpers read their YAML and their service data value by value as Home Assistant 2024.3
does (tests/scenarios/cases/resident_mix_21.yaml checks the same against it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import ServiceValidationError, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path, config: str) -> tuple[House, list[str]]:
    text = "homeloom:\n  time_zone: Europe/Paris\n" + config
    (config_dir / "configuration.yaml").write_text(text, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False)
    errors = [issue.message for issue in (await house.setup()).errors]
    await house.start()
    return house, errors


def _state(house: House, entity_id: str) -> str | None:
    state = house.runtime.states.get(entity_id)
    return state.state if state is not None else None


async def test_an_input_number_shows_a_float_sum_as_home_assistant_writes_it(
    tmp_path: Path,
) -> None:
    house, _ = await _house(
        tmp_path, "input_number:\n  volume: {min: 0, max: 1, step: 0.1, initial: 0.2}\n"
    )
    await house.runtime.services.call(
        "input_number", "increment", target={"entity_id": "input_number.volume"}
    )
    assert _state(house, "input_number.volume") == "0.3"  # 0.30000000000000004
    await house.stop()


async def test_input_select_options_written_as_numbers_or_booleans_are_their_text(
    tmp_path: Path,
) -> None:
    config = (
        "input_select:\n"
        "  program: {options: [30, 40, Quick], initial: 40}\n"
        "  override: {options: [Auto, On, Off]}\n"
        "  scene: {options: [Bright, Night, Dim, Night], initial: Dim}\n"
    )
    house, errors = await _house(tmp_path, config)
    assert errors == []
    states = house.runtime.states
    assert _state(house, "input_select.program") == "40"
    assert states.get("input_select.override").attributes["options"] == ["Auto", "True", "False"]  # type: ignore[union-attr]
    assert states.get("input_select.scene").attributes["options"] == ["Bright", "Night", "Dim"]  # type: ignore[union-attr]
    call = house.runtime.services.call
    await call(
        "input_select",
        "select_option",
        {"option": False},
        target={"entity_id": "input_select.override"},
    )
    assert _state(house, "input_select.override") == "False"
    await call(
        "input_select",
        "select_option",
        {"option": 30},
        target={"entity_id": "input_select.program"},
    )
    assert _state(house, "input_select.program") == "30"
    await house.stop()


async def test_select_moves_take_only_a_true_boolean_for_cycle(tmp_path: Path) -> None:
    house, _ = await _house(tmp_path, "input_select:\n  mode: {options: [a, b], initial: b}\n")
    with pytest.raises(ServiceValidationError):
        await house.runtime.services.call(
            "input_select",
            "select_next",
            {"cycle": "false"},
            target={"entity_id": "input_select.mode"},
        )
    assert _state(house, "input_select.mode") == "b"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_an_input_text_whose_initial_does_not_fit_its_lengths_is_refused(
    tmp_path: Path,
) -> None:
    config = (
        "input_text:\n"
        "  code: {min: 4, max: 6, initial: 12}\n"
        "  short: {min: 4, max: 6, initial: '1234'}\n"
        "  upside_down: {min: 5, max: 2}\n"
        "  pin: {min: 4, initial: 1234}\n"
    )
    house, errors = await _house(tmp_path, config)
    assert len(errors) == 2, errors
    assert any("'12' is not 4 to 6 characters long" in error for error in errors)
    assert _state(house, "input_text.code") is None
    assert _state(house, "input_text.upside_down") is None
    assert _state(house, "input_text.short") == "1234"
    assert _state(house, "input_text.pin") == "1234"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_input_datetime_reads_times_dates_and_offsets_as_home_assistant(
    tmp_path: Path,
) -> None:
    config = (
        "input_datetime:\n"
        "  arrival: {has_date: true, has_time: true, initial: '2026-06-05T07:00:00+00:00'}\n"
        "  wake: {has_time: true, initial: '6:30'}\n"
        "  bins: {has_date: true, initial: '2026-6-5'}\n"
        "  broken: {has_date: true, initial: '5 June'}\n"
    )
    house, errors = await _house(tmp_path, config)
    assert len(errors) == 1 and "5 June" in errors[0], errors
    assert _state(house, "input_datetime.arrival") == "2026-06-05 09:00:00"  # Paris time
    assert _state(house, "input_datetime.wake") == "06:30:00"
    assert _state(house, "input_datetime.bins") == "2026-06-05"
    call = house.runtime.services.call
    target = {"entity_id": "input_datetime.arrival"}
    await call(
        "input_datetime", "set_datetime", {"date": "2026-6-7", "time": "7:05"}, target=target
    )
    assert _state(house, "input_datetime.arrival") == "2026-06-07 07:05:00"
    with pytest.raises(ServiceValidationError):
        await call("input_datetime", "set_datetime", {"time": "07:05:00.5"}, target=target)
    await house.stop()


async def test_a_counter_starts_at_its_initial_even_past_its_maximum(tmp_path: Path) -> None:
    config = "counter:\n  slots: {initial: 4, minimum: 0, maximum: 3}\n"
    house, _ = await _house(tmp_path, config)
    assert _state(house, "counter.slots") == "4"
    await house.runtime.services.call("counter", "increment", target={"entity_id": "counter.slots"})
    assert _state(house, "counter.slots") == "3"
    await house.stop()


async def test_input_text_takes_a_rendered_list_or_tuple_as_its_text(tmp_path: Path) -> None:
    # A template light's set_rgb saving "{{ rgb }}" (a tuple) in an input_text: Home
    # Assistant's cv.string takes any rendered list, mapping or tuple as the text it
    # rendered (resident_mix_60.yaml); only a list written in YAML is refused.
    config = (
        "input_text:\n  colour: {}\n  names: {}\n"
        "script:\n"
        "  save:\n"
        "    sequence:\n"
        "    - service: input_text.set_value\n"
        "      target: {entity_id: input_text.colour}\n"
        '      data: {value: "{{ (255, 128, 0) }}"}\n'
        "    - service: input_text.set_value\n"
        "      target: {entity_id: input_text.names}\n"
        "      data: {value: \"{{ ['hall', 'desk'] }}\"}\n"
    )
    house, errors = await _house(tmp_path, config)
    assert errors == []
    await house.runtime.services.call("script", "save")
    assert _state(house, "input_text.colour") == "(255, 128, 0)"
    assert _state(house, "input_text.names") == "['hall', 'desk']"
    with pytest.raises(ServiceValidationError):
        await house.runtime.services.call(
            "input_text",
            "set_value",
            {"value": ["hall", "desk"]},
            target={"entity_id": "input_text.colour"},
        )
    await house.stop()
