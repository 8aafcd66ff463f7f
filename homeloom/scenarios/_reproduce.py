"""Bringing entities to wanted states, domain by domain, as Home Assistant's scenes do.

Each domain has its own rules (Home Assistant's ``reproduce_state`` platforms): which
service and data reach a wanted state, which entities are left alone because they are
there already, which wanted states are refused. An entity that does not exist, or a
state its domain refuses, is skipped with a warning; a domain without rules is skipped
whole; a call that fails fails the scene. A group stands for its members: each is
brought to the group's wanted state by its own domain's rules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from homeloom.orchestrator import Context, Runtime

from ._reproduce_base import SIMPLE_RULES, Rule, WantedState, _Job
from ._reproduce_devices import DEVICE_RULES, reproduce_media_player
from ._reproduce_helpers import HELPER_RULES

__all__ = ["WantedState", "reproduce_states"]

_LOGGER = logging.getLogger(__name__)

_RULES: dict[str, Rule] = {**SIMPLE_RULES, **DEVICE_RULES, **HELPER_RULES}


# Helpers whose services change the state at once, never waiting on a device.
_PLAIN_HELPERS = frozenset(
    {
        "input_boolean",
        "input_number",
        "input_text",
        "input_select",
        "input_datetime",
        "counter",
        "timer",
    }
)


async def reproduce_states(
    runtime: Runtime,
    states: Iterable[WantedState],
    context: Context,
    transition: float | None = None,
) -> None:
    """:func:`_reproduce_states`; a scene setting only plain helpers has them all set
    before the first change is announced, as in Home Assistant 2024.3, where the runs
    and template entities a scene sets off start once it has set every helper (a run
    triggered by one reads the others' new states). Only plain helpers: their calls
    never wait, so no other change is held meanwhile."""
    wanted = list(states)
    holding = len(wanted) > 1 and all(w.domain in _PLAIN_HELPERS for w in wanted)
    with runtime.states.holding_announcements() if holding else nullcontext():
        await _reproduce_states(runtime, wanted, context, transition)


async def _reproduce_states(
    runtime: Runtime,
    states: Iterable[WantedState],
    context: Context,
    transition: float | None = None,
) -> None:
    """Call the services that bring each entity to its wanted state.

    Home Assistant runs domains, and the entities of a domain, side by side; as a
    call that returns at once (a device's, usually) never lets the next entity start
    before the previous one is done, they go one after the other here: domains in the
    order they first appear, their entities in order, then the groups' members. A
    failed entity does not stop the others; the first failure is raised at the end."""
    by_domain: dict[str, list[WantedState]] = {}
    for wanted in states:
        by_domain.setdefault(wanted.domain, []).append(wanted)
    failure: Exception | None = None
    groups = by_domain.pop("group", None)
    for domain, wanted_states in by_domain.items():
        if domain not in _RULES and domain != "media_player":
            _LOGGER.warning("Integration %s does not support reproduce state", domain)
            continue
        for wanted in wanted_states:
            try:
                await _reproduce_one(runtime, domain, wanted, context, transition)
            except Exception as err:  # raised again once the others are done
                failure = failure or err
    if groups is not None:
        # Last, all groups' members together: Home Assistant hands them back to this
        # same dispatch, which waits a moment before the first call, so the other
        # domains have made theirs.
        try:
            await reproduce_states(runtime, _group_members(runtime, groups), context, transition)
        except Exception as err:
            failure = failure or err
    if failure is not None:
        raise failure


async def _reproduce_one(
    runtime: Runtime,
    domain: str,
    wanted: WantedState,
    context: Context,
    transition: float | None,
) -> None:
    async def call(service: str, data: dict[str, Any]) -> None:
        target = {"entity_id": wanted.entity_id}
        await runtime.services.call(domain, service, data, target=target, context=context)

    if domain == "media_player":
        await reproduce_media_player(wanted, call, lambda: runtime.states.get(wanted.entity_id))
        return
    current = runtime.states.get(wanted.entity_id)
    if current is None:
        _LOGGER.warning("Unable to find entity %s", wanted.entity_id)
        return
    job = _Job(wanted, current, call, transition, lambda: runtime.states.get(wanted.entity_id))
    await _RULES[domain](job)


def _group_members(runtime: Runtime, groups: Iterable[WantedState]) -> list[WantedState]:
    """Each member of each group (its ``entity_id`` attribute; none for a group that
    does not exist), wanted in the group's state with the group's attributes."""
    members: list[WantedState] = []
    for group in groups:
        state = runtime.states.get(group.entity_id)
        member_ids = state.attributes.get("entity_id", ()) if state is not None else ()
        members += (WantedState(m, group.state, group.attributes) for m in member_ids)
    return members
