"""Template alarm panels (``alarm_control_panel:`` items with ``platform: template``,
``panels:`` keyed by object id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` gives the state when it renders one of the panel states
  (``disarmed``, ``armed_home``/``away``/``night``/``vacation``/``custom_bypass``,
  ``arming``, ``pending``, ``triggered``) or ``unavailable``; anything else, or an
  error, makes it ``unknown`` (logged). An ``unavailable`` it renders is only a state:
  the panel stays available and takes commands;
* without the template the panel is optimistic: ``unknown`` at start (nothing is
  restored), each command sets the state it leads to, shown once its action has run;
* each command runs its action (``disarm``, ``arm_home``... ``trigger``) with ``this``
  and ``code`` (None when the call gives none); no code is checked;
* ``supported_features`` follow the arm and trigger actions written; a service the
  panel does not support fails; ``alarm_disarm`` needs no feature, and without a
  ``disarm`` action it fails (Home Assistant has no script to run then);
* the attributes ``code_format`` (``number`` unless ``code_format`` says ``text`` or
  ``no_code``, shown None), ``changed_by`` (None) and ``code_arm_required`` (true
  unless set false). There is no ``availability_template`` in 2024.3's schema.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime, ServiceValidationError

from ._errors import fail
from ._template_controls import _TemplateControl
from ._template_controls_config import _Control, _Kind, _optimistic
from ._template_state_entities import _Reads

__all__ = ["ALARM_KIND", "TemplateAlarmPanel", "check_alarm"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "alarm_control_panel"
# Each service: the action key written for it, the state it leads to, the
# AlarmControlPanelEntityFeature bit it needs (0: none).
_SERVICES: dict[str, tuple[str, str, int]] = {
    "alarm_disarm": ("disarm", "disarmed", 0),
    "alarm_arm_home": ("arm_home", "armed_home", 1),
    "alarm_arm_away": ("arm_away", "armed_away", 2),
    "alarm_arm_night": ("arm_night", "armed_night", 4),
    "alarm_trigger": ("trigger", "triggered", 8),
    "alarm_arm_custom_bypass": ("arm_custom_bypass", "armed_custom_bypass", 16),
    "alarm_arm_vacation": ("arm_vacation", "armed_vacation", 32),
}
ALARM_KIND = _Kind(
    DOMAIN,
    frozenset(
        {
            *(action for action, _, _ in _SERVICES.values()),
            "value_template",
            "code_arm_required",
            "code_format",
            "name",
            "unique_id",
        }
    ),
    (),
    {action: service for service, (action, _, _) in _SERVICES.items()},
    None,  # named after its key
)
_VALID_STATES = frozenset(
    {
        "armed_away",
        "armed_custom_bypass",
        "armed_home",
        "armed_night",
        "armed_vacation",
        "arming",
        "disarmed",
        "pending",
        "triggered",
        "unavailable",
    }
)
# Each ``code_format`` and the attribute it shows.
_CODE_FORMATS = {"number": "number", "text": "text", "no_code": None}


def check_alarm(entry: Any, container: Any, key: Any, path: str) -> None:
    """The values Home Assistant's panel schema checks: ``code_format`` one of its
    names (as written, case and all), ``code_arm_required`` a boolean."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    code_format = entry.get("code_format", "number")
    if not isinstance(code_format, str) or code_format not in _CODE_FORMATS:
        message = f"unknown code format {code_format!r}; valid: {', '.join(_CODE_FORMATS)}"
        raise fail(entry, "code_format", f"{path}.code_format", message)
    _optimistic(entry, path, "code_arm_required")  # only checked here


class TemplateAlarmPanel(_TemplateControl):
    """A template alarm panel: the state its template renders, or its last command's."""

    def __init__(self, runtime: Runtime, control: _Control, entry: Mapping[str, Any]) -> None:
        super().__init__(runtime, control)
        self.state: str | None = None
        self.code_format = _CODE_FORMATS[entry.get("code_format", "number")]
        self.code_arm_required = (
            _optimistic(entry, "", "code_arm_required") if "code_arm_required" in entry else True
        )
        self.features = 0
        for service, (_, _, feature) in _SERVICES.items():
            if service in control.actions:
                self.features |= feature

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value)
        if "state" in changed:
            # As Home Assistant: a failing template leaves the panel available, unknown.
            result = changed["state"]
            valid = isinstance(result, str) and result in _VALID_STATES
            if not valid:
                _LOGGER.error("%s: %r is no alarm panel state", self.entity_id, result)
            self.state = result if valid else None
        self.write(self.state_text(), attributes, context)

    def state_text(self) -> str:
        return self.state or "unknown"

    def fixed_attributes(self) -> dict[str, Any]:
        return {
            "code_format": self.code_format,
            "changed_by": None,
            "code_arm_required": self.code_arm_required,
            **self.definition.fixed_attributes(),
            "supported_features": self.features,
        }

    # --- commands ------------------------------------------------------------

    def is_unavailable(self) -> bool:
        return False  # no availability template: an ``unavailable`` state is only text

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        needed = _SERVICES[service][2] if service in _SERVICES else None
        if needed is None or self.features & needed != needed:
            raise ServiceValidationError(
                DOMAIN, service, "", f"Entity {entity_id} does not support this service."
            )
        action, target, _ = _SERVICES[service]
        if self.definition.state is None:
            self.state = target  # set before the action runs, written after it
        if service not in self.control.actions:
            # Home Assistant fails for want of a script (its error, no HomeAssistantError,
            # is not gone past by ``continue_on_error``).
            message = f"Entity {entity_id} has no {action!r} action"
            raise ServiceValidationError(DOMAIN, service, "", message, invalid_data=True)
        return self.arm(service, {"code": data.get("code")}, context)

    async def arm(self, service: str, variables: dict[str, Any], context: Context) -> None:
        await self.run_action(service, variables, context)
        if self.definition.state is None:
            self.write(self.state_text(), {}, context)
