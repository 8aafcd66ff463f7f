"""Subscriptions by topic filter, and dispatching received messages to their handlers.

One router lives as long as the runtime (``runtime.components["mqtt"]``), so
what subscribed to it (scenario triggers) survives an adapter restart: each
new connection subscribes every filter the router holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from homeloom.orchestrator import AdapterError, Unsubscribe

from ._topics import is_wildcard, topic_matches, validate_topic

__all__ = ["MessageHandler", "MqttMessage", "MqttRouter", "Transport"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MqttMessage:
    """One message received from the broker."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    #: How its reader decodes the payload (a device's ``encoding``); empty: not at all.
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        if not self.encoding:
            return str(self.payload)  # raw bytes, written as Home Assistant writes them
        return self.payload.decode(self.encoding, errors="replace")

    @property
    def value(self) -> str | bytes:
        """The payload as a template's ``value``: decoded, or the bytes themselves."""
        return self.text if self.encoding else self.payload


MessageHandler = Callable[[MqttMessage], None]


class Transport(Protocol):
    """What the router needs from a live connection."""

    async def publish(self, topic: str, payload: str | bytes, qos: int, retain: bool) -> None: ...

    def subscribe_soon(self, topic_filter: str, qos: int) -> None: ...

    def unsubscribe_soon(self, topic_filter: str) -> None: ...

    async def subscriptions_settled(self) -> None: ...


@dataclass(slots=True)
class _Subscription:
    topic_filter: str
    handler: MessageHandler
    qos: int


class MqttRouter:
    """Handlers by topic filter; exact topics are found by a dict look-up."""

    def __init__(self) -> None:
        self._exact: dict[str, list[_Subscription]] = {}
        self._wildcard: dict[str, list[_Subscription]] = {}
        self.transport: Transport | None = None
        self.adapter = "mqtt"

    @property
    def connected(self) -> bool:
        return self.transport is not None

    def subscribe(self, topic_filter: str, handler: MessageHandler, qos: int = 0) -> Unsubscribe:
        """Call ``handler`` for each message matching ``topic_filter``; returns the undo."""
        validate_topic(topic_filter)
        if qos not in (0, 1, 2):
            raise ValueError(f"qos must be 0, 1 or 2, not {qos!r}")
        table = self._wildcard if is_wildcard(topic_filter) else self._exact
        entries = table.setdefault(topic_filter, [])
        new_filter = not entries
        raised = bool(entries) and qos > max(s.qos for s in entries)
        subscription = _Subscription(topic_filter, handler, qos)
        entries.append(subscription)
        if (new_filter or raised) and self.transport is not None:
            self.transport.subscribe_soon(topic_filter, qos)

        def unsubscribe() -> None:
            current = table.get(topic_filter)
            if current is None or subscription not in current:
                return
            current.remove(subscription)
            if not current:
                del table[topic_filter]
                if self.transport is not None:
                    self.transport.unsubscribe_soon(topic_filter)

        return unsubscribe

    def filters(self) -> dict[str, int]:
        """Every filter subscribed, with the highest QoS asked for it."""
        return {
            topic_filter: max(s.qos for s in entries)
            for table in (self._exact, self._wildcard)
            for topic_filter, entries in table.items()
        }

    async def subscribed(self) -> None:
        """Return once the broker has acknowledged every (un)subscription asked for so far:
        a message published after that reaches the handlers subscribed before."""
        transport = self.transport
        if transport is not None:
            await transport.subscriptions_settled()

    def dispatch(self, message: MqttMessage) -> None:
        """Hand ``message`` to every matching handler; one failing never stops the others."""
        matched = list(self._exact.get(message.topic, ()))
        for topic_filter, entries in self._wildcard.items():
            if topic_matches(topic_filter, message.topic):
                matched.extend(entries)
        for subscription in matched:
            try:
                subscription.handler(message)
            except Exception:
                _LOGGER.exception(
                    "handler for %s failed on a message on %s",
                    subscription.topic_filter,
                    message.topic,
                )

    async def publish(
        self, topic: str, payload: str | bytes, qos: int = 0, retain: bool = False
    ) -> None:
        """Publish through the live connection; AdapterError while there is none."""
        validate_topic(topic, wildcards=False)
        transport = self.transport
        if transport is None:
            raise AdapterError(self.adapter, f"not connected to the broker; cannot publish {topic}")
        await transport.publish(topic, payload, qos, retain)
