"""Nested sequences as Home Assistant runs them: a failed condition step ends only the
sequence it is in, parallel branches all finish before one's error or stop ends the
run, and a call's rendering errors are errors that ``continue_on_error`` goes past."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios._trace import Trace


async def _run(tmp_path: Path, actions: str) -> tuple[Trace, list[Any]]:
    """One run of automation ``a`` with ``actions``: its trace and the messages notified."""
    config = (
        "automation:\n"
        "  - id: a\n"
        "    triggers: [{trigger: event, event_type: go}]\n"
        "    actions:\n" + "".join(f"      {line}\n" for line in actions.splitlines())
    )
    (tmp_path / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    messages: list[Any] = []
    house.runtime.services.add_observer(lambda call: messages.append(call.data.get("message")))
    await house.start()
    house.runtime.bus.fire("go", {})
    await house.runtime.advance(30)
    automation = house.automations.find("a")
    assert automation is not None
    trace = automation.traces[-1]
    await house.stop()
    return trace, messages


async def test_a_failed_condition_in_a_block_is_no_error_and_the_run_finishes(
    tmp_path: Path,
) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- sequence:
    - condition: template
      value_template: "{{ false }}"
    - {action: notify.notify, data: {message: skipped}}
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["after"]
    assert trace.script_execution == "finished"
    visits = trace.steps["action/0/sequence/0"]
    assert all(visit.error is None for visit in visits)
    assert {"result": False} in [visit.result for visit in visits]


async def test_a_failed_condition_at_the_top_level_aborts_the_run(tmp_path: Path) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- condition: template
  value_template: "{{ false }}"
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == []
    assert (trace.script_execution, trace.error) == ("aborted", None)


async def test_a_failed_condition_as_a_parallel_branch_ends_that_branch(tmp_path: Path) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- parallel:
    - condition: template
      value_template: "{{ false }}"
    - {action: notify.notify, data: {message: branch}}
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["branch", "after"]
    assert trace.script_execution == "finished"


async def test_a_failed_condition_in_a_choose_default_ends_only_the_default(
    tmp_path: Path,
) -> None:
    _, messages = await _run(
        tmp_path,
        """\
- choose:
    - conditions: "{{ false }}"
      sequence: [{action: notify.notify, data: {message: option}}]
  default:
    - condition: template
      value_template: "{{ false }}"
    - {action: notify.notify, data: {message: default}}
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["after"]


@pytest.mark.allow_error_logs
async def test_an_error_in_a_branch_ends_the_run_once_the_siblings_are_done(
    tmp_path: Path,
) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- parallel:
    - stop: broken
      error: true
    - sequence:
        - delay: 5
        - {action: notify.notify, data: {message: sibling}}
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["sibling"]
    assert (trace.script_execution, trace.error) == ("aborted", "broken")


async def test_the_first_branch_in_order_decides_how_the_run_ends(tmp_path: Path) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- parallel:
    - sequence:
        - delay: 5
        - stop: first
    - stop: second
      error: true
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == []
    assert (trace.script_execution, trace.error) == ("finished", None)


async def test_continue_on_error_goes_past_a_service_name_and_a_target_that_fail_to_render(
    tmp_path: Path,
) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- action: "{{ 1 / 0 }}"
  continue_on_error: true
- action: "{{ 'notify' }}"
  continue_on_error: true
- action: notify.notify
  target: {entity_id: "{{ 1 / 0 }}"}
  continue_on_error: true
- action: notify.notify
  data: "{{ 'not a mapping' }}"
  continue_on_error: true
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["after"]
    assert trace.script_execution == "finished"
    errors = [trace.steps[f"action/{index}"][0].result or {} for index in range(4)]
    assert [str(result.get("error", "")).split(":")[0] for result in errors] == [
        "Error rendering service name template",
        "Error rendering service name template",
        "Error rendering service target template",
        "Error rendering data template",
    ]
    assert all(result.get("continued") for result in errors)


@pytest.mark.allow_error_logs
async def test_a_data_template_error_without_continue_on_error_ends_the_run(
    tmp_path: Path,
) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- {action: notify.notify, data: {message: "{{ 1 / 0 }}"}}
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == []
    assert trace.script_execution == "error"
    assert str(trace.error).startswith("Error rendering data template: ")
    assert trace.steps["action/0"][0].error == trace.error


@pytest.mark.allow_error_logs
async def test_continue_on_error_does_not_go_past_an_unknown_service(tmp_path: Path) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- action: nowhere.nothing
  continue_on_error: true
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == []
    assert trace.script_execution == "error"


async def test_an_until_that_cannot_be_evaluated_ends_the_repeat(tmp_path: Path) -> None:
    trace, messages = await _run(
        tmp_path,
        """\
- repeat:
    until: "{{ repeat.index >= 3 or states('sensor.none') | int > 0 }}"
    sequence: [{action: notify.notify, data: {message: "turn {{ repeat.index }}"}}]
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["turn 1", "after"]
    assert trace.script_execution == "finished"
    until = trace.steps["action/0/repeat/until/0"][0]
    assert until.result is not None and "int got invalid input" in until.result["error"]


async def test_an_until_false_before_an_error_repeats_and_only_an_error_first_ends_it(
    tmp_path: Path,
) -> None:
    # As Home Assistant: the conditions are checked in order, up to the first false.
    trace, messages = await _run(
        tmp_path,
        """\
- repeat:
    until:
      - "{{ repeat.index >= 2 }}"
      - "{{ states('sensor.none') | int > 0 }}"
    sequence: [{action: notify.notify, data: {message: "turn {{ repeat.index }}"}}]
- {action: notify.notify, data: {message: after}}""",
    )
    assert messages == ["turn 1", "turn 2", "after"]
    assert trace.script_execution == "finished"
