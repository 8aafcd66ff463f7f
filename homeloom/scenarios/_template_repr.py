"""How templates print the house's states and events, as Home Assistant's do.

``{{ trigger.to_state }}`` prints ``<state light.hall=on; brightness=120 @
2026-06-01T20:00:00+02:00>`` (the last change in the house's time zone), a state read
through ``states`` ``<template TemplateState(<state ...>)>``, and ``{{ trigger.event }}``
``<Event doorbell[L]: button=front, count=2>``, also inside a printed list or mapping
(``{{ trigger }}``, ``{{ trigger.event.data }}`` of a ``state_changed`` event).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Protocol

from homeloom.orchestrator import Event, State

from ._template_states import TemplateState

__all__ = ["TemplateEvent", "printed_text", "template_event"]

_CONTEXT_KEYS = ("id", "parent_id", "user_id")  # what Home Assistant's context holds


class TemplateEvent(dict[str, Any]):
    """``trigger.event`` (and ``wait.trigger.event``): its ``event_type``, ``data``,
    ``origin``, ``time_fired`` and ``context``, read as keys or attributes, with Home
    Assistant's ``time_fired_timestamp`` and ``as_dict()``."""

    __slots__ = ()

    @property
    def time_fired_timestamp(self) -> float:
        fired: datetime = self["time_fired"]
        return fired.timestamp()

    def as_dict(self) -> dict[str, Any]:
        """As Home Assistant's: the time as ISO text, the context's three ids."""
        context: Mapping[str, Any] = self["context"]
        return {
            "event_type": self["event_type"],
            "data": self["data"],
            "origin": self["origin"],
            "time_fired": self["time_fired"].isoformat(),
            "context": {key: context.get(key) for key in _CONTEXT_KEYS},
        }


def template_event(event: Event, event_type: str) -> TemplateEvent:
    """What a trigger's templates read as ``trigger.event`` for ``event``, named
    ``event_type`` (Home Assistant's name for it)."""
    return TemplateEvent(
        event_type=event_type,
        data=dict(event.data),
        origin="LOCAL",
        time_fired=event.time_fired,
        context=event.context.as_dict(),
    )


class _StateLike(Protocol):
    @property
    def entity_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def attributes(self) -> Any: ...
    @property
    def last_changed(self) -> datetime: ...


def _local(moment: datetime, tz: tzinfo) -> str:
    if moment.tzinfo is None:  # as Home Assistant's as_local: taken as the house's time
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).isoformat()


def _state_text(state: _StateLike, tz: tzinfo) -> str:
    attributes = f"; {_readable(state.attributes, tz)}" if state.attributes else ""
    return f"<state {state.entity_id}={state.state}{attributes} @ {_local(state.last_changed, tz)}>"


def printed_text(value: Any, tz: tzinfo) -> str | None:
    """Home Assistant's text for a state, a template state or an event; None for any
    other value."""
    if isinstance(value, State):
        return _state_text(value, tz)
    if isinstance(value, TemplateState):
        return f"<template TemplateState({_state_text(value, tz)})>"
    if isinstance(value, TemplateEvent):
        data: Mapping[str, Any] = value["data"]
        head = f"<Event {value['event_type']}[{str(value['origin'])[:1]}]"
        return f"{head}: {_readable(data, tz)}>" if data else f"{head}>"
    return None


def _readable(value: Any, tz: tzinfo) -> str:
    """Home Assistant's ``repr_helper``: a mapping as ``key=value, ...``, a time in
    the house's time zone, anything else as its text."""
    text = printed_text(value, tz)
    if text is not None:
        return text
    if isinstance(value, Mapping):
        return ", ".join(f"{_readable(k, tz)}={_readable(v, tz)}" for k, v in value.items())
    if isinstance(value, datetime):
        return _local(value, tz)
    return str(value)
