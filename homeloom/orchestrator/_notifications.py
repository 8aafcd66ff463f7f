"""Notifications to the people of the house: ``notify.*`` and ``persistent_notification.*``.

Every notification is kept (the dashboard shows them) and announced with the
``homeloom_notification`` event; a person's pressure budget may hold some back
for a digest, but nothing is dropped.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ._context import Context
from ._pressure import Pressure
from ._runtime import Runtime
from ._service_call import ServiceCall

__all__ = ["EVENT_NOTIFICATION", "Notification", "Notifications"]

_LOGGER = logging.getLogger(__name__)
EVENT_NOTIFICATION = "homeloom_notification"
KEPT = 500


class _Notify(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)
    message: Any
    title: Any = None
    target: Any = None
    data: dict[str, Any] | None = None


class _Persistent(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    message: Any
    title: Any = None
    notification_id: str | None = None


class _Dismiss(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    notification_id: str


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
        runtime.components["notifications"] = self
        services = runtime.services
        services.set_fallback("notify", self._open_channel)
        if not services.has("notify", "notify"):
            services.register("notify", "notify", self._notify, schema=_Notify)
            services.register("notify", "persistent_notification", self._notify, schema=_Notify)
            services.register(
                "persistent_notification", "create", self._persistent, schema=_Persistent
            )
            services.register("persistent_notification", "dismiss", self._dismiss, schema=_Dismiss)

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

    def _persistent(self, call: ServiceCall) -> None:
        self.send(call, "persistent")

    def _dismiss(self, call: ServiceCall) -> None:
        for item in self.items:
            if item.id == call.data["notification_id"]:
                item.dismissed = True


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
