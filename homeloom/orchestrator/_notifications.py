"""Notifications to the people of the house: ``notify.*`` and ``persistent_notification.*``.

Every notification is kept (the dashboard shows them) and announced with the
``homeloom_notification`` event; a person's pressure budget may hold some back
for a digest, but nothing is dropped.

The persistent notifications standing (made by ``persistent_notification.create`` or
``notify.persistent_notification``, until dismissed) are also kept as Home Assistant
2024.3 keeps them, one per id, and each change is told to the listeners of
:meth:`Notifications.listen_persistent` (its ``persistent_notification`` trigger).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from ._context import Context
from ._pressure import Pressure
from ._runtime import Runtime
from ._service_call import ServiceCall
from .types import Unsubscribe

__all__ = [
    "EVENT_NOTIFICATION",
    "Notification",
    "Notifications",
    "PersistentListener",
    "PersistentUpdate",
    "TemplateText",
]

_LOGGER = logging.getLogger(__name__)
EVENT_NOTIFICATION = "homeloom_notification"
KEPT = 500
# How the standing persistent notifications changed, in Home Assistant's words: made
# (again, for an id already standing: it is replaced, still "added") or dismissed.
PersistentUpdate = Literal["added", "removed"]
# Told each change: its kind, and the notifications it concerns, by id, each as Home
# Assistant gives it to its trigger (message, notification_id, title, created_at).
PersistentListener = Callable[[PersistentUpdate, dict[str, dict[str, Any]]], None]


class _Notify(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)
    message: Any
    title: Any = None
    target: Any = None
    data: dict[str, Any] | None = None


def _template_text(value: Any) -> Any:
    """As Home Assistant 2024.3's own notify services read a message or title (a
    template, so text): one rendered to a list or mapping ("{{ names | list }}"), or
    written as null, is refused; a number is its text."""
    if value is None:
        raise ValueError("template value is None")
    if isinstance(value, list | dict):
        raise ValueError("template value should be a string")
    return value


# A notify message or title as Home Assistant's own notify services take it.
TemplateText = Annotated[Any, BeforeValidator(_template_text)]


class _PersistentNotify(_Notify):
    """``notify.persistent_notification``, Home Assistant's own notify service (the
    others are a phone's or a platform's, which the oracle and homeloom take as given)."""

    message: TemplateText
    title: TemplateText = None


def _text_of(value: Any) -> Any:
    """As Home Assistant reads an id (``cv.string``): a number, which a template such as
    ``"{{ trigger.event.data.id }}"`` renders, is its text; a list or mapping is refused."""
    return str(value) if isinstance(value, int | float) else value


_Id = Annotated[str, BeforeValidator(_text_of)]


def _not_null(value: Any) -> Any:
    """As Home Assistant's ``cv.string``: a key written with no value (``title:``,
    ``null``) is refused, not read as left out."""
    if value is None:
        raise ValueError("must be a text, not null (leave the key out instead)")
    return value


_Written = Annotated[Any, AfterValidator(_not_null)]


class _Persistent(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    message: _Written
    title: _Written = None
    notification_id: _Id | None = None


class _Dismiss(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    notification_id: _Id


@dataclass(slots=True)
class Notification:
    id: str
    message: str
    title: str | None
    channel: str  # notify.<name> or persistent
    created: datetime
    recipient: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    dismissed: bool = False
    held: bool = False  # waiting in the recipient's digest

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        return cls(**{**data, "created": datetime.fromisoformat(data["created"])})


class Notifications:
    """The notifications sent so far; kept as ``runtime.components["notifications"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.items: deque[Notification] = deque(maxlen=KEPT)
        self._ids = itertools.count(1)
        # The persistent notifications standing, by id, in the order they were made.
        self.persistent: dict[str, dict[str, Any]] = {}
        self._persistent_listeners: list[PersistentListener] = []
        runtime.components["notifications"] = self
        services = runtime.services
        services.set_fallback("notify", self._open_channel)
        if not services.has("notify", "notify"):
            services.register("notify", "notify", self._notify, schema=_Notify)
            services.register(
                "notify",
                "persistent_notification",
                self._notify_persistent,
                schema=_PersistentNotify,
            )
            services.register(
                "persistent_notification", "create", self._persistent, schema=_Persistent
            )
            services.register("persistent_notification", "dismiss", self._dismiss, schema=_Dismiss)
            # As Home Assistant's, it takes any data and reads none.
            services.register("persistent_notification", "dismiss_all", self._dismiss_all)

    def listen_persistent(self, listener: PersistentListener) -> Unsubscribe:
        """Tell ``listener`` each change of the standing persistent notifications."""
        self._persistent_listeners.append(listener)

        def unlisten() -> None:
            if listener in self._persistent_listeners:
                self._persistent_listeners.remove(listener)

        return unlisten

    def add_channel(self, name: str, recipient: str | None = None) -> None:
        """``notify.<name>``: a person's own channel (a phone, say).

        Channels need no configuration: the first call to ``notify.<name>`` (a
        Home Assistant automation's ``notify.mobile_app_alices_phone``, say)
        opens it, and its messages go to the dashboard for ``<name>``, within
        that recipient's pressure budget.
        """

        def send(call: ServiceCall) -> None:
            self.send(call, f"notify.{name}", recipient)

        self.runtime.services.register("notify", name, send, schema=_Notify)

    def _open_channel(self, name: str) -> None:
        _LOGGER.info("notify.%s: a new channel; its messages are kept for %s", name, name)
        self.add_channel(name, name)

    def send(self, call: ServiceCall, channel: str, recipient: str | None = None) -> Notification:
        """Send what a ``notify`` call asks for, within the recipient's pressure budget."""
        title = call.data.get("title")
        extra = call.data.get("data")
        return self.tell(
            str(call.data.get("message", "")),
            title=str(title) if title is not None else None,
            channel=channel,
            recipient=recipient or _text(call.data.get("target")),
            data=dict(extra) if isinstance(extra, dict) else {},
            notification_id=call.data.get("notification_id"),
            context=call.context,
        )

    def tell(
        self,
        message: str,
        *,
        title: str | None = None,
        channel: str = "notify.notify",
        recipient: str | None = None,
        data: dict[str, Any] | None = None,
        notification_id: str | None = None,
        context: Context | None = None,
    ) -> Notification:
        """One notification: delivered now, or held back for the recipient's digest."""
        item = Notification(
            id=str(notification_id or f"n{next(self._ids)}"),
            message=message,
            title=title,
            channel=channel,
            created=self.runtime.now(),
            recipient=recipient,
            data=data or {},
        )
        pressure = self.runtime.components.get("pressure")
        # Persistent notifications wait quietly on the dashboard: they interrupt nobody.
        if isinstance(pressure, Pressure) and channel != "persistent":
            item.held = not pressure.offer(recipient, item.as_dict())
            return item
        self._publish(item, context)
        return item

    def deliver(self, person: str, items: list[dict[str, Any]], digest: bool) -> None:
        """What the pressure budget lets through: one item, or a digest of held ones."""
        if not digest:
            self._publish(Notification.from_dict(items[0]))
            return
        lines = [
            f"- {item['title']}: {item['message']}" if item.get("title") else f"- {item['message']}"
            for item in items
        ]
        summary = Notification(
            id=f"n{next(self._ids)}",
            message="\n".join(lines),
            title=f"{len(items)} held back while you were not to be disturbed",
            channel="digest",
            created=self.runtime.now(),
            recipient=person,
            data={"digest": items},
        )
        self._publish(summary)

    def _publish(self, item: Notification, context: Context | None = None) -> None:
        item.held = False
        self.items.append(item)
        self.runtime.bus.fire(EVENT_NOTIFICATION, item.as_dict(), context)

    def _notify(self, call: ServiceCall) -> None:
        self.send(call, call.name)

    def create_persistent(
        self,
        message: str,
        *,
        title: str | None = None,
        notification_id: Any = None,
        context: Context | None = None,
    ) -> Notification:
        """A persistent notification, standing until dismissed: it replaces one of the
        same id, and the listeners are told it was added. Without an id, one is made as
        Home Assistant makes it (a random hex text), so that the dashboard's item and
        the standing notification are dismissed alike."""
        key = str(notification_id) if notification_id is not None else uuid.uuid4().hex
        for earlier in self.items:  # replaced: the dashboard shows the new one only
            if earlier.id == key and earlier.channel == "persistent":
                earlier.dismissed = True
        item = self.tell(
            message, title=title, channel="persistent", notification_id=key, context=context
        )
        standing = {
            "message": message,
            "notification_id": key,
            "title": title,
            "created_at": self.runtime.now().astimezone(UTC),
        }
        self.persistent.pop(key, None)  # made again: it moves to the end, as a new one
        self.persistent[key] = standing
        self._tell_persistent("added", {key: standing})
        return item

    def _persistent(self, call: ServiceCall) -> None:
        self.create_persistent(
            str(call.data.get("message", "")),
            title=_title(call.data.get("title")),
            notification_id=call.data.get("notification_id"),
            context=call.context,
        )

    def _notify_persistent(self, call: ServiceCall) -> None:
        """``notify.persistent_notification``: as in Home Assistant, a persistent
        notification, its id taken from ``data.notification_id``."""
        extra = call.data.get("data")
        self.create_persistent(
            str(call.data.get("message", "")),
            title=_title(call.data.get("title")),
            notification_id=extra.get("notification_id") if isinstance(extra, dict) else None,
            context=call.context,
        )

    def _dismiss(self, call: ServiceCall) -> None:
        notification_id = call.data["notification_id"]
        for item in self.items:
            if item.id == notification_id:
                item.dismissed = True
        # Dismissing an id that is not standing changes nothing and tells no one.
        standing = self.persistent.pop(notification_id, None)
        if standing is not None:
            self._tell_persistent("removed", {notification_id: standing})

    def _dismiss_all(self, call: ServiceCall) -> None:
        for item in self.items:
            if item.channel == "persistent":
                item.dismissed = True
        removed, self.persistent = self.persistent, {}
        # As Home Assistant: told even when none was standing (its listeners then
        # see no notification, so no trigger fires).
        self._tell_persistent("removed", removed)

    def _tell_persistent(
        self, update: PersistentUpdate, changed: dict[str, dict[str, Any]]
    ) -> None:
        for listener in list(self._persistent_listeners):
            try:
                listener(update, changed)
            except Exception:  # one listener's failure must not keep the others untold
                _LOGGER.exception("a persistent notification listener failed")


def _title(value: Any) -> str | None:
    return str(value) if value is not None else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
