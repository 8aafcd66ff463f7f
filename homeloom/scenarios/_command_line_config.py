"""``command_line:`` items read as Home Assistant 2024.3's schema reads them.

Each item of the list holds one key, the kind of what it makes (``sensor``,
``binary_sensor``, ``switch``, ``cover`` or ``notify``), and that kind's options.
Unknown keys are refused; texts, numbers and durations are coerced as its
validators coerce them; ``value_template``, ``icon`` and ``availability`` are
templates, checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeloom.orchestrator import Runtime

from ._durations import DurationError, parse_duration
from ._platform_options import OptionError, refuse_unknown_keys, text_option
from ._sensor_groups import _STATE_CLASSES
from ._sensor_units import SENSOR_DEVICE_CLASSES
from ._templates import Template, TemplateError, get_template_engine
from ._threshold import _DEVICE_CLASSES as BINARY_DEVICE_CLASSES

__all__ = ["KINDS", "CommandOptions", "read_command_options"]

DEFAULT_TIMEOUT_S = 15
# Each kind's poll interval when none is given (its entity domain's own).
_SCAN_INTERVALS_S = {"sensor": 60, "binary_sensor": 60, "switch": 30, "cover": 15}
_DEFAULT_NAMES = {"sensor": "Command Sensor", "binary_sensor": "Binary Command Sensor"}
_COMMON = ("name", "unique_id", "command_timeout", "scan_interval", "availability")
_KEYS: dict[str, tuple[str, ...]] = {
    "sensor": (
        *_COMMON,
        "command",
        "icon",
        "value_template",
        "json_attributes",
        "unit_of_measurement",
        "device_class",
        "state_class",
    ),
    "binary_sensor": (
        *_COMMON,
        "command",
        "icon",
        "value_template",
        "payload_on",
        "payload_off",
        "device_class",
    ),
    "switch": (*_COMMON, "command_on", "command_off", "command_state", "value_template", "icon"),
    "cover": (
        *_COMMON,
        "command_open",
        "command_close",
        "command_stop",
        "command_state",
        "value_template",
    ),
    "notify": ("command", "name", "command_timeout"),
}
KINDS = tuple(_KEYS)


@dataclass(slots=True)
class CommandOptions:
    """One item's options, defaults filled in and templates compiled."""

    kind: str
    name: str | None
    timeout_s: int
    scan_interval_s: float
    # The kind's commands by key (``command``, ``command_on``...); absent ones left out.
    commands: dict[str, str]
    value_template: Template | None = None
    icon: Template | None = None
    availability: Template | None = None
    unique_id: str | None = None
    json_attributes: list[str] | None = None
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    payload_on: str = "ON"
    payload_off: str = "OFF"


def read_command_options(runtime: Runtime, kind: str, item: Any) -> CommandOptions:
    """``item``'s options as a ``kind``; OptionError names the key Home Assistant refuses."""
    if not isinstance(item, Mapping):
        raise OptionError(None, f"a command line {kind} is a mapping of its options")
    refuse_unknown_keys(item, _KEYS[kind], base=frozenset())
    commands = _commands(kind, item)
    name = text_option(item, "name") or _DEFAULT_NAMES.get(kind)
    if name is None and kind in ("switch", "cover"):
        raise OptionError("name", "'name' missing: a command line switch or cover needs one")
    options = CommandOptions(
        kind=kind,
        name=name,
        timeout_s=_positive_whole(item, "command_timeout"),
        scan_interval_s=_interval(item, _SCAN_INTERVALS_S.get(kind, 60)),
        commands=commands,
        unique_id=text_option(item, "unique_id"),
        unit=text_option(item, "unit_of_measurement"),
    )
    for key in ("value_template", "icon", "availability"):
        setattr(options, key, _template(runtime, item, key))
    for key, default in (("payload_on", "ON"), ("payload_off", "OFF")):
        payload = text_option(item, key)
        setattr(options, key, default if payload is None else payload)
    if "json_attributes" in item:
        options.json_attributes = _csv_list(item, "json_attributes")
    options.device_class = _choice(item, "device_class", _device_classes(kind))
    options.state_class = _choice(item, "state_class", _STATE_CLASSES)
    return options


def _commands(kind: str, item: Mapping[str, Any]) -> dict[str, str]:
    """The kind's command lines; a switch's or cover's moves default to ``true``."""
    if kind in ("sensor", "binary_sensor", "notify"):
        if "command" not in item:
            raise OptionError("command", "'command' missing: the command line to run")
        moves: tuple[str, ...] = ("command",)
    else:
        moves = ("command_on", "command_off") if kind == "switch" else ("command_open",)
        moves += ("command_close", "command_stop") if kind == "cover" else ()
    commands = {key: "true" for key in moves}
    for key in (*moves, "command_state"):
        text = text_option(item, key)
        if text is not None:
            commands[key] = text
    return commands


# A command may run a year at most: longer would not fit the event loop's clock.
_LONGEST_TIMEOUT_S = 365 * 24 * 3600


def _positive_whole(item: Mapping[str, Any], key: str) -> int:
    value = item.get(key, DEFAULT_TIMEOUT_S)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise OptionError(key, f"{key} must be a whole number of seconds, got {value!r}")
    if number > _LONGEST_TIMEOUT_S:  # Home Assistant takes it, then fails at each run
        raise OptionError(key, f"{key} must be at most {_LONGEST_TIMEOUT_S} seconds, got {value!r}")
    return number


def _interval(item: Mapping[str, Any], default_s: float) -> float:
    if "scan_interval" not in item:
        return default_s
    try:
        seconds = parse_duration(item["scan_interval"]).total_seconds()
    except DurationError as err:
        raise OptionError("scan_interval", f"scan_interval: {err}") from None
    if seconds <= 0:
        raise OptionError("scan_interval", "scan_interval must be longer than zero")
    return seconds


def _template(runtime: Runtime, item: Mapping[str, Any], key: str) -> Template | None:
    source = text_option(item, key)
    if source is None:
        return None
    template = get_template_engine(runtime).template(source)
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise OptionError(key, f"{key}: {err}") from None
    return template


def _csv_list(item: Mapping[str, Any], key: str) -> list[str]:
    """A list, or a text of names separated by commas (``cv.ensure_list_csv``)."""
    value = item[key]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list):
        return [str(part) for part in value]
    raise OptionError(key, f"{key} must be a list of attribute names, got {value!r}")


def _device_classes(kind: str) -> frozenset[str]:
    if kind == "sensor":
        return SENSOR_DEVICE_CLASSES
    return BINARY_DEVICE_CLASSES if kind == "binary_sensor" else frozenset()


def _choice(item: Mapping[str, Any], key: str, valid: frozenset[str]) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if str(value).lower() not in valid:
        raise OptionError(key, f"unknown {key} {value!r}; valid: {', '.join(sorted(valid))}")
    return str(value).lower()
