"""Hostile input on the newer surfaces: macro libraries, blueprints, device automations
and automation items of odd shapes get clear errors naming where, never a crash or a
hang, and what is fine beside them still loads."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from homeloom.cli import main
from homeloom.orchestrator import ConfigIssue, EntityEntry, Registries, Runtime, TestClock
from homeloom.scenarios import (
    AutomationConfigError,
    ScenarioConfigError,
    TemplateError,
    get_template_engine,
    parse_automation,
    setup_template_library,
)
from homeloom.scenarios import _device_automation_tables as tables
from homeloom.scenarios import _device_automations as device
from homeloom.scenarios._automation import Automation
from homeloom.scenarios._automations import AutomationManager
from homeloom.scenarios._blueprints import BlueprintError, use_blueprint
from tests.scenarios.fuzz_house import config_dir, junk, mostly, scalars

# Derandomized: CI runs the same examples each time, and a failure reproduces.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
RUNTIME = Runtime(clock=TestClock())


def _assert_issues(issues: list[ConfigIssue]) -> None:
    assert issues and all(isinstance(issue, ConfigIssue) and issue.message for issue in issues)


# --- macro libraries (custom_templates/*.jinja) ------------------------------------------

LIBRARY_NAMES = ["a.jinja", "b.jinja", "sub/c.jinja", "é ñ.jinja", "..jinja", "x.jinja.jinja"]
library_pieces = st.sampled_from(
    [
        *(f"{{% import '{name}' as t %}}" for name in LIBRARY_NAMES),
        *(f"{{% from '{name}' import m %}}" for name in LIBRARY_NAMES),
        *(f"{{% include '{name}' %}}" for name in LIBRARY_NAMES),
        "{% extends 'a.jinja' %}",
        "{% include '../a.jinja' %}",
        "{% include 'missing.jinja' %}",
        "{% import 'a.jinja' as t with context %}",
        "{% macro m(x=1) %}",
        "{% endmacro %}",
        "{{ m(1) }}",
        "{{ t.m(2) }}",
        "{{ m(m) }}",
        "{% call m() %}",
        "{% endcall %}",
        "{{ caller() }}",
        "{% if x %}",
        "{% endif %}",
        "{% for i in range(3) %}",
        "{% endfor %}",
        "{% raw %}",
        "{{",
        "}}",
        "{%",
        "x",
        "\n",
        "{{ states('sensor.t') }}",
        "\udcff",  # an undecodable byte, written as is
    ]
)
libraries = st.dictionaries(
    st.sampled_from(LIBRARY_NAMES), st.lists(library_pieces, max_size=8).map("".join), max_size=4
)


@FUZZ
@given(libraries, st.sampled_from(LIBRARY_NAMES))
# Found by this test: a file nested past Python's recursion limit made the setup raise
# RecursionError (jinja's parser recurses once per block).
@example({"a.jinja": "{% if 1 %}" * 2000 + "{% endif %}" * 2000}, "a.jinja")
@example(
    {"a.jinja": "{% import 'b.jinja' as t %}", "b.jinja": "{% include 'a.jinja' %}"}, "a.jinja"
)
@example({"a.jinja": "{% macro m(x=1) %}{{ m(1) }}{% endmacro %}"}, "a.jinja")
def test_hostile_macro_libraries_error_cleanly_and_end(files: dict[str, str], name: str) -> None:
    written = {f"custom_templates/{file}": text for file, text in files.items()}
    with config_dir(written) as root:
        runtime = Runtime(clock=TestClock(), config_dir=root)
        errors, warnings = setup_template_library(runtime)
        for issue in [*errors, *warnings]:  # each names the file it is about
            assert (
                issue.file is not None and (root / "custom_templates") in Path(issue.file).parents
            )
        engine = get_template_engine(runtime)
        for source in (
            f"{{% include '{name}' %}}",
            f"{{% import '{name}' as t %}}{{{{ t.m(1) }}}}",
            f"{{% from '{name}' import m %}}{{{{ m() }}}}",
        ):
            with contextlib.suppress(TemplateError):
                engine.template(source).render({})


# --- blueprints ---------------------------------------------------------------------------

INPUT_MARK = "INPUTREF__"  # a text written as ``!input NAME`` once dumped
input_names = st.sampled_from(["a", "b", "sec", "", "missing"])
input_refs = input_names.map(lambda name: INPUT_MARK + name)
input_specs = st.one_of(
    st.none(),
    scalars,
    st.fixed_dictionaries(
        {},
        optional={
            "default": st.one_of(junk, input_refs),
            "selector": junk,
            "description": junk,
            "name": junk,
            "bogus": junk,
        },
    ),
    st.fixed_dictionaries({"input": st.dictionaries(input_names, st.none(), max_size=2)}),
)
blueprint_blocks = st.fixed_dictionaries(
    {
        "name": mostly(st.just("Fuzz"), junk),
        "domain": mostly(st.just("automation"), st.sampled_from(["script", 5, None])),
    },
    optional={
        "input": st.one_of(st.dictionaries(input_names, input_specs, max_size=3), junk),
        "source_url": st.one_of(st.just("https://example.org/x.yaml"), junk),
        "homeassistant": st.one_of(st.just({"min_version": "2024.3.0"}), junk),
        "author": junk,
    },
)
body_values: Any = st.recursive(
    st.one_of(scalars, input_refs, st.just("sensor.t")),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["platform", "entity_id", "to", "service", "delay"]), input_refs
            ),
            children,
            max_size=3,
        ),
    ),
    max_leaves=10,
)
blueprint_bodies = st.fixed_dictionaries(
    {"blueprint": blueprint_blocks},
    optional={"triggers": body_values, "actions": body_values, "conditions": body_values},
)
blueprint_paths = st.sampled_from(
    [
        "fuzz.yaml",
        "good.yaml",
        "../fuzz.yaml",
        "../../configuration.yaml",
        "sub/../fuzz.yaml",
        "/etc/fuzz.yaml",
        "missing.yaml",
        "fuzz",
        "loop.yaml",
        "a\x00.yaml",
        "x" * 300 + ".yaml",
        "",
    ]
)
GOOD_BLUEPRINT = """\
blueprint:
  name: Good
  domain: automation
  input:
    target: {default: sensor.t}
triggers: [{platform: state, entity_id: !input target}]
actions: [{delay: 1}]
"""


def _blueprint_text(body: dict[str, Any]) -> str:
    text = yaml.safe_dump(body, allow_unicode=True)
    return re.sub(rf"'?{INPUT_MARK}(\w*)'?", r"!input \1", text)


@contextlib.contextmanager
def _blueprints(fuzzed: str) -> Iterator[Path]:
    """A configuration directory with blueprints ``fuzz.yaml`` (``fuzzed``), ``good.yaml``
    and ``loop.yaml`` (a symlink to itself)."""
    files = {
        "blueprints/automation/fuzz.yaml": fuzzed,
        "blueprints/automation/good.yaml": GOOD_BLUEPRINT,
    }
    with config_dir(files) as root:
        (root / "blueprints/automation/loop.yaml").symlink_to("loop.yaml")
        yield root


def _use(path: Any, inputs: Any) -> dict[str, Any]:
    return {"use_blueprint": {"path": path, "input": inputs}}


@FUZZ
@given(
    st.one_of(blueprint_bodies.map(_blueprint_text), st.text(max_size=60)),
    st.one_of(blueprint_paths, junk),
    st.one_of(st.dictionaries(input_names, junk, max_size=3), junk),
)
# Found by this test: a path with a null byte raised ValueError, one too long for the
# file system OSError, and a symlink loop RuntimeError, out of the automation's loading.
@example("", "a\x00.yaml", None)
@example("", "x" * 300 + ".yaml", None)
@example("", "loop.yaml", None)
def test_hostile_blueprints_are_refused_clearly_and_others_load(
    text: str, path: Any, inputs: Any
) -> None:
    with _blueprints(text) as root:
        try:
            use_blueprint(root, "automation", _use(path, inputs))
        except BlueprintError as err:
            _assert_issues(err.issues)
        try:
            spec = parse_automation({"id": "fuzz", **_use(path, inputs)}, config_dir=root)
            Automation(RUNTIME, spec, "automation.fuzz")
        except (AutomationConfigError, ScenarioConfigError) as err:
            _assert_issues(err.issues)
        manager = AutomationManager(Runtime(clock=TestClock()), root)
        report = manager.load({"automation": [_use(path, inputs), _use("good.yaml", {})]})
        assert report.loaded + report.failed == 2 and report.loaded >= 1


# --- device automations -------------------------------------------------------------------

SPECIAL_DEVICE_TYPES = {
    ("cover", kind)
    for kind in (
        "position",
        "tilt_position",
        "is_position",
        "is_tilt_position",
        "set_position",
        "set_tilt_position",
    )
} | {
    ("climate", "hvac_mode_changed"),
    ("climate", "set_hvac_mode"),
    ("climate", "set_preset_mode"),
    ("select", "current_option_changed"),
    ("select", "select_next"),
    ("select", "select_option"),
    ("button", "pressed"),
    ("device_tracker", "enters"),
    ("device_tracker", "leaves"),
    ("device_tracker", "is_not_home"),
    ("sensor", "is_battery_level"),
    ("number", "set_value"),
    ("humidifier", "set_humidity"),
    ("humidifier", "set_mode"),
    ("light", "flash"),
    ("light", "brightness_increase"),
    ("mqtt", "action"),
}
# Every (domain, type) the tables know, so most examples get past the type's lookup.
DEVICE_TYPES = sorted(
    {
        (domain, kind)
        for table in (
            tables.STATE_TRIGGERS,
            tables.NUMERIC_TRIGGERS,
            tables.STATE_CONDITIONS,
            tables.SERVICE_ACTIONS,
        )
        for domain, kinds in table.items()
        for kind in kinds
    }
    | set(tables.VALUE_CONDITIONS)
    | SPECIAL_DEVICE_TYPES
)
numbers = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.sampled_from(["5", "x", "", "1e999"]),
    junk,
)
device_keys = st.fixed_dictionaries(
    {
        "entity_id": mostly(
            st.sampled_from(["light.a", " Light.A ", "0e1a" * 8, "f" * 32, "bad", ""]), junk
        )
    },
    optional={
        "device_id": junk,
        **dict.fromkeys(
            ("above", "below", "position", "value", "humidity", "brightness_pct"), numbers
        ),
        **dict.fromkeys(
            ("to", "from", "zone", "hvac_mode", "option", "preset_mode", "mode", "code"),
            st.one_of(st.sampled_from(["heat", "off", "zone.home"]), junk),
        ),
        "cycle": st.one_of(st.sampled_from(["yes", "off", "maybe"]), junk),
        "flash": st.one_of(st.sampled_from(["short", "long"]), junk),
        "for": junk,
    },
)
device_configs = st.tuples(
    mostly(st.sampled_from(DEVICE_TYPES), st.tuples(junk, junk)), device_keys
).map(lambda drawn: {"domain": drawn[0][0], "type": drawn[0][1], **drawn[1]})


def _registries() -> Registries:
    registries = Registries()
    registries.add_entity(EntityEntry("light.a", registry_id="0e1a" * 8, platform="hue"))
    return registries


@FUZZ
@given(device_configs, st.booleans())
# Found by this test: a limit past a float's range, or an infinite one made whole,
# raised OverflowError rather than a config error.
@example({"domain": "cover", "type": "position", "entity_id": "cover.a", "above": 10**400}, False)
@example({"domain": "cover", "type": "position", "entity_id": "cover.a", "above": 1e999}, False)
@example(
    {"domain": "cover", "type": "set_position", "entity_id": "cover.a", "position": 1e999}, False
)
def test_device_automations_fail_only_with_config_errors_naming_the_key(
    config: dict[str, Any], with_registries: bool
) -> None:
    registries = _registries() if with_registries else None
    for build in (
        lambda: device.device_trigger(config, registries),
        lambda: device.device_condition(config, "condition", registries),
        lambda: device.device_action(config, "action", registries),
    ):
        try:
            build()
        except ScenarioConfigError as err:
            _assert_issues(err.issues)
            assert all(issue.key for issue in err.issues)
    # The same, written in an automation: a trigger, a condition and an action.
    item = {
        "id": "fuzz",
        "triggers": [{**config, "platform": "device", "device_id": "d1"}],
        "conditions": [{**config, "condition": "device", "device_id": "d1"}],
        "actions": [{**config, "device_id": "d1"}],
    }
    try:
        Automation(RUNTIME, parse_automation(item, config_dir=None), "automation.fuzz")
    except (AutomationConfigError, ScenarioConfigError) as err:
        _assert_issues(err.issues)


# --- automation items of odd shapes -------------------------------------------------------

odd_values = st.one_of(junk, st.sampled_from(["", "a", "b", "Lamp"]))
WORKING = {"triggers": [{"platform": "state", "entity_id": "sensor.t"}], "actions": [{"delay": 1}]}
automation_items = st.one_of(
    junk,
    st.fixed_dictionaries(
        {},
        optional={
            "id": odd_values,
            "alias": odd_values,
            "description": odd_values,
            "triggers": st.one_of(st.just(WORKING["triggers"]), junk),
            "actions": st.one_of(st.just(WORKING["actions"]), junk),
            "conditions": junk,
            "mode": st.one_of(st.sampled_from(["single", "queued"]), junk),
            "variables": junk,
        },
    ),
    st.fixed_dictionaries({"id": odd_values, "alias": odd_values}).map(
        lambda names: {**WORKING, **names}
    ),
)


def _load_items(items: list[Any]) -> None:
    report = AutomationManager(Runtime(clock=TestClock())).load({"automation": items})
    assert report.loaded + report.failed == len(items)
    # An unexpected exception is caught and logged as "could not be loaded"; a clear
    # config error says what is wrong instead.
    assert not any(issue.message.startswith("could not be loaded") for issue in report.errors)


@FUZZ
@given(st.lists(automation_items, max_size=6))
@example([{**WORKING, "id": 5}, {**WORKING, "id": "5"}, {**WORKING, "alias": ["x"]}, None, []])
# Found by this test: variables that are no mapping raised TypeError, past the config error.
@example([{**WORKING, "variables": 5}, {**WORKING, "trigger_variables": ["x"]}])
def test_every_odd_automation_item_loads_or_is_reported(items: list[Any]) -> None:
    _load_items(items)


@pytest.mark.allow_error_logs  # check logs each configuration error it reports
@settings(FUZZ, max_examples=15)
@given(st.lists(automation_items, max_size=4))
def test_check_json_counts_every_automation_item(items: list[Any]) -> None:
    files = {
        "configuration.yaml": "homeassistant:\n  time_zone: UTC\nautomation: !include a.yaml\n",
        "a.yaml": yaml.safe_dump(items, allow_unicode=True),
    }
    with config_dir(files) as root, contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--config", str(root), "--json"])
    report = json.loads(out.getvalue())
    scenarios = report["scenarios"]
    assert scenarios["loaded"] + scenarios["failed"] == len(items)
    assert not any(error["message"].startswith("could not be loaded") for error in report["errors"])
    assert code == (0 if report["ok"] else 1)
