"""Alerts: the ``alert:`` block, as Home Assistant 2024.3's alert integration reads it.

Each key makes ``alert.<key>``, named by ``name``, which watches ``entity_id``:

* ``idle`` until the watched entity's state becomes ``state`` (``"on"`` by default;
  compared as text, so an unquoted ``on``, which YAML reads as true, is ``"True"``);
  then ``on``: every notifier is sent the message (``message``, else the name) at
  once, or, with ``skip_first``, first after the first repeat; then again after each
  ``repeat`` delay (minutes, one or a list whose last one then repeats forever);
* ``off`` once acknowledged (``alert.turn_off``, or ``alert.toggle`` when ``on``):
  the repeats go on silently until ``alert.turn_on`` (or ``toggle``) brings it back
  to ``on``. ``can_acknowledge: false`` changes nothing there: Home Assistant 2024.3
  reads the option and never uses it;
* back to ``idle`` when the watched state leaves ``state``: the repeats stop, and if
  a message was sent, ``done_message`` (when set) is sent.

``message``, ``done_message`` and ``title`` are templates, rendered as text at each
send; ``data`` is sent as written. One failing to render stops what the alert was doing
there, as in Home Assistant: an error is logged, and a failed first message leaves the
alert's state unwritten (still ``idle``) and schedules no repeat, though its
``done_message`` is still sent once the watched entity clears. Each notifier is
``notify.<notifier>``, called without waiting for it, as Home Assistant does; one that
cannot be called is logged and tried again at the next repeat.

Unlike Home Assistant, which only watches changes, an alert whose entity is already in
``state`` when the house starts begins alerting then: in a house, that entity's
state usually appears after the alert integration is set up, which starts it there.
And a bad item is reported and skipped; Home Assistant sets no alert up at all then.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime
from homeloom.orchestrator.types import Unsubscribe

from ._platform_options import (
    OptionError,
    boolean_option,
    keyed_items,
    refuse_unknown_keys,
    required_text_option,
)
from ._slugs import entity_slug
from ._templates import Template, TemplateError, get_template_engine

__all__ = ["setup_alerts"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "alert"
_KEYS = frozenset(
    {
        "name",
        "entity_id",
        "state",
        "repeat",
        "can_acknowledge",
        "skip_first",
        "message",
        "done_message",
        "title",
        "data",
        "notifiers",
    }
)
_SHORTEST_REPEAT_MIN = 0.016  # one second, as Home Assistant's schema puts it


class _RenderFailed(Exception):
    """A message, title or done message failed to render (already logged)."""


@dataclass(frozen=True, slots=True)
class _Options:
    name: str
    watched: str
    alert_state: str
    repeat_s: tuple[float, ...]
    skip_first: bool
    message: Template | None
    done_message: Template | None
    title: Template | None
    data: dict[str, Any] | None
    notifiers: tuple[str, ...]


@dataclass(slots=True)
class _Alert:
    runtime: Runtime
    entity_id: str
    options: _Options
    firing: bool = False
    acknowledged: bool = False
    _next_delay: int = 0
    _send_done_message: bool = False
    _cancel: Unsubscribe | None = field(default=None, repr=False)
    # The context of the last command on the alert, which its messages carry on.
    _context: Context | None = None

    def start(self) -> None:
        self.runtime.states.track(self.options.watched, self._watched_changed)
        self.runtime.services.set_provider(self.entity_id, self._command)
        self.runtime.on_start(self._begin_if_already_alerting)
        self._write(Context())

    @property
    def state(self) -> str:
        if not self.firing:
            return "idle"
        return "off" if self.acknowledged else "on"

    def _write(self, context: Context) -> None:
        self.runtime.states.set(
            self.entity_id, self.state, {"friendly_name": self.options.name}, context=context
        )

    def _begin_if_already_alerting(self) -> None:
        if not self.firing and self.runtime.states.is_state(
            self.options.watched, self.options.alert_state
        ):
            self._begin(Context())

    def _watched_changed(self, event: Event) -> None:
        new_state = event.data.get("new_state")
        if new_state is None:  # removed: Home Assistant waits for it to come back
            return
        in_alert_state = new_state.state == self.options.alert_state
        if in_alert_state and not self.firing:
            self._begin(event.context)
        elif not in_alert_state and self.firing:
            self._end(event.context)

    def _begin(self, context: Context) -> None:
        self.acknowledged = False
        self.firing = True
        self._next_delay = 0
        try:
            if self.options.skip_first:
                self._schedule()
            else:
                self._notify()
        except _RenderFailed:  # Home Assistant's procedure stops before writing the state
            return
        self._write(context)

    def _end(self, context: Context) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
        self.acknowledged = False
        self.firing = False
        if self._send_done_message:
            self._send_done_message = False
            if self.options.done_message is not None:
                try:
                    self._send(self._render(self.options.done_message))
                except _RenderFailed:  # as in Home Assistant, the state is left unwritten
                    return
        self._write(context)

    def _schedule(self) -> None:
        delays = self.options.repeat_s
        self._cancel = self.runtime.scheduler.call_later(delays[self._next_delay], self._due)
        self._next_delay = min(self._next_delay + 1, len(delays) - 1)

    def _due(self, _when: datetime) -> None:
        # A failed render schedules no next repeat: the alert falls silent.
        with contextlib.suppress(_RenderFailed):
            self._notify()

    def _notify(self) -> None:
        """Send the message unless acknowledged, then wait for the next repeat."""
        if not self.firing:
            return
        if not self.acknowledged:
            self._send_done_message = True
            message = self.options.message
            self._send(self._render(message) if message is not None else self.options.name)
        self._schedule()

    def _render(self, template: Template) -> str:
        """The template as text; a failure is logged and raised as ``_RenderFailed``,
        which stops the alert's procedure there, as Home Assistant's exception does."""
        try:
            return str(template.render(parse_result=False))
        except TemplateError as err:
            _LOGGER.error("%s: %s", self.entity_id, err)
            raise _RenderFailed from err

    def _send(self, message: str) -> None:
        if not self.options.notifiers:
            return
        payload: dict[str, Any] = {"message": message}
        if self.options.title is not None:
            payload["title"] = self._render(self.options.title)
        if self.options.data:
            payload["data"] = self.options.data
        services = self.runtime.services
        for notifier in self.options.notifiers:
            try:
                call = services.prepare(
                    "notify", notifier, dict(payload), context=self._context or Context()
                )
                answered, pending = services.run_at_once(call)
            except Exception as err:  # a notifier that cannot be called: the next repeat retries
                _LOGGER.error(
                    "%s: notify.%s failed, retrying at the next repeat: %s",
                    self.entity_id,
                    notifier,
                    err,
                )
                continue
            if not answered:
                self.runtime.create_task(pending, f"{self.entity_id} notify.{notifier}")

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        self._context = context
        if service == "toggle":
            service = "turn_on" if self.acknowledged else "turn_off"
        if service not in ("turn_on", "turn_off"):
            raise ValueError(f"{entity_id}: alert has no {service!r} service")
        self.acknowledged = service == "turn_off"
        self._write(context)
        return None


def setup_alerts(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every alert of the ``alert:`` block, and the ``alert.turn_on``/``turn_off``/
    ``toggle`` services when there is one; a bad item is reported and skipped."""
    read, issues = keyed_items(config, DOMAIN, "alert", lambda item, _: _options(runtime, item))
    alerts = [_Alert(runtime, f"{DOMAIN}.{key}", options) for key, options in read]
    if alerts:
        for command in ("turn_on", "turn_off", "toggle"):
            runtime.services.register_entity_service(DOMAIN, command)
    for alert in alerts:
        alert.start()
    return issues


def _options(runtime: Runtime, item: Any) -> _Options:
    if not isinstance(item, Mapping):
        raise OptionError(None, "expected a mapping with name, entity_id and repeat")
    refuse_unknown_keys(item, _KEYS, base=frozenset())
    for key in ("name", "entity_id", "repeat"):
        if item.get(key) is None:
            raise OptionError(key, f"{key!r} missing: an alert needs name, entity_id and repeat")
    watched = required_text_option(item, "entity_id").strip().lower()
    if "." not in watched or entity_slug(watched.partition(".")[2]) != watched.partition(".")[2]:
        raise OptionError(
            "entity_id", f"expected one entity id, such as binary_sensor.door, got {watched!r}"
        )
    notifiers = item.get("notifiers")
    listed = [] if notifiers is None else notifiers if isinstance(notifiers, list) else [notifiers]
    data = item.get("data")
    if data is not None and not isinstance(data, Mapping):
        raise OptionError("data", f"expected a mapping, got {data!r}")
    boolean_option(item, "can_acknowledge", True)  # checked as Home Assistant checks it; unused
    return _Options(
        name=required_text_option(item, "name"),
        watched=watched,
        alert_state=required_text_option(item, "state") if "state" in item else "on",
        repeat_s=_repeat_s(item["repeat"]),
        skip_first=boolean_option(item, "skip_first", False),
        message=_template(runtime, item, "message"),
        done_message=_template(runtime, item, "done_message"),
        title=_template(runtime, item, "title"),
        data=dict(data) if data else None,
        notifiers=tuple(required_text_option({"notifiers": n}, "notifiers") for n in listed),
    )


def _repeat_s(value: Any) -> tuple[float, ...]:
    listed = value if isinstance(value, list) else [value]
    delays = []
    for minutes in listed:
        try:
            number = float(minutes)
        except (TypeError, ValueError, OverflowError):  # overflow: past a float's range
            raise OptionError(
                "repeat", f"expected minutes (a number or a list), got {minutes!r}"
            ) from None
        if not number >= _SHORTEST_REPEAT_MIN:
            message = (
                f"each repeat must be at least {_SHORTEST_REPEAT_MIN} min (1 s), got {minutes!r}"
            )
            raise OptionError("repeat", message)
        delays.append(number * 60)
    if not delays:
        raise OptionError("repeat", "expected at least one delay in minutes")
    return tuple(delays)


def _template(runtime: Runtime, item: Mapping[str, Any], key: str) -> Template | None:
    if key not in item:
        return None
    template = get_template_engine(runtime).template(required_text_option(item, key))
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise OptionError(key, str(err)) from None
    return template
