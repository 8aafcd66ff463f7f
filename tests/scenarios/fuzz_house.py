"""A house set up, started and exercised from a fuzzed configuration directory: for the
fuzz tests of what homeloom reads of a Home Assistant directory (``test_fuzz_ha_*``).

Whatever the files hold, setting the house up reports errors and warnings (never
raises), and running it (sources changing, time passing, the commands of its
entities called) neither raises nor makes a handler fail."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from homeloom.house import House
from homeloom.orchestrator import ConfigIssue, HomeloomError, Runtime, TestClock

# Derandomized: CI runs the same examples each time, and a failure reproduces.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
# The entities the fuzzed items read, before anything is set up, and what they become.
SOURCES = {
    "sensor.a": {"state": "5", "attributes": {"unit_of_measurement": "kWh"}},
    "sensor.b": {"state": "7.5", "attributes": {"unit_of_measurement": "kWh"}},
    "binary_sensor.door": {"state": "on", "attributes": {}},
    "device_tracker.phone": {"state": "home", "attributes": {}},
}
CHANGES = {"sensor.a": "6", "sensor.b": "x", "binary_sensor.door": "off"}
# What is called on each entity of these domains once started, to run its commands.
COMMANDS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "switch": [("turn_on", {}), ("toggle", {})],
    "lock": [("lock", {}), ("unlock", {})],
    "cover": [("open_cover", {}), ("set_cover_position", {"position": 30})],
    "light": [
        ("turn_on", {"brightness": 10}),
        ("turn_on", {"rgb_color": [1, 2, 3], "effect": "Fire"}),
        ("turn_off", {}),
    ],
    "fan": [("turn_on", {"percentage": 50}), ("set_preset_mode", {"preset_mode": "auto"})],
    "number": [("set_value", {"value": 3})],
    "select": [("select_option", {"option": "a"})],
    "button": [("press", {})],
    "alert": [("turn_off", {}), ("toggle", {})],
    "alarm_control_panel": [("alarm_arm_away", {"code": "1234"}), ("alarm_trigger", {})],
    "climate": [("set_hvac_mode", {"hvac_mode": "heat"}), ("set_temperature", {"temperature": 30})],
    "humidifier": [("turn_on", {}), ("set_humidity", {"humidity": 60})],
    "counter": [("increment", {})],
    "timer": [("pause", {}), ("start", {})],
    "input_boolean": [("toggle", {})],
    "media_player": [("turn_on", {}), ("volume_set", {"volume_level": 0.5}), ("toggle", {})],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=8),
)
junk: Any = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=6), children, max_size=3),
    ),
    max_leaves=8,
)
entity_ids = st.sampled_from([*SOURCES, "sensor.missing", "light.x", "Sensor.A", "bad", ""])
templates = st.sampled_from(
    [
        "{{ states('sensor.a') }}",
        "{{ states('sensor.a') | float * 2 }}",
        "{{ is_state('binary_sensor.door', 'on') }}",
        "{{ state_translated('binary_sensor.door') }}",
        "{{ version(states('sensor.a')) > '1.0' }}",
        "{{ distance('sensor.a') }} {{ states | closest }}",
        "{{ this.state }}",
        "{{ 1 / 0 }}",
        "{{ [1, 2] }}",
        "{{",
        "on",
        "locked",
        "open",
        "-5",
        "1e400",
    ]
)
actions = st.sampled_from(
    [
        [],
        {"action": "notify.notify", "data": {"message": "{{ this.state }}"}},
        {"service": "input_boolean.toggle", "target": {"entity_id": "input_boolean.flag"}},
        {"delay": 1},
        {"action": "no.such_service"},
        {"stop": "done"},
    ]
)


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` three times in four, else ``odd``: close enough to valid to go deep.
    (``st.one_of(usual, usual, usual, odd)`` would not do: it keeps one of each.)"""
    return st.sampled_from([usual, usual, usual, odd]).flatmap(lambda chosen: chosen)


class _Failures(logging.Handler):
    """Keeps what was logged with an exception: a handler or a task that failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is not None:
            self.records.append(record)


@contextlib.contextmanager
def no_failures_logged() -> Iterator[None]:
    """Fails the test when homeloom logs an exception meanwhile: a handler or a task
    that failed."""
    failures = _Failures()
    logger = logging.getLogger("homeloom")
    logger.addHandler(failures)
    try:
        yield
    finally:
        logger.removeHandler(failures)
    assert not failures.records, [
        f"{record.getMessage()}: {record.exc_info[1]!r}"
        for record in failures.records
        if record.exc_info
    ]


@contextlib.contextmanager
def config_dir(files: Mapping[str, str]) -> Iterator[Path]:
    """A configuration directory holding ``files`` (path: text), removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8", errors="surrogateescape")
        yield root


def _write_sources(runtime: Runtime) -> None:
    for entity_id, source in SOURCES.items():
        runtime.states.set(entity_id, source["state"], source["attributes"])


async def _call(runtime: Runtime, domain: str, service: str, data: Any, entity_id: str) -> None:
    with contextlib.suppress(HomeloomError):  # refused as it would be at home
        await runtime.services.call(domain, service, data, target={"entity_id": entity_id})


async def _exercise(root: Path) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    house = House(root, clock=TestClock(START), persist=False, adapters=False)
    report = await house.setup(before_scenarios=_write_sources)
    runtime = house.runtime
    try:
        await house.start()
        await runtime.idle()
        for entity_id, state in CHANGES.items():
            runtime.states.set(entity_id, state)
            await runtime.idle()
        # Called at once, answered as their actions end: some wait for the clock.
        calls = [
            asyncio.ensure_future(_call(runtime, domain, service, data, entity_id))
            for domain, commands in COMMANDS.items()
            for entity_id in runtime.states.entity_ids(domain)
            for service, data in commands
        ]
        await runtime.idle()
        await runtime.advance(3700)
        # A call still unanswered once every action could have ended is a hang.
        await asyncio.wait_for(asyncio.gather(*calls), timeout=10)
    finally:
        await house.stop()
    return report.errors, report.warnings


def exercise_house(files: Mapping[str, str]) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    """Set up, start and run the house of ``files``; its errors and warnings. Fails the
    test when something raised or a handler failed on the way."""
    with (
        no_failures_logged(),
        config_dir({"configuration.yaml": "homeassistant: {time_zone: UTC}\n", **files}) as root,
    ):
        errors, warnings = asyncio.run(_exercise(root))
    for issue in [*errors, *warnings]:
        assert isinstance(issue, ConfigIssue) and issue.message
    return errors, warnings
