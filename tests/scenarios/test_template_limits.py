"""Hostile templates fail with a template error, never a crash or a hang: sizes checked
before a value is made, steps counted, the house going on; big but legal templates
render as Home Assistant 2024.3 renders them."""

from __future__ import annotations

import asyncio
import logging
import string
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeloom.house import House
from homeloom.orchestrator import Runtime, ServiceCall, TestClock
from homeloom.orchestrator import template_limits as limits
from homeloom.scenarios import TemplateError, get_template_engine

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
BIG = 10**9  # far past every limit: made for real, each would take gigabytes
DAG = (
    "{% set ns = namespace(v=[1]) %}{% for i in range(64) %}{% set ns.v = [ns.v, ns.v] %}"
    "{% endfor %}"
)


def _engine() -> object:
    return get_template_engine(Runtime(clock=TestClock(START)))


def _render(source: str) -> object:
    runtime = Runtime(clock=TestClock(START))
    return get_template_engine(runtime).template(source).render({})


# Each would eat gigabytes or hang the house: (template, what the error says).
HOSTILE = [
    ("{{ ('x' * 10**10) | length }}", "10,000,000,000 characters or items"),
    ("{{ (10**9 * 'x') | length }}", "1,000,000,000 characters"),
    ("{{ ([0] * 10**9) | length }}", "1,000,000,000 characters or items"),
    ("{{ ('%s' * 10**8) | length }}", "200,000,000"),
    ("{{ (10 ** 100000000) % 7 }}", "332,192,810 bits"),
    (
        "{% set ns = namespace(v=3) %}{% for i in range(64) %}{% set ns.v = ns.v * ns.v %}"
        "{% endfor %}{{ ns.v % 7 }}",
        "bits",
    ),
    (
        "{% set ns = namespace(v='x') %}{% for i in range(64) %}{% set ns.v = ns.v ~ ns.v %}"
        "{% endfor %}{{ ns.v | length }}",
        "joined text would hold 33,554,432",
    ),
    (
        "{% set ns = namespace(v=[0]) %}{% for i in range(64) %}{% set ns.v = ns.v + ns.v %}"
        "{% endfor %}{{ ns.v | length }}",
        "33,554,432",
    ),
    (DAG + "{{ ns.v }}", "text written"),
    (DAG + "{{ ns.v | to_json | length }}", "text written"),
    (DAG + "{{ ns.v | tojson | length }}", "text written"),
    (DAG + "{{ ns.v | string | length }}", "text written"),
    (DAG + "{{ ns.v | pprint | length }}", "text written"),
    (DAG + "{{ ('' ~ ns.v) | length }}", "joined text"),
    (DAG + "{{ [ns.v] | join | length }}", "joined text"),
    (DAG + "{{ ns }}", "text written"),  # a namespace is written with its values
    (DAG + "{{ (ns ~ '') | length }}", "joined text"),
    ("{{ 'x' | center(10**9) | length }}", "1,000,000,000"),
    ("{{ 'x' | center(1000000000) | length }}", "1,000,000,000"),  # folded when compiled
    ("{{ 'x'.center(10**9) | length }}", "1,000,000,000"),
    ("{{ 'x'.ljust(1000000000) | length }}", "1,000,000,000"),
    ("{{ 'x'.rjust(1000000000) | length }}", "1,000,000,000"),
    ("{{ '1'.zfill(1000000000) | length }}", "1,000,000,000"),
    ("{{ ('\t' * 100000).expandtabs(100000) | length }}", "10,000,100,000"),
    ("{{ ('x' * 100000).replace('x', 'y' * 100000) | length }}", "10,000,000,000"),
    ("{{ ('x' * 100000).join(['a'] * 100000) | length }}", "10,000,000,000"),
    ("{{ ('a' * 100000).translate({97: 'b' * 100000}) | length }}", "10,000,000,000"),
    ("{{ (1).to_bytes(1000000000, 'big') | length }}", "bytes would hold"),
    ("{{ '%1000000000s' | format('x') | length }}", "formatted text"),
    ("{{ ('%1000000000d' % 1) | length }}", "formatted text"),
    ("{{ ('%.1000000000f' % 1.5) | length }}", "formatted text"),
    ("{{ ('%*d' % (1000000000, 1)) | length }}", "formatted text"),
    ("{{ '{:>1000000000}'.format('x') | length }}", "formatted text"),
    ("{{ '{:>{}}'.format('x', 1000000000) | length }}", "formatted text"),
    ("{{ '{w:>1000000000}'.format_map({'w': 1}) | length }}", "formatted text"),
    ("{{ ('a\n' * 100000) | indent(100000) | length }}", "10,000,200,000"),
    ("{{ ('a\n' * 100000) | indent('x' * 100000) | length }}", "10,000,200,000"),
    ("{{ ('a ' * 100000) | wordwrap(1, wrapstring='x' * 100000) | length }}", "result"),
    ("{{ (['x' * 100000] * 1000) | join | length }}", "joined text"),
    ("{{ (['x'] * 100000) | join('y' * 100000) | length }}", "joined text"),
    ("{{ ('x' * 100000) | replace('x', 'y' * 100000) | length }}", "10,000,000,000"),
    ("{{ ('x' * 100000) | regex_replace('', 'y' * 100000) | length }}", "result"),
    ("{{ ('x' * 100000) | regex_replace('(x)', '\\\\1' * 1000) | length }}", "result"),
    ("{{ [1] | batch(1000000000, 0) | list | length }}", "batch"),
    ("{{ [1] | slice(1000000000) | list | length }}", "slices"),
    ("{{ lipsum(1000000000) | length }}", "lorem ipsum"),
    ("{{ ([['x' * 1000] * 1000] * 1000) | to_json | length }}", "text written"),
    ("{{ ([[0] * 10000] * 10000) | sum(start=[]) | length }}", "100,000,000"),
    ("{{ pack(1, '1000000000xB') | length }}", "packed bytes"),
    ("{{ range(10**9) | list | length }}", "range longer than 100000"),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x",
        "2,000,000 steps",
    ),
    ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "template output"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "RecursionError"),
    ("{% for x in [1, 2] recursive %}{{ loop([1, 2]) }}{% endfor %}", "RecursionError"),
    (
        "{% set ns = namespace(v=[]) %}{% for i in range(100000) %}{% set ns.v = [ns.v] %}"
        "{% endfor %}{{ ns.v }}",
        "RecursionError",
    ),
]


@pytest.mark.parametrize(("source", "said"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_each_hostile_template_fails_with_a_template_error(source: str, said: str) -> None:
    with pytest.raises(TemplateError) as failed:
        _render(source)
    message = str(failed.value)
    assert said in message
    assert "too large" in message
    assert f"(template: {source!r}"[:50] in message  # the error names the template


def test_a_step_budget_stops_calls_that_never_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two calls a level, 2**40 in all: no loop, only macro calls, each counted.
    monkeypatch.setattr(limits, "MAX_STEPS", 20_000)
    source = (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}x"
    )
    with pytest.raises(TemplateError, match="more than 20,000 steps"):
        _render(source)


def test_the_step_budget_is_per_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_STEPS", 20_000)
    template = get_template_engine(Runtime(clock=TestClock(START))).template(
        "{% for i in range(15000) %}{% endfor %}done"
    )
    assert [template.render({}) for _ in range(3)] == ["done"] * 3


def test_the_memory_a_render_grows_by_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many values each under the size limit, kept together: the process's growth counts.
    monkeypatch.setattr(limits, "MAX_RENDER_MEMORY", 64 * 1024 * 1024)
    monkeypatch.setattr(limits, "_MEMORY_CHECK_EVERY", 1024 * 1024)
    source = (
        "{% set ns = namespace(kept=[]) %}{% for i in range(100000) %}"
        "{% set ns.kept = ns.kept + [('x' * 100000) ~ i] %}{% endfor %}{{ ns.kept | length }}"
    )
    with pytest.raises(TemplateError, match="more than 64 MiB of memory"):
        _render(source)


# A pattern that backtracks exponentially in any backtracking engine, and a text it
# never matches: without a bound, each would hold the house for longer than a lifetime.
BACKTRACKING = [
    "{{ ('a' * 5000 ~ '!') | regex_match('(a|aa)+$') }}",
    "{{ ('a' * 5000 ~ '!') is match('(a|aa)+$') }}",
    "{{ ('a' * 5000 ~ '!') | regex_search('^(a|aa)+$') }}",
    "{{ ('a' * 5000 ~ '!') is search('^(a|aa)+$') }}",
    "{{ ('a' * 5000 ~ '!') | regex_replace('^(a|aa)+$', 'x') }}",
    "{{ ('a' * 5000 ~ '!') | regex_findall('^(a|aa)+$') }}",
    "{{ ('a' * 5000 ~ '!') | regex_findall_index('^(a|aa)+$') }}",
]


@pytest.mark.parametrize("source", BACKTRACKING)
def test_a_regular_expression_that_backtracks_for_ever_is_stopped(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backstop is the render's 10 seconds of processor time; a twentieth of a
    # second keeps the test short.
    monkeypatch.setattr(limits, "MAX_RENDER_SECONDS", 0.05)
    with pytest.raises(TemplateError, match=r"regular expression ran for more than 0\.05 seconds"):
        _render(source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 'aaab' | regex_match('(a|aa)+b') }}", True),
        ("{{ 'Kitchen' | regex_match('kit', ignorecase=True) }}", True),
        ("{{ 'light.hall' is search('hall$') }}", True),
        (r"{{ 'a1b22' | regex_replace('([0-9]+)', '<\\1>') }}", "a<1>b<22>"),
        ("{{ 'a1b22' | regex_findall('[0-9]') }}", ["1", "2", "2"]),
        ("{{ 'x=1,y=2' | regex_findall_index('([a-z])=([0-9])', 1) }}", ("y", "2")),
    ],
)
def test_regular_expressions_read_as_home_assistant_reads_them(
    source: str, expected: object
) -> None:
    assert _render(source) == expected


def test_a_regular_expression_that_does_not_compile_names_the_error() -> None:
    with pytest.raises(TemplateError, match="error: missing \\)"):
        _render("{{ 'a' | regex_match('(a') }}")


def test_python_internals_stay_out_of_reach() -> None:
    for source in (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__['os'] }}",
        "{{ '{0.__class__.__mro__}'.format('') }}",
        "{{ '{0.__class__}'.format_map(['x']) }}",
    ):
        try:
            rendered = _render(source)
        except TemplateError as err:
            assert "unsafe" in str(err) or "format_map" in str(err)
        else:  # an attribute refused reads as undefined: nothing printed
            assert rendered == ""
    for source in ("{{ states.__class__ }}", "{{ self._TemplateReference__context }}"):
        assert _render(source) == ""


# Big but legal: each renders as in Home Assistant 2024.3 (values from its oracle).
LEGAL = [
    ("{{ range(100000) | list | length }}", 100000),
    ("{{ ('x' * 100000) | length }}", 100000),
    ("{{ ([0] * 100000) | length }}", 100000),
    ("{{ (2 ** 10000) % 1000007 }}", 770575),
    ("{{ (2 ** 3000) % 1000 }}", 376),
    ("{{ 1.0001 ** 5000 }}", 1.648680055931085),
    ("{{ 2 ** -2 }}", 0.25),
    ("{{ 10 ** 10**8 }}", 10**80),  # jinja's ** reads left to right: (10**10)**8
    (
        "{% set ns = namespace(n=0) %}{% for i in range(300) %}{% for j in range(300) %}"
        "{% set ns.n = ns.n + 1 %}{% endfor %}{% endfor %}{{ ns.n }}",
        90000,
    ),
    ("{{ 'x' | center(1000) | length }}", 1000),
    ("{{ '%100s' | format('x') | length }}", 100),
    ("{{ '{:>100}'.format('x') | length }}", 100),
    ("{{ range(10000) | join(',') | length }}", 48889),
    (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% else %}done{% endif %}{% endmacro %}"
        "{{ f(50) }}",
        "done",
    ),
    ("{{ range(10000) | list | to_json | length }}", 48891),
    ("{{ 'hello world' | regex_replace('o', '0') }}", "hell0 w0rld"),
    ("{{ 'a-b-c' | regex_replace('(\\\\w)', '<\\\\1>') }}", "<a>-<b>-<c>"),
    ("{{ ('word ' * 1000) | wordwrap(40) | length }}", 4999),
    ("{{ ('a\n' * 1000) | indent(4) | length }}", 5996),
    ("{{ int('9' * 4000) % 7 }}", 3),
    ("{{ '%05.1f' % 3.14159 }}", "003.1"),
    ("{{ (12345678901234567890 * 98765432109876543210) % 1000 }}", 900),
    ("{{ pack(1, '>I') | length }}", 4),
    ("{{ [1, 2] ~ 'a' ~ 3 ~ {'k': 1} }}", "[1, 2]a3{'k': 1}"),
    ("{{ '{} and {:>4}'.format('a', 'b') }}", "a and    b"),
    ("{{ '{x}'.format_map({'x': 5}) }}", 5),
]


@pytest.mark.parametrize(("source", "expected"), LEGAL, ids=[str(i) for i in range(len(LEGAL))])
def test_big_but_legal_templates_render_as_in_home_assistant(source: str, expected: object) -> None:
    assert _render(source) == expected


# --- any size, checked against Python: made when it fits, a template error when not ----

_SIZES = st.one_of(st.integers(0, 3000), st.integers(10**6, 10**12))
_TEXTS = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=20)

# A template building a value of a size chosen by hypothesis, and Python's length of it.
_BUILDS = {
    "'{t}' * {n}": lambda t, n: len(t) * n,
    "[0, 1] * {n}": lambda t, n: 2 * n,
    "'{t}' | center({n})": lambda t, n: max(len(t), n),
    "'{t}'.ljust({n})": lambda t, n: max(len(t), n),
    "'%{n}s' % '{t}'": lambda t, n: max(len(t), n),
    "'{{:>{n}}}'.format('{t}')": lambda t, n: max(len(t), n),
    # One line: not indented, but jinja makes the indentation all the same.
    "('{t}' * 100) | indent({n})": lambda t, n: len(t) * 100 if n <= limits.MAX_LENGTH else n,
    "(['{t}'] * 3) | join('-' * {n})": lambda t, n: 3 * len(t) + 2 * n,
    "'{t}'.replace('{c}', 'y' * {n})": None,
    "('{t}' * 3) | regex_replace('', '-' * {n})": lambda t, n: 3 * len(t) + (3 * len(t) + 1) * n,
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(build=st.sampled_from(sorted(_BUILDS)), size=_SIZES, text=_TEXTS)
def test_a_value_is_made_when_it_fits_and_refused_before_when_not(
    build: str, size: int, text: str
) -> None:
    source = "{{ (" + build.format(t=text, n=size, c=text[0]) + ") | length }}"
    length = _BUILDS[build]
    expected = (
        len(text) + text.count(text[0]) * (size - 1) if length is None else length(text, size)
    )
    if expected <= limits.MAX_LENGTH:
        assert _render(source) == expected
    else:
        with pytest.raises(TemplateError, match="too large"):
            _render(source)


@settings(max_examples=60, deadline=None)
@given(base=st.integers(-50, 50), exponent=st.integers(0, 400_000))
def test_a_power_is_computed_when_it_fits_and_refused_before_when_not(
    base: int, exponent: int
) -> None:
    source = f"{{{{ (({base}) ** {exponent}) % 1000003 }}}}"
    if abs(base) <= 1 or exponent * abs(base).bit_length() <= limits.MAX_INT_BITS // 2:
        assert _render(source) == (base**exponent) % 1000003
    elif (abs(base).bit_length() - 1) * exponent > limits.MAX_INT_BITS:  # bits at least
        with pytest.raises(TemplateError, match="bits"):
            _render(source)


# --- in the house: the run fails, says where, and the house goes on -------------------

HOUSE = """\
automation:
  - id: hostile_data
    alias: Hostile data
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: test.record
        data:
          what: "{{ 'x' * 10**10 }}"
  - id: hostile_condition
    alias: Hostile condition
    triggers: [{trigger: event, event_type: go}]
    conditions:
      - "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}true"
    actions:
      - action: test.record
        data: {what: condition passed}
  - id: hostile_variables
    alias: Hostile variables
    triggers: [{trigger: event, event_type: go}]
    variables:
      big: "{{ 'x' | center(10**9) }}"
    actions:
      - action: test.record
        data: {what: variables made}
  - id: calm
    alias: Calm
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: test.record
        data: {what: calm}
"""


async def _house(tmp_path: Path) -> AsyncIterator[tuple[House, list[str]]]:
    (tmp_path / "configuration.yaml").write_text(HOUSE, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    said: list[str] = []

    def record(call: ServiceCall) -> None:
        said.append(str(call.data.get("what")))

    def services(runtime: Runtime) -> None:
        runtime.services.register("test", "record", record)

    report = await house.setup(before_scenarios=services)
    assert report.errors == []
    await house.start()
    try:
        yield house, said
    finally:
        await house.stop()


def _trace(house: House, automation_id: str) -> dict[str, object]:
    automation = house.automations.find(automation_id)
    assert automation is not None
    traces = list(automation.traces)
    assert len(traces) == 1
    return traces[0].as_dict()


@pytest.mark.allow_error_logs  # the failing runs log their errors, as they should
async def test_hostile_templates_fail_their_run_and_the_house_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async for house, said in _house(tmp_path):
        house.runtime.bus.fire("go", {})
        await asyncio.wait_for(house.runtime.idle(), 30)
        assert said == ["calm"]

        data = _trace(house, "hostile_data")
        steps = data["steps"]
        assert isinstance(steps, dict)
        assert "10,000,000,000 characters" in steps["action/0"][0]["error"]
        assert "data template" in str(data["error"])

        condition = _trace(house, "hostile_condition")
        assert condition["script_execution"] == "failed_conditions"
        checked = condition["steps"]
        assert isinstance(checked, dict)
        assert "2,000,000 steps" in checked["condition/0"][0]["result"]["error"]

        variables = _trace(house, "hostile_variables")
        assert "1,000,000,000 characters" in str(variables["error"])
        assert _trace(house, "calm")["script_execution"] == "finished"

        logged = [record.getMessage() for record in caplog.records]
        assert any("Hostile data" in m and "data template" in m for m in logged)
        assert any("hostile_condition" in m and "condition/0" in m for m in logged)
        assert any("Hostile variables" in m and "variables" in m for m in logged)

        # And again: the same templates fail the same way, the calm one still runs.
        house.runtime.bus.fire("go", {})
        await asyncio.wait_for(house.runtime.idle(), 30)
        assert said == ["calm", "calm"]
