"""The base of every Home Assistant MQTT discovery entity: config, templates, topics, commands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from homeloom.orchestrator import STATE_UNKNOWN, ServiceValidationError, Unsubscribe

from ._entities import EntityBook
from ._router import MqttMessage
from ._values import PayloadError, ValueTemplates, as_number, parse_json

__all__ = ["COMMON_OPTIONS", "HaContext", "HaEntity", "StateHandler", "chain", "on_off"]

StateHandler = Callable[[MqttMessage], None]
Publish = Callable[[str, str | bytes, int, bool], Awaitable[None]]

#: The options of every platform that the discovery machinery reads (naming, the
#: registry, availability, JSON attributes, icons).
COMMON_OPTIONS = frozenset(
    {
        *("name", "unique_id", "object_id", "default_entity_id", "device", "origin"),
        *("platform", "availability", "availability_mode", "availability_topic"),
        *("availability_template", "payload_available", "payload_not_available"),
        *("json_attributes_topic", "json_attributes_template", "qos", "icon"),
        *("entity_picture", "device_class", "entity_category", "enabled_by_default"),
        "encoding",
    }
)
# Keys of a JSON attributes payload Home Assistant 2024.3 never shows (``mixins.py``),
# and the friendly name, which it writes over them.
_BLOCKED_JSON_ATTRIBUTES = frozenset(
    {
        *("assumed_state", "available", "device_class", "device_info", "entity_category"),
        *("entity_picture", "entity_registry_enabled_default", "extra_state_attributes"),
        *("force_update", "icon", "name", "should_poll", "state", "supported_features"),
        *("unique_id", "unit_of_measurement", "friendly_name"),
    }
)


@dataclass(slots=True)
class HaContext:
    """What a discovered entity may use: the entity book, templates, publishing, the clock."""

    book: EntityBook
    templates: ValueTemplates
    publish: Publish
    now: Callable[[], Any]
    logger: logging.Logger
    call_later: Callable[[float, Callable[[Any], Any]], Unsubscribe]


class HaEntity:
    """One entity described by a discovery config (already expanded, ``~`` resolved)."""

    domain: ClassVar[str] = ""
    #: Keys the config must have.
    required: ClassVar[tuple[str, ...]] = ()
    #: The platform's own options this entity reads (besides :data:`COMMON_OPTIONS`).
    reads: ClassVar[frozenset[str]] = frozenset()
    #: JSON attributes this platform keeps out, besides the ones every platform does.
    blocked_json_attributes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, ctx: HaContext, config: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.config = config
        self.entity_id = ""
        for key in self.required:
            if not isinstance(config.get(key), str | list) or not config.get(key):
                raise PayloadError(f"{self.domain} needs {key!r}")
        self.qos = int(config.get("qos", 0))
        if self.qos not in (0, 1, 2):
            raise PayloadError(f"qos must be 0, 1 or 2, not {self.qos}")
        self.retain = bool(config.get("retain", False))
        # ``encoding``: how payloads are decoded and commands encoded; empty: raw bytes.
        encoding = config.get("encoding")
        self.encoding = "utf-8" if encoding is None else str(encoding)
        if self.encoding != "utf-8":
            self.ctx = replace(ctx, publish=self._encoding_publish(ctx.publish))
        self._timers: dict[str, Unsubscribe] = {}
        self._json_keys: set[str] = set()  # the attributes the last JSON attributes set

    @classmethod
    def unread_options(cls, config: Mapping[str, Any]) -> list[str]:
        """The options of ``config`` this entity does not act on (to warn about)."""
        return sorted(
            str(key) for key in config if key not in COMMON_OPTIONS and key not in cls.reads
        )

    def shown_options(self) -> dict[str, Any]:
        """The config's own ``icon`` and ``entity_picture``, shown on each state."""
        return {
            key: str(self.config[key])
            for key in ("icon", "entity_picture")
            if self.config.get(key) not in (None, "")
        }

    # --- for subclasses ------------------------------------------------------------------

    def initial_state(self) -> str:
        return STATE_UNKNOWN

    def attributes(self) -> dict[str, Any]:
        """Attributes known from the config alone (unit, options, colour modes...)."""
        return {}

    def state_topics(self) -> dict[str, StateHandler]:
        """The topics to listen to, each with what reads it."""
        return {}

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        raise self.cannot(service)

    def close(self) -> None:
        """The entity is removed or reconfigured: cancel its timers."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    # --- helpers -----------------------------------------------------------------------------

    def option(self, key: str, default: Any = None) -> Any:
        value = self.config.get(key)
        return default if value is None else value

    @property
    def optimistic(self) -> bool:
        """No state topic (or ``optimistic: true``): assume a command did what it asked."""
        return bool(self.config.get("optimistic", not self.config.get("state_topic")))

    def render(self, template_key: str, message: MqttMessage) -> str:
        return self.ctx.templates.render(self.config.get(template_key), message.value)

    def report(
        self,
        state: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        *,
        force_update: bool = False,
        shown_null: Collection[str] = (),
    ) -> None:
        self.ctx.book.update(
            self.entity_id, state, attributes, force_update=force_update, shown_null=shown_null
        )

    @property
    def force_update(self) -> bool:
        """``force_update``: each state message is a state change event, even a repeat."""
        return bool(self.config.get("force_update", False))

    def later(self, name: str, seconds: float | None, action: Callable[[], None]) -> None:
        """Run ``action`` after ``seconds`` on the house clock, replacing a pending ``name``."""
        cancel = self._timers.pop(name, None)
        if cancel is not None:
            cancel()
        if seconds is not None and seconds > 0:

            def fire(_: Any) -> None:
                self._timers.pop(name, None)
                action()

            self._timers[name] = self.ctx.call_later(seconds, fire)

    def received(self) -> None:
        """A state message came: with ``expire_after``, the state expires without the next."""
        expire_after = as_number(self.config.get("expire_after"))
        if expire_after is None or expire_after <= 0:
            return
        self.ctx.book.set_expired(self.entity_id, False)
        self.later("expire", expire_after, lambda: self.ctx.book.set_expired(self.entity_id, True))

    @property
    def current(self) -> str:
        tracked = self.ctx.book.get(self.entity_id)
        return tracked.state if tracked is not None else STATE_UNKNOWN

    def current_attribute(self, name: str) -> Any:
        tracked = self.ctx.book.get(self.entity_id)
        return tracked.attributes.get(name) if tracked is not None else None

    async def send(
        self,
        topic_key: str,
        payload: Any,
        template_key: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        topic = self.config.get(topic_key)
        if not topic:
            raise ServiceValidationError(
                self.domain, "", "", f"{self.entity_id} has no {topic_key}; it takes no commands"
            )
        template = self.config.get(template_key) if template_key else None
        text = self.ctx.templates.command(template, payload, variables)
        await self.ctx.publish(str(topic), text, self.qos, self.retain)

    def cannot(self, service: str) -> ServiceValidationError:
        return ServiceValidationError(self.domain, service, "", f"{self.entity_id} cannot do that")

    def json_attributes(self, message: MqttMessage) -> None:
        """``json_attributes_topic``: a JSON object whose keys become attributes; each
        object replaces the last one's (its keys that are gone are removed)."""
        text = self.render("json_attributes_template", message)
        values = parse_json(text)
        if not isinstance(values, Mapping):
            raise PayloadError("json attributes must be a JSON object")
        blocked = _BLOCKED_JSON_ATTRIBUTES | self.blocked_json_attributes
        shown = {str(k): v for k, v in values.items() if str(k) not in blocked}
        gone = {key: None for key in self._json_keys - shown.keys()}
        self._json_keys = set(shown)
        self.report(attributes={**gone, **shown})

    def topics_of(self, *pairs: tuple[str, StateHandler]) -> dict[str, StateHandler]:
        """``(config key, handler)`` pairs as topics; two features on one topic both read it."""
        topics: dict[str, StateHandler] = {}
        for key, handler in pairs:
            topic = self.config.get(key)
            if isinstance(topic, str) and topic:
                previous = topics.get(topic)
                topics[topic] = handler if previous is None else chain(previous, handler)
        return topics

    def all_topics(self) -> dict[str, StateHandler]:
        topics = dict(self.state_topics())
        for topic, handler in self.topics_of(
            ("json_attributes_topic", self.json_attributes)
        ).items():
            previous = topics.get(topic)
            topics[topic] = handler if previous is None else chain(previous, handler)
        return {topic: self.decoding(handler) for topic, handler in topics.items()}

    def decoding(self, handler: StateHandler) -> StateHandler:
        """``handler`` given each message decoded with the entity's ``encoding``; one
        that does not decode is not read (Home Assistant drops it with a warning)."""
        encoding = self.encoding

        def decoded(message: MqttMessage) -> None:
            if encoding:
                try:
                    message.payload.decode(encoding)
                except (UnicodeDecodeError, LookupError) as err:
                    raise PayloadError(
                        f"the payload does not decode as {encoding!r}: {err}"
                    ) from None
            handler(
                message if message.encoding == encoding else replace(message, encoding=encoding)
            )

        return decoded

    def _encoding_publish(self, publish: Publish) -> Publish:
        """``publish`` sending text encoded with the entity's ``encoding``; with none
        (raw bytes) or text that does not encode, nothing goes out and an error is
        logged, as Home Assistant does."""
        encoding = self.encoding

        async def encoded(topic: str, payload: str | bytes, qos: int, retain: bool) -> None:
            if isinstance(payload, str):
                if not encoding:
                    self.ctx.logger.error(
                        "%s: with encoding '' (raw bytes) the text %r cannot go to %s;"
                        " not published",
                        self.entity_id,
                        payload,
                        topic,
                    )
                    return
                try:
                    payload = payload.encode(encoding)
                except (UnicodeEncodeError, LookupError) as err:
                    self.ctx.logger.error(
                        "%s: cannot encode %r for %s as %r: %s; not published",
                        *(self.entity_id, payload, topic, encoding, err),
                    )
                    return
            await publish(topic, payload, qos, retain)

        return encoded


def chain(first: StateHandler, second: StateHandler) -> StateHandler:
    """One handler for a topic that two features read."""

    def handler(message: MqttMessage) -> None:
        first(message)
        second(message)

    return handler


def on_off(value: str, on: Any, off: Any) -> str | None:
    """``on``/``off``/``unknown`` for a payload, or None when it is neither."""
    if value == str(on):
        return "on"
    if value == str(off):
        return "off"
    if value in ("", "None"):
        return STATE_UNKNOWN
    return None
