"""Filter sensors and Bayesian binary sensors: what Home Assistant 2024.3 refuses of
their configuration (reported at their file and line, with the key and what is valid),
and the edges of their arithmetic (_filter_sensor.py, _bayesian.py). What they compute
over time is checked by the cases in ``cases/corners_filter_bayesian.yaml``."""

from __future__ import annotations

from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios._bayesian import Observation, _observed, updated
from homeloom.scenarios._platform_groups import setup_platform_groups
from homeloom.scenarios._provided import unsupported_keys
from homeloom.scenarios._yaml import load_yaml_text

FILTER = "filter\n    entity_id: sensor.a\n    filters:\n      - filter: range\n"
BAYESIAN = (
    "bayesian\n    prior: 0.4\n    observations:\n"
    "      - {platform: state, entity_id: binary_sensor.door, to_state: 'on',"
    " prob_given_true: 0.8, prob_given_false: 0.3}\n"
)


def _setup(runtime: Runtime, domain: str, item: str) -> list[Any]:
    """The issues of ``item`` (the text after ``platform: ...``), the third line of a
    configuration.yaml whose first item is another platform's."""
    text = f"{domain}:\n  - platform: template\n  - platform: {item}"
    return setup_platform_groups(runtime, load_yaml_text(text, "configuration.yaml"))


def test_good_items_make_their_sensors(runtime: Runtime) -> None:
    runtime.states.set("binary_sensor.door", "on", {})
    assert _setup(runtime, "sensor", FILTER) == []
    assert _setup(runtime, "binary_sensor", BAYESIAN) == []
    unnamed = runtime.states.get("sensor.unnamed_device")
    assert unnamed is not None and unnamed.state == "unknown"
    assert "friendly_name" not in unnamed.attributes
    bayesian = runtime.states.get("binary_sensor.bayesian_binary_sensor")
    assert bayesian is not None and bayesian.state == "on"
    assert bayesian.attributes["probability"] == 0.64  # 0.32 / (0.32 + 0.18)
    assert bayesian.attributes["occurred_observation_entities"] == ["binary_sensor.door"]


@pytest.mark.parametrize(
    ("domain", "item", "line", "key", "words"),
    [
        ("sensor", "filter\n    entity_id: sensor.a\n", 3, "filters", "'filters' missing"),
        (
            "sensor",
            "filter\n    entity_id: light.a\n    filters: [{filter: range}]\n",
            4,
            "entity_id",
            "not a sensor, binary_sensor, input_number entity",
        ),
        (
            "sensor",
            "filter\n    entity_id: sensor.a\n    filters: [{filter: median}]\n",
            5,
            "filters",
            "unknown filter 'median'; valid: range, outlier, lowpass",
        ),
        (
            "sensor",
            "filter\n    entity_id: sensor.a\n    filters: [{filter: range, window_size: 3}]\n",
            5,
            "filters",
            "filters[0] (range): unknown key 'window_size'",
        ),
        (
            "sensor",
            "filter\n    entity_id: sensor.a\n    filters: [{filter: time_throttle}]\n",
            5,
            "filters",
            "'window_size' missing (a duration)",
        ),
        (
            "sensor",
            "filter\n    entity_id: sensor.a\n    filters:\n"
            "      - {filter: time_simple_moving_average, window_size: 0}\n",
            5,
            "filters",
            "window_size must be a positive duration",
        ),
        (
            "sensor",
            "filter\n    entity_id: sensor.a\n    filters: [{filter: lowpass, time_constant: 0}]\n",
            5,
            "filters",
            "time_constant must not be 0",
        ),
        ("binary_sensor", "bayesian\n    observations: []\n", 3, "prior", "'prior' missing"),
        (
            "binary_sensor",
            "bayesian\n    prior: 0.5\n    observations: [{platform: zone}]\n",
            5,
            "observations",
            "observations[0]: needs a platform of state, numeric_state, template",
        ),
        (
            "binary_sensor",
            "bayesian\n    prior: 0.5\n    observations:\n"
            "      - {platform: state, entity_id: sensor.a, prob_given_true: 0.5}\n",
            5,
            "observations",
            "observations[0] (state): 'to_state' missing",
        ),
        (
            "binary_sensor",
            "bayesian\n    prior: 0.5\n    observations:\n"
            "      - {platform: template, value_template: '{{ 1 +', prob_given_true: 0.5}\n",
            5,
            "observations",
            "observations[0] (template):",
        ),
        (
            "binary_sensor",
            "bayesian\n    prior: 0.5\n    observations: []\n    threshold: 0.4\n",
            6,
            "threshold",
            "unknown key 'threshold'; valid: device_class, name, observations",
        ),
    ],
)
def test_bad_items_are_reported_where_they_are(
    runtime: Runtime, domain: str, item: str, line: int, key: str, words: str
) -> None:
    (issue,) = _setup(runtime, domain, item)
    assert (issue.file, issue.line, issue.key) == ("configuration.yaml", line, f"{domain}[1].{key}")
    assert words in issue.message
    assert runtime.states.all() == []  # the item is skipped


def test_an_observation_without_prob_given_false_is_left_out(runtime: Runtime) -> None:
    item = BAYESIAN + (
        "      - {platform: numeric_state, entity_id: sensor.lux, below: 5, prob_given_true: 0.9}\n"
    )
    (issue,) = _setup(runtime, "binary_sensor", item)
    assert (issue.line, issue.key) == (7, "binary_sensor[1].observations[1]")
    assert "prob_given_false missing for Bayesian Binary Sensor/sensor.lux" in issue.message
    made = runtime.states.get("binary_sensor.bayesian_binary_sensor")
    assert made is not None and len(made.attributes["observations"]) == 1


def test_bayes_rule_as_home_assistant_writes_it() -> None:
    assert updated(0.5, 0.8, 0.2) == pytest.approx(0.8)
    assert updated(0.3, 1 - 0.9, 1 - 0.2) == pytest.approx(0.03 / (0.03 + 0.56))


def test_the_platforms_are_no_longer_warned_about() -> None:
    config = {"sensor": [{"platform": "filter"}], "binary_sensor": [{"platform": "bayesian"}]}
    assert unsupported_keys(config) == []


@pytest.mark.allow_error_logs
def test_probabilities_that_divide_by_zero_write_nothing(runtime: Runtime) -> None:
    runtime.states.set("binary_sensor.door", "off", {})
    item = BAYESIAN.replace("0.8", "1").replace("0.3", "1")  # off: 0 * p / (0 + 0)
    assert _setup(runtime, "binary_sensor", item) == []
    assert runtime.states.get("binary_sensor.bayesian_binary_sensor") is None


@pytest.mark.parametrize(
    ("value", "observed"),
    [("5", True), ("10", False), ("2", False), ("nan", True), ("unknown", None), ("x", None)],
)
def test_a_numeric_observation_reads_its_range_as_home_assistant(
    value: str, observed: bool | None
) -> None:
    # Home Assistant's numeric_state condition rejects only a value at or past a limit:
    # a NaN compares false both ways, so it is in the range.
    observation = Observation("numeric_state", 0.9, 0.1, "sensor.x", above=2, below=10)
    assert _observed(observation, value, None) is observed


async def test_a_template_reading_a_domain_sees_an_entity_appear(runtime: Runtime) -> None:
    item = (
        "bayesian\n    name: Someone up\n    prior: 0.2\n    observations:\n"
        "      - platform: template\n"
        "        value_template: \"{{ states.light | selectattr('state', 'eq', 'on')"
        ' | list | count > 0 }}"\n'
        "        prob_given_true: 0.9\n        prob_given_false: 0.1\n"
    )
    assert _setup(runtime, "binary_sensor", item) == []
    before = runtime.states.get("binary_sensor.someone_up")
    assert before is not None and before.state == "off"
    runtime.states.set("light.landing", "on", {})  # its first state: a new entity
    # As Home Assistant: a template reading a whole domain renders at most once a
    # second for entities it did not name; the change held back is rendered then.
    held = runtime.states.get("binary_sensor.someone_up")
    assert held is not None and held.state == "off"
    await runtime.advance(1)
    after = runtime.states.get("binary_sensor.someone_up")
    assert after is not None and after.state == "on"
    assert after.attributes["probability"] == 0.69  # 0.18 / (0.18 + 0.08)
