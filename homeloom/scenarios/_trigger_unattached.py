"""Triggers Home Assistant 2024.3 loads but cannot attach.

Some triggers pass its checks at load and fail only when attached: a ``time_pattern``
of ``/0`` (it divides by zero), a ``calendar`` trigger naming a calendar the house
does not have. There the automation still loads and turns on; that trigger alone is
left out, with an error in the log ("Error setting up trigger"), and the automation's
other triggers work; a ``wait_for_trigger`` whose triggers are all left out goes on at
once. homeloom does the same, and ``homeloom check`` warns of them beforehand
(``_automation_loose``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import Runtime, Unsubscribe

from ._errors import ScenarioConfigError
from ._triggers import Fire

__all__ = ["LeftOut", "left_out", "left_out_reason"]

_LOGGER = logging.getLogger(__name__)
# Why a trigger is left out: the key that makes it so, and what to say.
LeftOut = tuple[str, str]
Reason = Callable[[Runtime, Mapping[str, Any]], LeftOut | None]


def _nothing() -> None:
    """Detaching a trigger that was never attached."""


def left_out(config: Mapping[str, Any], fire: Fire, why: LeftOut) -> Unsubscribe:
    """Log that the trigger of ``config`` is left out, and why; what detaches it."""
    # The automation's (or wait's) name, which the firer that would have run it knows.
    name = getattr(fire, "name", None) or "automation"
    place = config.get("_path", "trigger")
    _LOGGER.error(
        "%s: error setting up trigger %s (%s): %s: %s; it never fires, the other triggers work",
        name,
        place,
        config.get("platform"),
        *why,
    )
    return _nothing


@functools.cache
def _reasons() -> dict[str, Reason]:
    """Each platform whose triggers may be left out, with what says why (imported when
    first asked: those modules import this one)."""
    from ._trigger_calendar import calendar_left_out
    from ._trigger_time import pattern_left_out

    return {"time_pattern": pattern_left_out, "calendar": calendar_left_out}


def left_out_reason(runtime: Runtime, config: Mapping[str, Any]) -> LeftOut | None:
    """Why the trigger of ``config`` (with its ``_path``) would be left out when attached;
    None when it would attach, or when it is refused at load (which says why)."""
    platform = config.get("platform", config.get("trigger"))
    reason = _reasons().get(platform) if isinstance(platform, str) else None
    if reason is None:
        return None
    try:
        return reason(runtime, config)
    except ScenarioConfigError:
        return None
