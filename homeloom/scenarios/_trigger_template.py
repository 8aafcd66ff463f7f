"""The template trigger: fires when its template's result turns true."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from homeloom.orchestrator import Event, Runtime, Unsubscribe

from ._durations import DurationError
from ._errors import fail
from ._template_tracking import ReadWatch
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
        self.tracking = ReadWatch(runtime, self.evaluate)
        self.waiting: Unsubscribe | None = None
        # As Home Assistant: the first render only arms (when false) and sets what is
        # watched; the first change after it is compared with nothing, so always handled.
        # It does not start the rate limit (Home Assistant renders it outside its limiter).
        self.last: object = _NOTHING
        first = self.render(counted=False)
        self.armed = not isinstance(first, TemplateError) and not as_boolean(first)
        if isinstance(first, TemplateError):
            _LOGGER.warning("%s: %s", self.label, first)

    def render(self, *, counted: bool = True) -> Any:
        """The template's result, or the :class:`TemplateError` it raised; watches what
        it read (after an error: what it watched before, and what it read until then)."""
        try:
            value, info = self.template.render_with_info(self.variables)
        except TemplateError as err:
            self.tracking.follow_failed(err.read.entities if err.read else (), counted=counted)
            return err
        self.tracking.follow(info, counted=counted)
        return value

    def evaluate(self, event: Event | None) -> None:
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
        self.tracking.stop()
        if self.waiting is not None:
            self.waiting()


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
