"""The cover parts of platform groups (``cover:`` items with ``platform: group``), as
Home Assistant 2024.3 makes them.

* ``supported_features``: a feature pair (open/close, stop, set position, open/close
  tilt, stop tilt, set tilt) is the group's when any member has a bit of it;
* ``current_position`` (``current_tilt_position``): the integer part of the mean of the
  members that can set their position (tilt) and report one;
* a service the group's features do not cover fails ("does not support this
  service"); the others go to the members whose features allow them;
* ``toggle`` stops a moving group that can stop, opens one with no member open, else
  goes the other way than the last motion the group showed (closes at first);
  ``toggle_cover_tilt`` opens the tilt when the group's is 0, else closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import State

__all__ = [
    "cover_attributes",
    "cover_features",
    "cover_needs",
    "cover_state",
    "features_of",
    "member_needs",
    "toggled",
]

# CoverEntityFeature bits.
_OPEN, _CLOSE, _SET_POSITION, _STOP = 1, 2, 4, 8
_OPEN_TILT, _CLOSE_TILT, _STOP_TILT, _SET_TILT = 16, 32, 64, 128
_OPEN_CLOSE, _OPEN_CLOSE_TILT = _OPEN | _CLOSE, _OPEN_TILT | _CLOSE_TILT
# The group has a whole pair when any member has a bit of it.
_PAIRS = (_OPEN_CLOSE, _STOP, _SET_POSITION, _OPEN_CLOSE_TILT, _STOP_TILT, _SET_TILT)
# The features each service needs of the cover it targets, as Home Assistant registers them.
_NEEDS = {
    "open_cover": _OPEN,
    "close_cover": _CLOSE,
    "stop_cover": _STOP,
    "set_cover_position": _SET_POSITION,
    "toggle": _OPEN_CLOSE,
    "open_cover_tilt": _OPEN_TILT,
    "close_cover_tilt": _CLOSE_TILT,
    "stop_cover_tilt": _STOP_TILT,
    "set_cover_tilt_position": _SET_TILT,
    "toggle_cover_tilt": _OPEN_CLOSE_TILT,
}
# The pair a member needs a bit of for the group to pass a service on to it.
_MEMBER_NEEDS = {
    "open_cover": _OPEN_CLOSE,
    "close_cover": _OPEN_CLOSE,
    "stop_cover": _STOP,
    "set_cover_position": _SET_POSITION,
    "open_cover_tilt": _OPEN_CLOSE_TILT,
    "close_cover_tilt": _OPEN_CLOSE_TILT,
    "stop_cover_tilt": _STOP_TILT,
    "set_cover_tilt_position": _SET_TILT,
}


def features_of(state: State) -> int:
    features = state.attributes.get("supported_features")
    return features if isinstance(features, int) else 0


def cover_features(members: list[State]) -> int:
    """The group's ``supported_features`` from its members' (existing ones, any state)."""
    combined = 0
    for member in members:
        combined |= features_of(member)
    return sum(pair for pair in _PAIRS if combined & pair)


def cover_needs(service: str) -> int | None:
    """The features ``service`` needs of the group, None for a service covers lack."""
    return _NEEDS.get(service)


def member_needs(service: str) -> int:
    """The features a member needs one of to be sent ``service``."""
    return _MEMBER_NEEDS[service]


def _is_closed(states: list[str], valid: bool) -> bool | None:
    """Home Assistant's ``is_closed`` of the group: no member open (None when invalid)."""
    return "open" not in states if valid else None


def cover_state(states: list[str], valid: bool) -> str:
    """Opening before closing before the rest; open when any member is."""
    for moving in ("opening", "closing"):
        if moving in states:
            return moving
    closed = _is_closed(states, valid)
    return "unknown" if closed is None else "closed" if closed else "open"


def _mean_of(members: list[State], feature: int, key: str) -> Any:
    values = [
        m.attributes[key]
        for m in members
        if features_of(m) & feature and m.attributes.get(key) is not None
    ]
    if len(values) <= 1:  # one value is shown as it is
        return values[0] if values else None
    return int(sum(values) / len(values))


def cover_attributes(state: str, members: list[State]) -> dict[str, Any]:
    attributes = {
        "current_position": _mean_of(members, _SET_POSITION, "current_position"),
        "current_tilt_position": _mean_of(members, _SET_TILT, "current_tilt_position"),
    }
    return {key: value for key, value in attributes.items() if value is not None}


def toggled(
    service: str, group: State, states: list[str], valid: bool, last_motion_open: bool
) -> str:
    """The service ``toggle``/``toggle_cover_tilt`` on the group comes to."""
    attributes: Mapping[str, Any] = group.attributes
    if service == "toggle_cover_tilt":
        tilt = attributes.get("current_tilt_position")
        return "open_cover_tilt" if tilt == 0 else "close_cover_tilt"
    moving = "opening" in states or "closing" in states
    if features_of(group) & _STOP and moving:
        return "stop_cover"
    if _is_closed(states, valid):
        return "open_cover"
    return "close_cover" if last_motion_open else "open_cover"
