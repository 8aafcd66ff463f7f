"""Hostile input: malformed YAML and templates get clear errors, never a crash or a hang."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from homeloom.orchestrator import ConfigIssue, Runtime, TestClock
from homeloom.scenarios import (
    AutomationConfigError,
    ScenarioConfigError,
    TemplateError,
    get_template_engine,
    load_config_text,
    parse_automation,
)
from homeloom.scenarios._automation import Automation
from homeloom.scenarios._durations import DurationError, parse_duration

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RUNTIME = Runtime(clock=TestClock())
ENGINE = get_template_engine(RUNTIME)
RUNTIME.states.set("sensor.t", "21")

yaml_text = st.text(
    alphabet=st.sampled_from(list("abc:- \n\t'\"{}[]!&*|>#%@`,?0123.")), max_size=200
)
template_pieces = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "states('sensor.t')",
        "| float",
        "| int(0)",
        "range(",
        "10**9",
        ")",
        "(",
        "'",
        "x",
        "for i in",
        "endfor",
        "if",
        "endif",
        "__class__",
        "~",
        "*",
        "9",
        ".",
        "[",
        "]",
        "now()",
        "namespace(a=1)",
        "|join",
        "set a = ",
    ]
)


@FUZZ
@given(yaml_text)
def test_malformed_yaml_gives_issues_with_positions(text: str) -> None:
    result = load_config_text(text, "fuzz.yaml")
    for issue in result.errors:
        assert isinstance(issue, ConfigIssue)
        assert issue.file is None or issue.file == "fuzz.yaml"


@FUZZ
@given(st.lists(template_pieces, max_size=12).map(" ".join))
def test_hostile_templates_error_cleanly(source: str) -> None:
    with contextlib.suppress(TemplateError):
        ENGINE.template(source).render({"trigger": {"id": "1"}})


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
fragments: Any = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "trigger",
                    "platform",
                    "entity_id",
                    "to",
                    "for",
                    "condition",
                    "action",
                    "service",
                    "delay",
                    "choose",
                    "repeat",
                    "sequence",
                    "if",
                    "then",
                    "mode",
                ]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@FUZZ
@given(
    st.fixed_dictionaries(
        {"id": st.just("fuzz"), "triggers": fragments, "actions": fragments},
        optional={"conditions": fragments, "mode": fragments},
    )
)
# Found by this test: a duration past timedelta's range raised OverflowError.
@example({"id": "fuzz", "triggers": [], "actions": {"delay": -86399999913601}})
def test_random_automations_are_accepted_or_refused_clearly(item: dict[str, Any]) -> None:
    try:
        spec = parse_automation(item, config_dir=None)
        Automation(RUNTIME, spec, "automation.fuzz")
    except (AutomationConfigError, ScenarioConfigError) as err:
        assert err.issues and all(issue.message for issue in err.issues)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ states.__class__.__init__.__globals__ }}",
        "{{ states('sensor.t').__class__.__base__ }}",
        "{{ (1).__class__.__subclasses__() }}",
        "{{ now.__self__ }}",
        "{{ request }}{{ config.items() }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
        "{{ 'a' * 100000000 }}",
        "{{ range(100000000) | list }}",
        "{{ 2 ** 100000 }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ version('1.0').__class__.__mro__ }}",
        "{{ version('1.0').major.__class__.__subclasses__() }}",
        "{{ version('1.0').mro() }}",
        "{{ pack(1, '>H').__class__.__base__.__subclasses__() }}",
        "{{ set([1]).__class__.__subclasses__() }}",
        "{{ set.__self__ }}{{ tuple.__globals__ }}",
        "{{ state_translated.__call__.__globals__ }}",
        "{{ as_timedelta('1:00:00').__class__.__subclasses__() }}",
    ],
)
def test_sandbox_escapes_are_refused(source: str) -> None:
    try:
        result = ENGINE.template(source).render({})
    except TemplateError:
        return
    text = str(result)
    assert "class" not in text and "module" not in text and "uid=" not in text


@pytest.mark.parametrize(
    "written",
    [
        -86399999913601,
        "-86399999913601",
        1e300,
        float("inf"),
        float("nan"),
        "99999999999999:00",
        {"days": 10**12},
        {"seconds": 1e20},
    ],
)
def test_a_duration_out_of_range_is_refused_clearly(written: Any) -> None:
    with pytest.raises(DurationError, match="out of range"):
        parse_duration(written)


@pytest.mark.parametrize(
    ("written", "seconds"), [("+00:30:00", 1800), ("-00:00:05", -5), ("+5", 5), ("+1:02", 3720)]
)
def test_a_duration_may_carry_its_sign(written: str, seconds: float) -> None:
    assert parse_duration(written).total_seconds() == seconds
