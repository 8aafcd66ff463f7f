"""The fan parts of platform groups (``fan:`` items with ``platform: group``), as Home
Assistant 2024.3 makes them.

* ``supported_features``: set speed, oscillate and direction, each when any member has
  it (never preset modes: ``preset_modes`` and ``preset_mode`` show None);
* ``percentage``: the integer part of the mean of the members that can set their speed
  (on or off), ``percentage_step`` theirs when all share one; ``oscillating`` and
  ``direction`` the most frequent among the members that support them;
* a service the group's features do not cover fails ("does not support this
  service"), ``set_preset_mode`` fails as no preset mode is valid; ``set_percentage``,
  ``oscillate`` and ``set_direction`` go to the members that support them, 0 percent
  turning every member off first; ``increase_speed``/``decrease_speed`` set the group's
  percentage one step (or ``percentage_step``) on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ServiceValidationError, State

__all__ = ["FanCall", "fan_attributes", "fan_calls", "fan_capabilities"]

# FanEntityFeature bits (template fans use them too).
_SET_SPEED, _OSCILLATE, _DIRECTION = 1, 2, 4
_PRESET_MODE = 8
# The features a service needs of the fan it targets (any one of them), as Home
# Assistant registers the fan services.
_NEEDS = {
    "set_percentage": (_SET_SPEED,),
    "increase_speed": (_SET_SPEED,),
    "decrease_speed": (_SET_SPEED,),
    "oscillate": (_OSCILLATE,),
    "set_direction": (_DIRECTION,),
    "set_preset_mode": (_SET_SPEED, _PRESET_MODE),
}
# The services passed on to the members with a feature: the field they carry, the feature.
_FORWARDS: dict[str, tuple[str, int]] = {
    "set_percentage": ("percentage", _SET_SPEED),
    "oscillate": ("oscillating", _OSCILLATE),
    "set_direction": ("direction", _DIRECTION),
}

# One call of the members: service, data, which members.
FanCall = tuple[str, dict[str, Any], list[str]]


def _features_of(state: State) -> int:
    return int(state.attributes.get("supported_features") or 0)


def _supporting(members: list[State], feature: int) -> list[State]:
    return [member for member in members if _features_of(member) & feature]


def fan_capabilities(members: list[State]) -> dict[str, Any]:
    """What the group shows even while unavailable."""
    features = 0
    for member in members:
        features |= _features_of(member) & (_SET_SPEED | _OSCILLATE | _DIRECTION)
    shown: dict[str, Any] = {"preset_modes": None} if features & _SET_SPEED else {}
    return shown | {"supported_features": features}


def fan_attributes(members: list[State]) -> dict[str, Any]:
    """The state attributes of an available group."""
    features = fan_capabilities(members)["supported_features"]
    shown: dict[str, Any] = {}
    if features & _DIRECTION:
        shown["direction"] = _most_frequent(_supporting(members, _DIRECTION), "direction")
    if features & _OSCILLATE:
        shown["oscillating"] = _most_frequent(_supporting(members, _OSCILLATE), "oscillating")
    if features & _SET_SPEED:
        speeds = _supporting(members, _SET_SPEED)
        percentages = [m.attributes["percentage"] for m in speeds if _has(m, "percentage")]
        shown["percentage"] = _mean(percentages)
        shown["percentage_step"] = 100 / _speed_count(speeds)
        shown["preset_mode"] = None
    return shown


def _mean(values: list[Any]) -> Any:
    """One value as it is, several as the integer part of their mean; None without any."""
    if len(values) <= 1:
        return values[0] if values else None
    return int(sum(values) / len(values))


def _has(member: State, key: str) -> bool:
    return member.attributes.get(key) is not None


def _most_frequent(members: list[State], key: str) -> Any:
    values = [m.attributes[key] for m in members if _has(m, key)]
    return max(set(values), key=values.count) if values else None


def _speed_count(speeds: list[State]) -> int:
    """The members' shared number of speeds (from their ``percentage_step``, the first
    one's showing one), else 100."""
    steps = {m.attributes["percentage_step"] for m in speeds if _has(m, "percentage_step")}
    first = speeds[0].attributes.get("percentage_step") if speeds else None
    if not first or len(steps) > 1:
        return 100
    return round(100 / first) or 100


def fan_calls(
    group: State, service: str, data: Mapping[str, Any], listed: list[str], members: list[State]
) -> list[FanCall]:
    """The calls the group makes of its members for ``service`` (none for a service it
    does not carry out): ``listed`` are its members' ids (missing ones too: as Home
    Assistant, the call warns of them), ``members`` the states of those that exist. A
    service the group's features do not allow fails."""
    entity_id = group.entity_id
    features = int(group.attributes.get("supported_features") or 0)
    needs = _NEEDS.get(service)
    if needs is not None and not any(features & need for need in needs):
        raise ServiceValidationError(
            "fan", service, "", f"Entity {entity_id} does not support this service."
        )
    if service == "toggle":
        service = "turn_off" if group.state == "on" else "turn_on"
    preset_mode = data.get("preset_mode")
    if service == "set_preset_mode" or (service == "turn_on" and preset_mode is not None):
        # The group has no preset modes, so none is valid.
        message = f"The preset_mode {preset_mode} is not a valid preset_mode: None"
        raise ServiceValidationError("fan", service, "preset_mode", message)
    if service == "turn_on" and data.get("percentage") is not None:
        service = "set_percentage"
    if service in ("increase_speed", "decrease_speed"):
        data = {"percentage": _stepped(service, group, data.get("percentage_step"))}
        service = "set_percentage"
    if service in _FORWARDS:
        field, feature = _FORWARDS[service]
        payload = {field: data.get(field)}
        supporting = _supporting(members, feature)
        calls: list[FanCall] = []
        if service == "set_percentage" and int(data["percentage"]) == 0:
            calls.append(("turn_off", {}, listed))  # as Home Assistant: off, then 0
        return [*calls, (service, payload, [m.entity_id for m in supporting])]
    if service in ("turn_on", "turn_off"):
        return [(service, {}, listed)]
    return []


def _stepped(service: str, group: State, step: Any) -> int:
    """The percentage ``increase_speed``/``decrease_speed`` lead the group to: by the
    step given, else by one of its speeds, within 0..100."""
    sign = 1 if service == "increase_speed" else -1
    current = int(group.attributes.get("percentage") or 0)
    if step is not None:
        return max(0, min(100, current + sign * int(step)))
    speeds = round(100 / float(group.attributes.get("percentage_step") or 1))
    # Home Assistant maps the percentage to a speed (rounding up), steps it and maps back.
    speed = -(-current * speeds // 100)
    return max(0, min(100, (speed + sign) * 100 // speeds))
