"""Hostile YAML items of the domains beyond automations: alerts, utility meters, notify
groups; sensor groups and every computed sensor (min/max, threshold, derivative,
integration, statistics, history stats, filter, times of the day, trend, Bayesian);
template controls (switches, locks, covers, lights, fans, alarm panels, vacuums,
numbers, selects, buttons, weathers, images); generic thermostats and hygrostats,
manual alarm panels, command line entities, the mqtt block, universal media players
and legacy device trackers. Whatever they hold, the house reports errors, never
crashes or hangs, and runs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from tests.adapters.test_mqtt_yaml import mqtt_blocks
from tests.scenarios.fuzz_house import (
    FUZZ,
    actions,
    entity_ids,
    exercise_house,
    junk,
    mostly,
    templates,
)

numbers = st.one_of(
    st.integers(-5, 100),
    st.floats(),
    st.sampled_from(["5", "x", "1e999", None, 10**400]),
)
booleans = st.one_of(st.booleans(), st.sampled_from(["yes", "off", "maybe"]))
names = st.sampled_from(["Alpha", "", "Zoë", "x" * 300])
durations = st.one_of(numbers, st.sampled_from(["00:05:00", "-1", {"minutes": 5}, "x"]))


def _without(item: dict[str, Any], key: str | None) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name != key}


def _seldom(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """``usual`` seven times in eight: an item of several keys is then often valid."""
    return st.sampled_from([*[usual] * 7, odd]).flatmap(lambda chosen: chosen)


def _item(
    needed: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """An item with the ``needed`` keys, one left out at times, some of the ``optional``
    ones and at times a stray one; their values mostly fitting."""
    present = st.fixed_dictionaries(
        {key: _seldom(value, junk) for key, value in needed.items()},
        optional={key: _seldom(value, junk) for key, value in optional.items()},
    )
    stray = _seldom(st.just({}), st.fixed_dictionaries({"stray": junk}))
    left_out = _seldom(st.none(), st.sampled_from([*needed, None]))
    return st.builds(
        lambda item, more, key: {**_without(item, key), **more}, present, stray, left_out
    )


def _platform(
    platform: str,
    needed: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]],
) -> Any:
    return _item(needed, optional).map(lambda item: {"platform": platform, **item})


# --- what the domains read ------------------------------------------------------------------

alerts = st.dictionaries(
    st.sampled_from(["garage", "freezer", "Bad Id"]),
    _item(
        {
            "name": names,
            "entity_id": entity_ids,
            "repeat": st.one_of(numbers, st.lists(numbers, max_size=3)),
        },
        {
            "state": st.sampled_from(["on", "off", "5"]),
            "can_acknowledge": booleans,
            "skip_first": booleans,
            "message": templates,
            "done_message": templates,
            "title": templates,
            "notifiers": st.lists(st.sampled_from(["family", "phone", "", "a.b"]), max_size=2),
            "data": junk,
        },
    ),
    max_size=2,
)
utility_meters = st.dictionaries(
    st.sampled_from(["energy", "water", "Bad Id"]),
    _item(
        {"source": entity_ids},
        {
            "name": names,
            "cycle": st.sampled_from(["daily", "hourly", "quarter-hourly", "x", "monthly"]),
            "cron": st.sampled_from(["0 * * * *", "x", "* * * * * * *"]),
            "offset": durations,
            "tariffs": st.lists(st.sampled_from(["day", "night", "", "Day"]), max_size=3),
            "net_consumption": booleans,
            "delta_values": booleans,
            "periodically_resetting": booleans,
            "always_available": booleans,
            "unique_id": names,
        },
    ),
    max_size=2,
)
notify_members = _item(
    {"service": st.sampled_from(["phone", "family", "", "x.y", "Bad"])}, {"data": junk}
)
notify_groups = st.lists(
    _platform("group", {"services": st.lists(notify_members, max_size=3)}, {"name": names}),
    max_size=2,
)
filter_steps = _item(
    {
        "filter": st.sampled_from(
            [
                "range",
                "outlier",
                "lowpass",
                "throttle",
                "time_throttle",
                "time_simple_moving_average",
                "x",
            ]
        )
    },
    {
        "window_size": durations,
        "precision": numbers,
        "radius": numbers,
        "time_constant": numbers,
        "lower_bound": numbers,
        "upper_bound": numbers,
    },
)
sensors = st.lists(
    st.one_of(
        _platform(
            "group",
            {
                "type": st.sampled_from(["mean", "min", "max", "sum", "std_dev", "last", "x"]),
                "entities": st.lists(entity_ids, max_size=3),
            },
            {
                "name": names,
                "ignore_non_numeric": booleans,
                "unit_of_measurement": st.sampled_from(["kWh", "°C", ""]),
                "device_class": st.sampled_from(["energy", "temperature", "x"]),
                "state_class": st.sampled_from(["total", "measurement", "x"]),
                "unique_id": names,
            },
        ),
        _platform(
            "min_max",
            {"entity_ids": st.one_of(st.lists(entity_ids, max_size=3), entity_ids)},
            {
                "name": names,
                "type": st.sampled_from(["mean", "min", "max", "median", "range", "x"]),
                "round_digits": numbers,
                "unique_id": names,
            },
        ),
        _platform(
            "derivative",
            {"source": entity_ids},
            {
                "name": names,
                "round": numbers,
                "unit_prefix": st.sampled_from(["k", "M", "x", None]),
                "unit_time": st.sampled_from(["s", "min", "h", "x"]),
                "unit": st.sampled_from(["W", ""]),
                "time_window": durations,
            },
        ),
        _platform(
            "integration",
            {"source": entity_ids},
            {
                "name": names,
                "round": numbers,
                "method": st.sampled_from(["trapezoidal", "left", "right", "x"]),
                "unit_prefix": st.sampled_from(["k", "T", "m", None]),
                "unit_time": st.sampled_from(["s", "d", "x"]),
                "unique_id": names,
            },
        ),
        _platform(
            "filter",
            {"entity_id": entity_ids, "filters": st.lists(filter_steps, max_size=3)},
            {"name": names, "unique_id": names},
        ),
        _platform(
            "time_date",
            {},
            {"display_options": st.lists(st.sampled_from(["time", "date", "beat", "x", 1]))},
        ),
        _platform(
            "statistics",
            {
                "entity_id": entity_ids,
                "state_characteristic": st.sampled_from(
                    ["mean", "count_on", "percentile", "datetime_oldest", "variance", "x"]
                ),
            },
            {
                "name": names,
                "sampling_size": numbers,
                "max_age": durations,
                "keep_last_sample": booleans,
                "precision": numbers,
                "percentile": numbers,
            },
        ),
        _platform(
            "history_stats",
            {"entity_id": entity_ids, "state": st.sampled_from(["on", ["on", "heat"], None])},
            {
                "name": names,
                "type": st.sampled_from(["time", "ratio", "count", "x"]),
                "start": templates,
                "end": st.sampled_from(["{{ now() }}", "{{ 0 }}", "x", 12]),
                "duration": durations,
                "unique_id": names,
            },
        ),
    ),
    max_size=3,
)
times_of_day = st.sampled_from(["20:00", "06:30:00", "25:00", 1230, "sunset", "Sunrise", "x"])
trend_sensors = st.dictionaries(
    st.sampled_from(["rising", "Bad Id"]),
    _item(
        {"entity_id": entity_ids},
        {
            "attribute": st.sampled_from(["temperature", ""]),
            "invert": booleans,
            "max_samples": numbers,
            "min_samples": numbers,
            "min_gradient": numbers,
            "sample_duration": numbers,
            "device_class": st.sampled_from(["heat", "x"]),
        },
    ),
    max_size=2,
)
bayesian_observations = _item(
    {
        "platform": st.sampled_from(["state", "numeric_state", "template", "x"]),
        "prob_given_true": numbers,
    },
    {
        "entity_id": entity_ids,
        "to_state": st.sampled_from(["on", "home"]),
        "above": numbers,
        "below": numbers,
        "value_template": templates,
        "prob_given_false": numbers,
    },
)
# Thresholds, and the other binary sensors of pure logic: times of the day and trends.
thresholds = st.lists(
    st.one_of(
        _platform(
            "threshold",
            {"entity_id": entity_ids},
            {
                "name": names,
                "lower": numbers,
                "upper": numbers,
                "hysteresis": numbers,
                "device_class": st.sampled_from(["heat", "cold", "x"]),
            },
        ),
        _platform(
            "tod",
            {"name": names, "after": times_of_day, "before": times_of_day},
            {"after_offset": durations, "before_offset": durations},
        ),
        _platform("trend", {"sensors": trend_sensors}, {}),
        _platform(
            "bayesian",
            {"prior": numbers, "observations": st.lists(bayesian_observations, max_size=3)},
            {"name": names, "probability_threshold": numbers, "device_class": names},
        ),
    ),
    max_size=2,
)
# Manual alarm panels, with their per-state times.
alarm_times = _item(
    {}, {"arming_time": durations, "delay_time": durations, "trigger_time": durations}
)
alarm_panels = st.lists(
    _platform(
        "manual",
        {},
        {
            "name": names,
            "code": st.sampled_from(["1234", "abc", "", 12]),
            "code_template": templates,
            "code_arm_required": booleans,
            "disarm_after_trigger": booleans,
            "arming_time": durations,
            "delay_time": durations,
            "trigger_time": durations,
            "armed_away": alarm_times,
            "disarmed": alarm_times,
            "triggered": _item({}, {}),
        },
    ),
    max_size=2,
)
heaters = st.sampled_from(["input_boolean.flag", "switch.x", "bad"])
thermostats = st.lists(
    _platform(
        "generic_thermostat",
        {"heater": heaters, "target_sensor": entity_ids},
        {
            "name": names,
            "target_temp": numbers,
            "min_temp": numbers,
            "ac_mode": booleans,
            "cold_tolerance": numbers,
            "min_cycle_duration": durations,
            "keep_alive": durations,
            "initial_hvac_mode": st.sampled_from(["heat", "cool", "auto"]),
            "precision": st.sampled_from([0.1, 1, "0.5", 2]),
            "away_temp": numbers,
        },
    ),
    max_size=2,
)
hygrostats = st.lists(
    _item(
        {"humidifier": heaters, "target_sensor": entity_ids},
        {
            "target_humidity": numbers,
            "device_class": st.sampled_from(["humidifier", "dehumidifier", "x"]),
            "initial_state": booleans,
            "away_humidity": numbers,
            "away_fixed": booleans,
            "sensor_stale_duration": durations,
            "keep_alive": durations,
        },
    ),
    max_size=2,
)
# Each legacy template control: its plural, the keys it needs, the templates and the
# actions it may have; the modern ones are ``template:`` items' lists.
LEGACY = {
    "switch": ("switches", ["turn_on", "turn_off"], ["value_template"], []),
    "cover": (
        "covers",
        [],
        ["value_template", "position_template", "tilt_template"],
        ["open_cover", "close_cover", "stop_cover", "set_cover_position"],
    ),
    "light": (
        "lights",
        ["turn_on", "turn_off"],
        [
            "value_template",
            "level_template",
            "temperature_template",
            "rgb_template",
            "rgbww_template",
            "effect_list_template",
            "effect_template",
        ],
        ["set_level", "set_temperature", "set_rgb", "set_rgbww", "set_effect"],
    ),
    "fan": (
        "fans",
        ["turn_on", "turn_off"],
        ["value_template", "percentage_template", "preset_mode_template"],
        ["set_percentage", "set_preset_mode"],
    ),
    "alarm_control_panel": ("panels", [], ["value_template"], ["arm_away", "disarm", "trigger"]),
    "vacuum": (
        "vacuums",
        ["start"],
        ["value_template", "battery_level_template", "fan_speed_template"],
        ["pause", "stop", "set_fan_speed"],
    ),
}
control_keys: dict[str, st.SearchStrategy[Any]] = {
    "friendly_name": names,
    "availability_template": templates,
    "optimistic": booleans,
    "speed_count": numbers,
    "preset_modes": st.lists(st.sampled_from(["auto", "eco"]), max_size=2),
    "device_class": st.sampled_from(["garage", "blind", "x"]),
    "code_format": st.sampled_from(["number", "no_code", "x"]),
    "fan_speeds": st.lists(st.sampled_from(["low", "high"]), max_size=2),
}


def _legacy(domain: str) -> st.SearchStrategy[dict[str, Any]]:
    plural, needed, template_keys, action_keys = LEGACY[domain]
    optional = {
        **dict.fromkeys(template_keys, templates),
        **dict.fromkeys(action_keys, actions),
        **control_keys,
    }
    controls = st.dictionaries(
        st.sampled_from(["one", "two", "Bad Id"]),
        _item(dict.fromkeys(needed, actions), optional),
        max_size=2,
    )
    return st.fixed_dictionaries({"platform": st.just("template"), plural: controls})


locks = _platform(
    "template",
    {"value_template": templates, "lock": actions, "unlock": actions},
    {"name": names, "optimistic": booleans},
)
numbers_controls = _item(
    {"state": templates, "set_value": actions, "step": numbers},
    {"name": names, "min": numbers, "max": numbers, "optimistic": booleans},
)
selects = _item(
    {
        "state": templates,
        "options": st.one_of(templates, st.just("{{ ['a', 'b'] }}")),
        "select_option": actions,
    },
    {"name": names, "optimistic": booleans},
)
buttons = _item({}, {"name": names, "press": actions})
weathers = _item(
    {
        "condition_template": templates,
        "temperature_template": templates,
        "humidity_template": templates,
    },
    {
        "name": names,
        "forecast_daily_template": templates,
        "wind_bearing_template": templates,
        "temperature_unit": st.sampled_from(["°F", "K", "C"]),
    },
)
images = _item({"url": templates}, {"name": names, "verify_ssl": booleans})
# Temperatures in another unit than the house's are shown converted: odd numbers too.
temperature_sensors = _item(
    {"state": st.one_of(templates, st.sampled_from(["{{ 70.25 }}", "nan", "-1e400", "0.00"]))},
    {
        "unit_of_measurement": st.sampled_from(["°F", "°C", "K", ""]),
        "device_class": st.sampled_from(["temperature", "x"]),
    },
)
modern_controls = st.fixed_dictionaries(
    {},
    optional={
        # With a trigger, its numbers, selects, weathers and images are trigger-based.
        "trigger": st.just({"platform": "event", "event_type": "go"}),
        "button": st.lists(buttons, max_size=2),
        "number": st.lists(numbers_controls, max_size=2),
        "select": st.lists(selects, max_size=2),
        "weather": st.lists(weathers, max_size=1),
        "image": st.lists(images, max_size=1),
        "sensor": st.lists(temperature_sensors, max_size=2),
    },
)
# Harmless command lines only: these run for real.
commands = st.sampled_from(["true", "false", "echo x", "echo '{\"a\": 1}'", "echo {{ 1 + 1 }}"])
command_line_options: dict[str, st.SearchStrategy[Any]] = {
    "name": names,
    "command_timeout": numbers,
    # Long or refused: each poll runs a process, and the house runs for an hour.
    "scan_interval": st.sampled_from(["01:00:00", 1800, 0, "-1", "x", {"hours": 2}]),
    "value_template": templates,
    "availability": templates,
    "icon": templates,
}


def _command_line(kind: str, needed: str, more: str) -> st.SearchStrategy[dict[str, Any]]:
    """A ``command_line:`` item of ``kind``: its ``needed`` key, the common options and
    the kind's own ``more`` one."""
    value = names if needed == "name" else commands
    extra = junk if more == "json_attributes" else commands if more.startswith("command") else names
    optional = {key: option for key, option in command_line_options.items() if key != needed}
    item = _item({needed: value}, {**optional, more: extra})
    return st.fixed_dictionaries({kind: item})


# RESTful sensors ask a closed loopback port (no network): never ready, asked again.
rest_entity_options: dict[str, st.SearchStrategy[Any]] = {
    "name": st.one_of(names, templates),
    "value_template": templates,
    "availability": templates,
    "json_attributes": st.one_of(names, st.lists(names, max_size=2)),
    "json_attributes_path": st.sampled_from(["$.a", "$..b[0]", "nonsense"]),
    "force_update": booleans,
    "unit_of_measurement": st.sampled_from(["W", ""]),
}
rest_resource: dict[str, st.SearchStrategy[Any]] = {
    "method": st.sampled_from(["GET", "POST", "get"]),
    "headers": st.one_of(st.just({"X": "{{ 1 }}"}), junk),
    "params": st.one_of(st.just({"p": "{{ x.y }}"}), junk),
    "timeout": numbers,
    "authentication": st.sampled_from(["basic", "digest", "x"]),
    "username": names,
    "password": names,
    "scan_interval": durations,
}
rest_urls = st.sampled_from(["http://127.0.0.1:9/x", "ftp://x", "{{ 'http://127.0.0.1:9' }}"])
rest_blocks = st.lists(
    _item(
        {"resource": rest_urls},
        {
            **rest_resource,
            "sensor": st.lists(_item({}, rest_entity_options), max_size=2),
            "binary_sensor": st.lists(_item({}, rest_entity_options), max_size=2),
        },
    ),
    max_size=2,
)
command_lines = st.lists(
    st.one_of(
        _command_line("sensor", "command", "json_attributes"),
        _command_line("binary_sensor", "command", "payload_on"),
        _command_line("switch", "name", "command_state"),
        _command_line("cover", "name", "command_open"),
        st.fixed_dictionaries({"notify": _item({"command": commands}, {"name": names})}),
    ),
    max_size=2,
)
universal_players = st.lists(
    _platform(
        "universal",
        {"name": names},
        {
            # A player named Alpha is its own child: its calls must not come back to it.
            "children": st.lists(st.sampled_from(["media_player.alpha", "media_player.x"])),
            "state_template": templates,
            "active_child_template": st.sampled_from(["{{ 'media_player.alpha' }}", "{{ x }}"]),
            "attributes": mostly(
                st.dictionaries(
                    st.sampled_from(["state", "volume_level", "is_volume_muted", "source_list"]),
                    st.one_of(entity_ids, entity_ids.map(lambda e: f"{e}|volume_level")),
                    max_size=2,
                ),
                junk,
            ),
            "commands": mostly(
                st.dictionaries(st.sampled_from(["turn_on", "volume_set", "toggle"]), actions),
                junk,
            ),
            "device_class": st.sampled_from(["tv", "radio"]),
        },
    ),
    max_size=2,
)
# Legacy trackers: the block's first item gives consider_home and track_new_devices.
tracker_blocks = st.lists(
    _item({"platform": st.sampled_from(["nmap_tracker", "x"])}, {"consider_home": durations}),
    max_size=1,
)
# ``homeassistant: customize:`` (and by domain, by glob) laid over what the items make.
_customized = st.dictionaries(
    st.sampled_from(["friendly_name", "icon", "hidden", "assumed_state", "device_class"]),
    st.one_of(booleans, numbers, st.text(max_size=6)),
    max_size=3,
)
core_customize = st.fixed_dictionaries(
    {"time_zone": st.just("Europe/Paris")},
    optional={
        "customize": mostly(st.dictionaries(entity_ids, mostly(_customized, junk)), junk),
        "customize_domain": st.dictionaries(st.sampled_from(["sensor", "light", "x"]), _customized),
        "customize_glob": st.dictionaries(st.sampled_from(["*", "[", "s*.?"]), _customized),
    },
)
configurations = st.fixed_dictionaries(
    {},
    optional={
        "homeassistant": mostly(core_customize, junk),
        "alert": mostly(alerts, junk),
        "utility_meter": mostly(utility_meters, junk),
        "notify": mostly(notify_groups, junk),
        "sensor": mostly(sensors, junk),
        "binary_sensor": mostly(thresholds, junk),
        "climate": mostly(thermostats, junk),
        "generic_hygrostat": mostly(hygrostats, junk),
        "alarm_control_panel": mostly(
            st.one_of(alarm_panels, st.lists(_legacy("alarm_control_panel"), max_size=1)), junk
        ),
        "vacuum": mostly(st.lists(_legacy("vacuum"), max_size=1), junk),
        "switch": mostly(st.lists(_legacy("switch"), max_size=1), junk),
        "cover": mostly(st.lists(_legacy("cover"), max_size=1), junk),
        "light": mostly(st.lists(_legacy("light"), max_size=1), junk),
        "fan": mostly(st.lists(_legacy("fan"), max_size=1), junk),
        "lock": mostly(st.lists(locks, max_size=2), junk),
        "template": mostly(st.lists(modern_controls, max_size=2), junk),
        "weather": mostly(st.lists(weathers.map(lambda w: {"platform": "template", **w})), junk),
        "mqtt": mostly(mqtt_blocks, junk),  # read here; built in tests/adapters/test_mqtt_yaml
        "command_line": mostly(command_lines, junk),
        "rest": mostly(rest_blocks, junk),
        "python_script": mostly(st.sampled_from([None, {}]), junk),
        "media_player": mostly(universal_players, junk),
        "device_tracker": mostly(tracker_blocks, junk),
    },
)
HELPERS = {
    "homeassistant": {"time_zone": "Europe/Paris"},
    "input_boolean": {"flag": {}},
    # Reads every entity the fuzzed items make, so their states are rendered.
    "automation": [
        {
            "id": "watch",
            "triggers": [{"trigger": "state", "entity_id": "sensor.a"}],
            "actions": [{"action": "notify.notify", "data": {"message": "{{ states | count }}"}}],
        }
    ],
}


@pytest.mark.allow_error_logs  # the house logs each configuration error it reports
@FUZZ
@given(configurations)
# Found by this test: a unit (or a utility meter's cycle) that was a list raised
# TypeError, and a whole number past a float's range, as a threshold's limit or an
# alert's repeat, OverflowError; a derivative's round far below zero kept the house
# busy for hours (Python works out 10 to that power to round a whole number).
@example({"sensor": [{"platform": "derivative", "source": "sensor.a", "unit_prefix": []}]})
@example({"sensor": [{"platform": "derivative", "source": "sensor.a", "round": -(10**7)}]})
@example({"utility_meter": {"energy": {"source": "sensor.a", "cycle": ["daily"]}}})
@example({"binary_sensor": [{"platform": "threshold", "entity_id": "sensor.a", "lower": 10**400}]})
@example({"alert": {"garage": {"name": "Garage", "entity_id": "sensor.a", "repeat": 10**400}}})
def test_hostile_domain_items_are_reported_and_the_house_runs(config: dict[str, Any]) -> None:
    text = yaml.safe_dump({**HELPERS, **config}, allow_unicode=True)
    exercise_house({"configuration.yaml": text})
