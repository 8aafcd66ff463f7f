"""The template trigger: fires when its template's result turns true."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import Event, Runtime, Unsubscribe

from ._durations import DurationError
from ._errors import fail
from ._template_states import NewEntityWatch
from ._templates import TemplateError, as_boolean, get_template_engine
from ._trigger_waits import NO_WAIT, rendered_duration, written_duration
from ._triggers import TRIGGER_VARIABLES, Fire

__all__ = ["_attach_template", "_validate_template", "watch_template"]

_LOGGER = logging.getLogger(__name__)


def _validate_template(runtime: Runtime, config: Mapping[str, Any]) -> None:
    source = config.get("value_template")
    if not isinstance(source, str):
        raise fail(
            config, "value_template", f"{config['_path']}.value_template", "a template is required"
        )
    try:
        get_template_engine(runtime).template(source).ensure_valid()
    except TemplateError as err:
        raise fail(
            config, "value_template", f"{config['_path']}.value_template", str(err)
        ) from None


_NOTHING = object()  # no result compared yet


def _unchanged(last: object, result: object) -> bool:
    """As Home Assistant compares template results: two errors are the same result."""
    if last is _NOTHING:
        return False
    if isinstance(last, TemplateError) or isinstance(result, TemplateError):
        return isinstance(last, TemplateError) and isinstance(result, TemplateError)
    return bool(result == last)


class _TemplateWatch:
    """Re-renders on every change of what the template read, as Home Assistant's template
    trigger does: armed while the result is false, it fires (or starts its ``for``) when
    an armed result turns true; any change of the result cancels a pending ``for``; a
    render error is logged (as ``label``'s) and changes nothing."""

    def __init__(
        self,
        runtime: Runtime,
        config: Mapping[str, Any],
        fire: Fire,
        label: str = "template trigger",
    ) -> None:
        self.runtime = runtime
        self.fire = fire
        self.label = label
        self.duration = written_duration(runtime, config.get("for"))
        self.template = get_template_engine(runtime).template(str(config["value_template"]))
        # The automation's trigger variables: the template is rendered with them.
        self.variables: dict[str, Any] = dict(config.get(TRIGGER_VARIABLES) or {})
        self.untrack: Unsubscribe | None = None
        self.tracked: frozenset[str] = frozenset()
        self.joining = NewEntityWatch(runtime, self.on_change)
        self.untick: Unsubscribe | None = None
        self.waiting: Unsubscribe | None = None
        # As Home Assistant: a template reading whole domains (every state) renders at
        # most once a second (a minute) for changes of entities it did not name; the
        # first change held back is replayed when the limit ends. The render at
        # attaching does not count (Home Assistant renders it outside its limiter).
        self.named: frozenset[str] = frozenset()
        self.rate_limit: float | None = None
        self.rendered_at: datetime | None = None
        self.deferred: Unsubscribe | None = None
        # As Home Assistant: the first render only arms (when false) and sets what is
        # watched; the first change after it is compared with nothing, so always handled.
        self.last: object = _NOTHING
        first = self.render()
        self.rendered_at = None
        self.armed = not isinstance(first, TemplateError) and not as_boolean(first)
        if isinstance(first, TemplateError):
            _LOGGER.warning("%s: %s", self.label, first)

    def render(self) -> Any:
        """The template's result, or the :class:`TemplateError` it raised; watches what
        it read (after an error: what it watched before, and what it read until then)."""
        self.rendered_at = self.runtime.now()
        try:
            value, info = self.template.render_with_info(self.variables)
        except TemplateError as err:
            read = err.read
            self.watch(self.tracked | frozenset(read.entities) if read else self.tracked)
            return err
        watched = self.named = frozenset(info.entities)
        self.rate_limit = 60.0 if info.all_states else 1.0 if info.domains else None
        if info.domains or info.all_states:
            watched |= frozenset(
                s.entity_id
                for s in self.runtime.states.all()
                if info.all_states or s.domain in info.domains
            )
        self.watch(watched)
        self.joining.watch(frozenset(info.domains), bool(info.all_states), self.tracked)
        if info.has_time and self.untick is None:
            # As Home Assistant: again at the start of each minute, not a minute from now.
            now = self.runtime.now()
            next_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
            self.untick = self.runtime.scheduler.call_every(60, self.on_tick, first=next_minute)
        return value

    def watch(self, watched: frozenset[str]) -> None:
        if watched == self.tracked:
            return
        if self.untrack is not None:
            self.untrack()
        self.tracked = watched
        self.untrack = self.runtime.states.track(watched, self.on_change) if watched else None

    def on_tick(self, _: datetime) -> None:
        self.evaluate(None)

    def on_change(self, event: Event) -> None:
        rendered_at = self.rendered_at
        if (
            self.rate_limit is not None
            and rendered_at is not None
            and event.data["entity_id"] not in self.named
        ):
            due = rendered_at + timedelta(seconds=self.rate_limit)
            if due > self.runtime.now():
                if self.deferred is None:
                    self.deferred = self.runtime.scheduler.call_at(
                        due, lambda _: self.evaluate(event)
                    )
                return
        self.evaluate(event)

    def evaluate(self, event: Event | None) -> None:
        if self.deferred is not None:
            self.deferred()
            self.deferred = None
        result = self.render()
        last, self.last = self.last, result
        if _unchanged(last, result):
            return
        if isinstance(result, TemplateError):
            _LOGGER.warning("%s: %s", self.label, result)
            return
        if self.waiting is not None:
            self.waiting()
            self.waiting = None
        if not as_boolean(result):
            self.armed = True
            return
        if not self.armed:
            return
        self.armed = False
        entity_id = event.data["entity_id"] if event else None
        to_state = event.data["new_state"] if event else None
        data: dict[str, Any] = {
            "entity_id": entity_id,
            "from_state": event.data["old_state"] if event else None,
            "to_state": to_state,
            "for": None,
            "description": (
                f"{entity_id} via template"
                if entity_id is not None
                else "time change or manual update via template"
            ),
        }
        # As Home Assistant: the context of the state reached (none for a removal).
        context = to_state.context if to_state is not None else None
        try:
            duration = rendered_duration(self.runtime, self.duration, {"trigger": data})
        except (DurationError, TemplateError) as err:
            _LOGGER.error("template trigger 'for': %s", err)
            return
        if duration is None or duration is NO_WAIT:
            data["for"] = duration
            self.fire(data, context)
            return
        data["for"] = duration

        def done(_: datetime) -> None:
            self.waiting = None
            self.fire(data, context)

        self.waiting = self.runtime.scheduler.call_later(duration.total_seconds(), done)

    def detach(self) -> None:
        self.joining.stop()
        for undo in (self.untrack, self.untick, self.waiting, self.deferred):
            if undo is not None:
                undo()


def _attach_template(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    return _TemplateWatch(runtime, config, fire).detach


def watch_template(
    runtime: Runtime,
    source: str,
    variables: Mapping[str, Any],
    on_true: Callable[[], None],
    label: str,
) -> Unsubscribe:
    """Call ``on_true`` when ``source``, rendered with ``variables``, turns true, as Home
    Assistant's ``wait_template`` watches its template: like a template trigger without
    ``for``, re-rendered as what it read changes (rate limited when it read whole
    domains) and at the top of each minute when it reads the time; a render error is
    logged as ``label``'s and counts as no change."""
    config = {"value_template": source, TRIGGER_VARIABLES: variables}
    return _TemplateWatch(runtime, config, lambda _data, _context: on_true(), label).detach
