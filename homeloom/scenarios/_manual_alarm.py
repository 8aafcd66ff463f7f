"""Manual alarm panels: ``alarm_control_panel:`` items with ``platform: manual``, as Home
Assistant 2024.3 makes them (options: :mod:`._manual_alarm_config`).

The panel remembers the state it was last sent to, the one before, and when; what it
shows is worked out from those and the clock each time it is written, as Home
Assistant's does, which is what makes its corners the same:

* arming (``alarm_arm_*``): ``arming`` for that state's ``arming_time``, then the armed
  state; arming to the state it is already in does nothing;
* ``alarm_trigger``: ``pending`` for the ``delay_time`` of the state it was in, then
  ``triggered`` for that state's ``trigger_time``, then back to that state (still
  ``arming`` if its arming time, counted from the trigger, is not over), or
  ``disarmed`` with ``disarm_after_trigger``. A trigger time of zero for the state it is
  in makes the trigger do nothing; a trigger while ``pending`` does nothing; one while
  ``triggered``, or shown ``disarmed`` after a trigger, fails, as in Home Assistant
  2024.3 (which has no trigger time for ``triggered``);
* ``alarm_disarm``: ``disarmed`` at once, the state before kept as it was;
* the code: with ``code`` (or ``code_template``, rendered with ``from_state`` and
  ``to_state``; an empty result needs no code) every command but the trigger needs it,
  arming only with ``code_arm_required``; a wrong one fails the call with "Invalid
  alarm code provided".

Attributes: ``code_format`` (``number`` for a code of digits, ``text`` for another or a
template, else None), ``changed_by`` (None), ``code_arm_required``; ``previous_state``
and ``next_state`` while ``arming`` or ``pending``, ``previous_state`` while
``triggered``; ``supported_features`` 63. After a restart the panel takes its saved
state back as Home Assistant does: the saved ``next_state`` when there is one, so a
panel saved ``pending`` or ``arming`` goes on from the saved time, its changes due then
scheduled again. A saved state that is no panel state (``unavailable``) is ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceValidationError

from ._ha_restore import restored_state
from ._manual_alarm_config import (
    ARMED_STATES,
    DISARMED,
    PRETRIGGER_STATES,
    TRIGGERED,
    AlarmOptions,
    read_alarm_options,
)
from ._platform_options import OptionError, option_issue, platform_items
from ._slugs import entity_slug
from ._template_entity_config import _free_id
from ._templates import Template

__all__ = ["ManualAlarm", "setup_manual_alarms"]

DOMAIN = "alarm_control_panel"
PENDING = "pending"
ARMING = "arming"
# Every feature: arm home (1), away (2), night (4), trigger (8), custom bypass (16),
# vacation (32).
_SUPPORTED_FEATURES = 63
_TARGET_OF_SERVICE = {f"alarm_arm_{state[6:]}": state for state in ARMED_STATES} | {
    "alarm_disarm": DISARMED
}
_KNOWN_STATES = frozenset((*PRETRIGGER_STATES, TRIGGERED))


class NoTriggerTime(KeyError):
    """A trigger while triggered (or shown disarmed after one): Home Assistant 2024.3
    looks for the trigger time of ``triggered``, has none, and the call fails with a
    KeyError, which ``continue_on_error`` does not go past."""

    def __str__(self) -> str:
        return f"{self.args[0]!r}: a manual alarm has no trigger time in that state"


class ManualAlarm:
    def __init__(self, runtime: Runtime, entity_id: str, options: AlarmOptions) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.options = options
        self._state = DISARMED  # the state last sent to
        self._previous_state = DISARMED
        self._since: datetime | None = None  # when it was sent there

    def start(self) -> None:
        self._restore()
        self.runtime.services.set_provider(self.entity_id, self._command, internal=True)
        self._write(Context())

    # --- state ---------------------------------------------------------------

    def shown_state(self) -> str:
        """The state to show now; once a trigger is over, back to the state before it."""
        now = self.runtime.now()
        if self._state == TRIGGERED and self._since is not None:
            pending_until = self._since + self._delay()
            if pending_until > now:
                return PENDING
            if pending_until + self.options.trigger_time[self._previous_state] <= now:
                if self.options.disarm_after_trigger:
                    return DISARMED  # the state itself stays triggered, as in Home Assistant
                self._state = self._previous_state
        if self._state in ARMED_STATES and self._within_arming_time(now):
            return ARMING
        return self._state

    def _delay(self) -> timedelta:
        return self.options.delay_time[self._previous_state]

    def _within_arming_time(self, now: datetime) -> bool:
        since = self._since
        return since is not None and since + self.options.arming_time[self._state] > now

    def _active_state(self) -> str:
        return self._previous_state if self.shown_state() in (PENDING, ARMING) else self._state

    def _attributes(self, shown: str) -> dict[str, Any]:
        code = self.options.code
        attributes: dict[str, Any] = {
            "code_format": None if code is None else _code_format(code),
            "changed_by": None,
            "code_arm_required": self.options.code_arm_required,
        }
        if shown in (PENDING, ARMING):
            attributes |= {"previous_state": self._previous_state, "next_state": self._state}
        elif shown == TRIGGERED:
            attributes["previous_state"] = self._previous_state
        attributes["friendly_name"] = self.options.name
        attributes["supported_features"] = _SUPPORTED_FEATURES
        return attributes

    def _write(self, context: Context) -> None:
        shown = self.shown_state()
        self.runtime.states.set(self.entity_id, shown, self._attributes(shown), context=context)

    def _scheduled_write(self, _when: datetime) -> None:
        self._write(Context())

    # --- commands ------------------------------------------------------------

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service == "alarm_trigger":
            self._trigger(context)
            return None
        target = _TARGET_OF_SERVICE.get(service)
        if target is None:
            raise ServiceValidationError(
                DOMAIN, service, "", f"Entity {entity_id} does not support this service."
            )
        self._check_code(data.get("code"), target, service)
        if target == DISARMED:
            self._state = DISARMED
            self._since = self.runtime.now()
            self._write(context)
        else:
            self._go_to(target, context)
        return None

    def _trigger(self, context: Context) -> None:
        """No code needed; a trigger time of zero for the state it is in ignores it."""
        active = self._active_state()
        if active not in self.options.trigger_time:
            raise NoTriggerTime(active)
        if self.options.trigger_time[active]:
            self._go_to(TRIGGERED, context)

    def _go_to(self, state: str, context: Context) -> None:
        if self._state == state:
            return
        self._previous_state = self._state
        self._state = state
        self._since = self.runtime.now()
        self._write(context)
        self._schedule_changes()

    def _schedule_changes(self) -> None:
        """Write the panel again when what it shows changes by itself."""
        since = self._since
        if since is None:
            return
        scheduler = self.runtime.scheduler
        if self._state == TRIGGERED:
            pending_until = since + self._delay()
            scheduler.call_at(pending_until, self._scheduled_write)
            trigger_time = self.options.trigger_time[self._previous_state]
            scheduler.call_at(pending_until + trigger_time, self._scheduled_write)
        elif self._state in ARMED_STATES and self.options.arming_time[self._state]:
            scheduler.call_at(since + self.options.arming_time[self._state], self._scheduled_write)

    def _check_code(self, code: Any, target: str, service: str) -> None:
        wanted = self.options.code
        if wanted is None or (target != DISARMED and not self.options.code_arm_required):
            return
        if isinstance(wanted, Template):
            variables = {"from_state": self._state, "to_state": target}
            wanted = str(wanted.render(variables, parse_result=False))
        if not wanted or (code is not None and str(code) == wanted):
            return
        raise ServiceValidationError(DOMAIN, service, "code", "Invalid alarm code provided")

    # --- restart -------------------------------------------------------------

    def _restore(self) -> None:
        """Take the saved state back as Home Assistant does: the state it was going to
        when one is saved, the state before and its scheduled changes when that is."""
        saved = restored_state(self.runtime, self.entity_id)
        if saved is None:
            return
        going_to = saved.attributes.get("next_state", saved.state)
        if going_to not in _KNOWN_STATES:
            return
        self._state = going_to
        self._since = saved.last_updated
        previous = saved.attributes.get("previous_state")
        if previous in PRETRIGGER_STATES:
            self._previous_state = previous
            self._schedule_changes()


def _code_format(code: str | Template) -> str:
    return "number" if isinstance(code, str) and code.isdigit() else "text"


def setup_manual_alarms(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make the panel of every ``platform: manual`` item under ``alarm_control_panel:``
    (labelled blocks too); a bad item is reported and skipped, as Home Assistant skips a
    platform whose configuration it refuses."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for where, item in platform_items(config, DOMAIN, "manual"):
        try:
            options = read_alarm_options(runtime, item)
        except OptionError as err:
            issues.append(option_issue(item, where, err))
            continue
        entity_id = _free_id(f"{DOMAIN}.{entity_slug(options.name)}", taken, runtime)
        ManualAlarm(runtime, entity_id, options).start()
    return issues
