"""The options of a ``platform: manual`` alarm panel (``alarm_control_panel:`` items), read
as Home Assistant 2024.3's schema reads them.

``name`` (``HA Alarm``), ``code`` or ``code_template`` (not both), ``code_arm_required``
(true), ``delay_time`` (60 s), ``arming_time`` (60 s), ``trigger_time`` (120 s),
``disarm_after_trigger`` (false), and a block per state overriding the times for it:
``delay_time`` and ``trigger_time`` for ``disarmed`` and each armed state, ``arming_time``
for each armed state only, nothing for ``triggered``. Each time is a duration that is not
negative. Any other key (``unique_id`` too, which 2024.3 does not take) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ._durations import DurationError, parse_duration
from ._platform_options import OptionError, boolean_option, refuse_unknown_keys, text_option
from ._templates import Template, TemplateError, get_template_engine

__all__ = [
    "ARMED_STATES",
    "DISARMED",
    "PRETRIGGER_STATES",
    "TRIGGERED",
    "AlarmOptions",
    "read_alarm_options",
]

DISARMED = "disarmed"
TRIGGERED = "triggered"
ARMED_STATES = (
    "armed_away",
    "armed_home",
    "armed_night",
    "armed_vacation",
    "armed_custom_bypass",
)
# The states a trigger may start from: each has its own delay and trigger time.
PRETRIGGER_STATES = (DISARMED, *ARMED_STATES)
DEFAULT_NAME = "HA Alarm"
_DEFAULT_TIMES = {
    "delay_time": timedelta(seconds=60),
    "arming_time": timedelta(seconds=60),
    "trigger_time": timedelta(seconds=120),
}
_OWN_KEYS = (
    "name",
    "code",
    "code_template",
    "code_arm_required",
    "disarm_after_trigger",
    *_DEFAULT_TIMES,
    *PRETRIGGER_STATES,
    TRIGGERED,
)


@dataclass(frozen=True, slots=True)
class AlarmOptions:
    name: str
    # A fixed code (None: no code), or a template rendered at each check.
    code: str | Template | None
    code_arm_required: bool
    disarm_after_trigger: bool
    delay_time: dict[str, timedelta]  # by the state a trigger starts from
    trigger_time: dict[str, timedelta]  # likewise
    arming_time: dict[str, timedelta]  # by armed state


def read_alarm_options(runtime: Any, item: Mapping[str, Any]) -> AlarmOptions:
    """The options of one item; an OptionError names the key Home Assistant refuses."""
    refuse_unknown_keys(item, _OWN_KEYS, base=frozenset({"platform"}))
    if "code" in item and "code_template" in item:
        raise OptionError("code_template", "give either code or code_template, not both")
    defaults = {key: _time(item, key, default) for key, default in _DEFAULT_TIMES.items()}
    per_state = {state: _state_block(item, state, defaults) for state in PRETRIGGER_STATES}
    _state_block(item, TRIGGERED, defaults)  # only an empty block is valid
    return AlarmOptions(
        name=text_option(item, "name") or DEFAULT_NAME,
        code=_code(runtime, item),
        code_arm_required=boolean_option(item, "code_arm_required", True),
        disarm_after_trigger=boolean_option(item, "disarm_after_trigger", False),
        delay_time={state: times["delay_time"] for state, times in per_state.items()},
        trigger_time={state: times["trigger_time"] for state, times in per_state.items()},
        arming_time={state: per_state[state]["arming_time"] for state in ARMED_STATES},
    )


def _state_block(
    item: Mapping[str, Any], state: str, defaults: Mapping[str, timedelta]
) -> dict[str, timedelta]:
    """The times of ``state``: its block's, else the item's."""
    allowed = _state_keys(state)
    block = item.get(state)
    if block is None:
        block = {}
    if not isinstance(block, Mapping):
        raise OptionError(state, f"{state} must be a mapping of {', '.join(allowed) or 'nothing'}")
    for key in block:
        if key not in allowed:
            valid = f"valid: {', '.join(allowed)}" if allowed else "it takes no key"
            raise OptionError(state, f"{state}: unknown key {key!r}; {valid}")
    where = f"{state}.{{}}"
    return {key: _time(block, key, defaults[key], shown=where.format(key)) for key in allowed}


def _state_keys(state: str) -> tuple[str, ...]:
    if state == TRIGGERED:
        return ()
    if state == DISARMED:
        return ("delay_time", "trigger_time")
    return ("arming_time", "delay_time", "trigger_time")


def _time(
    item: Mapping[str, Any], key: str, default: timedelta, *, shown: str | None = None
) -> timedelta:
    if key not in item:
        return default
    name = shown or key
    try:
        duration = parse_duration(item[key])
    except DurationError as err:
        raise OptionError(name.partition(".")[0], f"{name}: {err}") from None
    if duration < timedelta(0):
        raise OptionError(name.partition(".")[0], f"{name} must not be negative, got {item[key]!r}")
    return duration


def _code(runtime: Any, item: Mapping[str, Any]) -> str | Template | None:
    if "code_template" in item:
        source = text_option(item, "code_template") or ""
        template = get_template_engine(runtime).template(source)
        try:
            template.ensure_valid()
        except TemplateError as err:
            raise OptionError("code_template", str(err)) from None
        return template
    return text_option(item, "code") or None  # an empty code is none, as in Home Assistant
