"""MQTT device triggers: what ``homeassistant/device_automation/.../config`` announces.

A button or remote announces each of its triggers (a topic and the payload that
means "pressed once", say); a Home Assistant automation refers to one by its
``discovery_id`` (``"<node_id> <object_id>"`` of the discovery topic). Scenarios
may start before the announcement arrives (it is retained, and comes after the
connection), so a scenario watches an id and is attached whenever its
announcement comes, changes or goes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import Unsubscribe

from ._router import MqttMessage, MqttRouter
from ._values import PayloadError, ValueTemplates

__all__ = ["DeviceTriggers", "discovery_key"]

Fire = Callable[[dict[str, Any]], None]


def discovery_key(node_id: str | None, object_id: str) -> str:
    """The ``discovery_id`` an automation names: ``"<node_id> <object_id>"``."""
    return f"{node_id} {object_id}" if node_id else object_id


@dataclass(slots=True)
class _Trigger:
    topic: str
    payload: str | None
    value_template: str | None
    type: str
    subtype: str
    qos: int


@dataclass(slots=True)
class _Watch:
    fire: Fire
    undo: Unsubscribe | None = None


@dataclass(slots=True)
class DeviceTriggers:
    router: MqttRouter
    templates: ValueTemplates = field(default_factory=ValueTemplates)
    _known: dict[str, _Trigger] = field(default_factory=dict)
    _watches: dict[str, list[_Watch]] = field(default_factory=dict)

    def configure(self, key: str, config: Mapping[str, Any]) -> None:
        """An announcement; raises ``PayloadError`` for a malformed one."""
        if config.get("automation_type", "trigger") != "trigger":
            raise PayloadError("automation_type must be 'trigger'")
        topic, kind, subtype = config.get("topic"), config.get("type"), config.get("subtype")
        if not isinstance(topic, str) or not topic:
            raise PayloadError("a device trigger needs a 'topic'")
        if not isinstance(kind, str) or not isinstance(subtype, str):
            raise PayloadError("a device trigger needs 'type' and 'subtype'")
        payload = config.get("payload")
        template = config.get("value_template")
        self._known[key] = _Trigger(
            topic,
            None if payload is None else str(payload),
            None if template is None else str(template),
            kind,
            subtype,
            int(config.get("qos", 0)),
        )
        for watch in self._watches.get(key, []):
            self._attach(key, watch)

    def remove(self, key: str) -> None:
        self._known.pop(key, None)
        for watch in self._watches.get(key, []):
            self._detach(watch)

    def known(self) -> dict[str, tuple[str, str]]:
        """Every announced trigger: its (type, subtype), by discovery id."""
        return {key: (t.type, t.subtype) for key, t in self._known.items()}

    def watch(self, key: str, fire: Fire) -> Unsubscribe:
        """Call ``fire`` each time the trigger ``key`` happens, from whenever it is known."""
        watch = _Watch(fire)
        self._watches.setdefault(key, []).append(watch)
        if key in self._known:
            self._attach(key, watch)

        def stop() -> None:
            self._detach(watch)
            watches = self._watches.get(key, [])
            if watch in watches:
                watches.remove(watch)

        return stop

    def _detach(self, watch: _Watch) -> None:
        if watch.undo is not None:
            watch.undo()
            watch.undo = None

    def _attach(self, key: str, watch: _Watch) -> None:
        self._detach(watch)
        trigger = self._known[key]

        def on_message(message: MqttMessage) -> None:
            if trigger.payload is not None:
                value = self.templates.render(trigger.value_template, message.text)
                if value != trigger.payload:
                    return
            watch.fire(
                {
                    "discovery_id": key,
                    "topic": message.topic,
                    "payload": message.text,
                    "type": trigger.type,
                    "subtype": trigger.subtype,
                    "description": f"mqtt device trigger {trigger.type} {trigger.subtype}",
                }
            )

        watch.undo = self.router.subscribe(trigger.topic, on_message, trigger.qos)
