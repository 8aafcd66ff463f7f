"""Template covers (``cover:`` items with ``platform: template``, ``covers:`` keyed by
object id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` gives the state: ``open``/``true`` (position 100),
  ``closed``/``false``/``none`` (position 0), ``opening``/``closing`` (position 0
  too, shown as the motion); any other text makes it ``unknown``;
* a ``position_template`` (0..100) gives the position instead, ``closed`` at 0 and
  ``open`` above; ``current_position`` is shown when it or ``set_cover_position``
  is written; a ``tilt_template`` gives ``current_tilt_position``;
* without either template the cover is optimistic (``optimistic`` says so too):
  ``open_cover``/``close_cover`` set the position once their action ran;
  ``set_cover_position`` (and without ``tilt_template``, or with ``tilt_optimistic``,
  the tilt services) set it before the action runs and show it after;
* ``open_cover`` without its action runs ``set_cover_position`` with ``position``
  100 (``close_cover``: 0); tilt actions get ``tilt``;
* ``supported_features`` follow the actions written (open and close always, stop,
  set position, the four tilt features); a service the cover does not support fails;
* ``toggle`` stops a moving cover that can stop, opens a closed one, else goes the
  other way than the last motion seen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime, ServiceValidationError

from ._errors import fail
from ._template_controls import _TemplateControl
from ._template_controls_config import (
    LEGACY_KEYS,
    LEGACY_PICTURE_KEYS,
    _Control,
    _Kind,
    _optimistic,
)
from ._template_state_entities import _Reads
from ._templates import TemplateError

__all__ = ["COVER_KIND", "TemplateCover", "check_cover"]

_LOGGER = logging.getLogger(__name__)

_ACTIONS = (
    "open_cover",
    "close_cover",
    "stop_cover",
    "set_cover_position",
    "set_cover_tilt_position",
)
COVER_KIND = _Kind(
    "cover",
    frozenset(
        {
            *_ACTIONS,
            "value_template",
            "position_template",
            "tilt_template",
            "device_class",
            "optimistic",
            "tilt_optimistic",
            *LEGACY_KEYS,
            *LEGACY_PICTURE_KEYS,
        }
    ),
    (),
    {action: action for action in _ACTIONS},
    None,  # named after its key
)
_DEVICE_CLASSES = frozenset(
    {"awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window"}
)
_VALID_STATES = ("open", "opening", "closed", "closing", "true", "false", "none")
# CoverEntityFeature bits.
_OPEN, _CLOSE, _SET_POSITION, _STOP = 1, 2, 4, 8
_TILT = 16 | 32 | 64 | 128  # open, close, stop and set tilt
# The features each cover service needs, as Home Assistant registers them.
_NEEDS = {
    "open_cover": _OPEN,
    "close_cover": _CLOSE,
    "stop_cover": _STOP,
    "set_cover_position": _SET_POSITION,
    "toggle": _OPEN | _CLOSE,
    "open_cover_tilt": 16,
    "close_cover_tilt": 32,
    "stop_cover_tilt": 64,
    "set_cover_tilt_position": 128,
    "toggle_cover_tilt": 16 | 32,
}


def check_cover(entry: Any, container: Any, key: Any, path: str) -> None:
    """The rules Home Assistant's cover schema adds to the keys: ``open_cover`` and
    ``close_cover`` together, at least one of them or ``set_cover_position``, a known
    device class."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    if ("open_cover" in entry) != ("close_cover" in entry):
        raise fail(container, key, path, "'open_cover' and 'close_cover' go together")
    if "open_cover" not in entry and "set_cover_position" not in entry:
        raise fail(container, key, path, "needs 'open_cover' or 'set_cover_position'")
    device_class = entry.get("device_class")
    if device_class is not None and str(device_class) not in _DEVICE_CLASSES:
        message = (
            f"unknown device class {device_class!r}; valid: {', '.join(sorted(_DEVICE_CLASSES))}"
        )
        raise fail(entry, "device_class", f"{path}.device_class", message)
    _optimistic(entry, path, "tilt_optimistic")  # only checked here


class TemplateCover(_TemplateControl):
    """A template cover: its position (0 closed .. 100 open), motion and tilt."""

    def __init__(self, runtime: Runtime, control: _Control, entry: Mapping[str, Any]) -> None:
        super().__init__(runtime, control)
        extra = control.extra
        self.has_position_template = "position_template" in extra
        has_state = control.definition.state is not None
        self.optimistic = (
            control.optimistic
            if "optimistic" in entry
            else not has_state and not self.has_position_template
        )
        # The value was checked by check_cover.
        tilt_optimistic = _optimistic(entry, "", "tilt_optimistic")
        self.tilt_optimistic = tilt_optimistic or "tilt_template" not in extra
        self.position: float | None = None
        self.tilt: float | None = None
        self.opening = False
        self.closing = False
        self.last_motion_open = True  # as Home Assistant: a cover first toggles closed
        actions = control.actions
        self.features = _OPEN | _CLOSE
        self.features |= _STOP if "stop_cover" in actions else 0
        self.features |= _SET_POSITION if "set_cover_position" in actions else 0
        self.features |= _TILT if "set_cover_tilt_position" in actions else 0

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value)
        if self.failed_state(value, context):
            return
        if "state" in changed:
            self.take_state(changed["state"])
        if "position_template" in changed:
            self.position = _percent(changed["position_template"], "position")
        if "tilt_template" in changed:
            self.tilt = _percent(changed["tilt_template"], "tilt")
        self.write(self.state_text(), attributes, context)

    def take_state(self, result: Any) -> None:
        if isinstance(result, TemplateError):
            self.position = None
            return
        text = str(result).lower()
        known = text in _VALID_STATES
        if not known:
            _LOGGER.error("%s: %r is no cover state", self.entity_id, text)
        if not self.has_position_template:
            self.position = None if not known else 100 if text in ("true", "open") else 0
        self.opening = text == "opening"
        self.closing = text == "closing"

    def state_text(self) -> str:
        if self.opening:
            self.last_motion_open = True
            return "opening"
        if self.closing:
            self.last_motion_open = False
            return "closing"
        if self.position is None:
            return "unknown"
        return "closed" if self.position == 0 else "open"

    def fixed_attributes(self) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        shows_position = self.has_position_template or "set_cover_position" in self.control.actions
        if shows_position and self.position is not None:
            fixed["current_position"] = self.position
        if self.tilt is not None:
            fixed["current_tilt_position"] = self.tilt
        return fixed | self.definition.fixed_attributes() | {"supported_features": self.features}

    # --- commands ------------------------------------------------------------

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if self.is_unavailable():
            return None  # Home Assistant passes an unavailable entity by
        needed = _NEEDS.get(service)
        if needed is None or self.features & needed != needed:
            raise ServiceValidationError(
                "cover", service, "", f"Entity {entity_id} does not support this service."
            )
        if service == "toggle":
            service = self.toggled()
        elif service == "toggle_cover_tilt":
            service = "open_cover_tilt" if self.tilt == 0 else "close_cover_tilt"
        if service == "set_cover_position":
            return self.set_position(_asked(service, data, "position"), context)
        if service == "set_cover_tilt_position":
            return self.set_tilt(_asked(service, data, "tilt_position"), context)
        if service in ("open_cover_tilt", "close_cover_tilt"):
            return self.set_tilt(100 if service == "open_cover_tilt" else 0, context)
        if service == "stop_cover_tilt":
            # As Home Assistant 2024.3: the feature is claimed, and the command does nothing.
            return None
        if service == "stop_cover":
            return self.run_action("stop_cover", {}, context)
        return self.move(service == "open_cover", context)

    def toggled(self) -> str:
        if self.features & _STOP and (self.opening or self.closing):
            return "stop_cover"
        if self.position == 0:
            return "open_cover"
        return "close_cover" if self.last_motion_open else "open_cover"

    async def move(self, opening: bool, context: Context) -> None:
        action = "open_cover" if opening else "close_cover"
        if action in self.control.actions:
            await self.run_action(action, {}, context)
        elif "set_cover_position" in self.control.actions:
            await self.run_action(
                "set_cover_position", {"position": 100 if opening else 0}, context
            )
        if self.optimistic:
            self.position = 100 if opening else 0
            self.write(self.state_text(), {}, context)

    async def set_position(self, position: int, context: Context) -> None:
        # As Home Assistant: taken before the action runs, shown after when optimistic.
        self.position = position
        await self.run_action("set_cover_position", {"position": position}, context)
        if self.optimistic:
            self.write(self.state_text(), {}, context)

    async def set_tilt(self, tilt: int, context: Context) -> None:
        self.tilt = tilt
        await self.run_action("set_cover_tilt_position", {"tilt": tilt}, context)
        if self.tilt_optimistic:
            self.write(self.state_text(), {}, context)


def _percent(result: Any, what: str) -> float | None:
    """A position or tilt template's result as 0..100, or None (logged) when it is not."""
    if result is None or isinstance(result, TemplateError):
        return None
    try:
        number = float(result)
    except (TypeError, ValueError):
        _LOGGER.error("template cover: %s %r is not a number", what, result)
        return None
    if not 0 <= number <= 100:
        _LOGGER.error("template cover: %s %s is not within 0..100", what, number)
        return None
    return number


def _asked(service: str, data: Mapping[str, Any], field: str) -> int:
    """A position from the service call's data, checked as Home Assistant's schema does."""
    try:
        value = int(data[field])
    except (KeyError, TypeError, ValueError):
        value = -1
    if not 0 <= value <= 100:
        raise ServiceValidationError(
            "cover", service, field, f"{field} must be 0..100", invalid_data=True
        )
    return value
