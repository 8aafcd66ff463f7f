"""What every domain's scene rules share, and the rules of the simple two-state domains."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import State, split_entity_id

__all__ = ["SIMPLE_RULES", "Call", "Rule", "WantedState"]

# All domains warn under the one logger scenes have always used.
_LOGGER = logging.getLogger(f"{__package__}._reproduce")


@dataclass(frozen=True)
class WantedState:
    """One entity of a scene: the state it should have and the attributes that go with it."""

    entity_id: str
    state: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return split_entity_id(self.entity_id)[0]


Call = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class _Job:
    """What a domain's rules need: the entity's wanted and current states, a way to call
    the domain's services on it, the scene's transition (lights only use it), and a way
    to read its state again once a call changed it (humidifiers only use it)."""

    wanted: WantedState
    current: State
    call: Call
    transition: float | None
    read_again: Callable[[], State | None]


_ON_OFF = frozenset({"on", "off"})


def _already(job: _Job, *attributes: str) -> bool:
    """Whether the entity has the wanted state and, for each attribute named, the same
    value (an attribute missing on one side and set on the other differs)."""
    current, wanted = job.current, job.wanted
    return current.state == wanted.state and all(
        current.attributes.get(name) == wanted.attributes.get(name) for name in attributes
    )


def _refused(job: _Job, valid: Iterable[str]) -> bool:
    if job.wanted.state in valid:
        return False
    _LOGGER.warning("Invalid state specified for %s: %s", job.wanted.entity_id, job.wanted.state)
    return True


async def _on_off(job: _Job) -> None:
    """switch, input_boolean, automation, remote, alert: turn_on or turn_off, unless
    already so."""
    if _refused(job, _ON_OFF) or _already(job):
        return
    await job.call("turn_on" if job.wanted.state == "on" else "turn_off", {})


async def _lock(job: _Job) -> None:
    if _refused(job, ("locked", "locking", "unlocked", "unlocking")) or _already(job):
        return
    await job.call("lock" if job.wanted.state in ("locked", "locking") else "unlock", {})


# The service that arms, disarms or triggers an alarm panel, by the wanted state.
_ALARM_SERVICES = {
    "armed_away": "alarm_arm_away",
    "armed_custom_bypass": "alarm_arm_custom_bypass",
    "armed_home": "alarm_arm_home",
    "armed_night": "alarm_arm_night",
    "armed_vacation": "alarm_arm_vacation",
    "disarmed": "alarm_disarm",
    "triggered": "alarm_trigger",
}


async def _alarm_control_panel(job: _Job) -> None:
    if _refused(job, _ALARM_SERVICES) or _already(job):
        return
    await job.call(_ALARM_SERVICES[job.wanted.state], {})


Rule = Callable[[_Job], Awaitable[None]]

SIMPLE_RULES: dict[str, Rule] = {
    "switch": _on_off,
    "input_boolean": _on_off,
    "automation": _on_off,
    "remote": _on_off,
    "lock": _lock,
    "alarm_control_panel": _alarm_control_panel,
    "alert": _on_off,
}
