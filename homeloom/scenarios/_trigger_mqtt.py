"""The ``mqtt`` trigger: a message on a topic (``+`` and ``#`` wildcards), optionally with a
given payload, or a value drawn from it by ``value_template``.

The MQTT adapter keeps its message router in ``runtime.components["mqtt"]``;
this module only relies on its ``subscribe(topic_filter, handler, qos)``, so
scenarios do not import the adapter.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from homeloom.orchestrator import Runtime, Unsubscribe

from ._errors import fail
from ._templates import TemplateEngine, TemplateError, get_template_engine
from ._triggers import TRIGGER_VARIABLES, Fire, Validate

__all__ = ["MQTT_DEVICE_TRIGGER", "MQTT_PLATFORMS"]

_LOGGER = logging.getLogger(__name__)
_NOT_CONFIGURED = "mqtt triggers need the MQTT adapter, which is not configured"


class _Message(Protocol):
    topic: str
    qos: int

    @property
    def text(self) -> str: ...


class _Router(Protocol):
    def subscribe(
        self, topic_filter: str, handler: Callable[[Any], None], qos: int = 0
    ) -> Unsubscribe: ...


def _router(runtime: Runtime) -> _Router | None:
    router = runtime.components.get("mqtt")
    return router if callable(getattr(router, "subscribe", None)) else None


def _topic_problem(topic: str) -> str | None:
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return "'#' must be a whole level, and the last one"
        if "+" in level and level != "+":
            return "'+' must be a whole level"
    return None


def _require_adapter(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if _router(runtime) is None:
        key = "platform" if "platform" in config else "trigger"
        raise fail(config, key, f"{config['_path']}.{key}", _NOT_CONFIGURED)


def _validate_mqtt(runtime: Runtime, config: Mapping[str, Any]) -> None:
    path = config["_path"]
    topic = config.get("topic")
    if not isinstance(topic, str) or not topic:
        raise fail(config, "topic", f"{path}.topic", "'topic' is required (a topic or a filter)")
    # A templated topic is checked once rendered, at attaching.
    problem = None if get_template_engine(runtime).is_template(topic) else _topic_problem(topic)
    if problem is not None:
        raise fail(config, "topic", f"{path}.topic", f"{topic!r}: {problem}")
    if str(config.get("qos", 0)) not in ("0", "1", "2"):
        raise fail(config, "qos", f"{path}.qos", "qos must be 0, 1 or 2")
    template = config.get("value_template")
    if template is not None:
        try:
            get_template_engine(runtime).template(str(template)).ensure_valid()
        except TemplateError as err:
            raise fail(config, "value_template", f"{path}.value_template", str(err)) from None
    _require_adapter(runtime, config)


def _attach_mqtt(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    router = _router(runtime)
    if router is None:
        _LOGGER.error("%s: %s", config["_path"], _NOT_CONFIGURED)
        return lambda: None
    engine = get_template_engine(runtime)
    # As Home Assistant: a templated topic or payload is rendered once, at attaching,
    # with the automation's variables (``this``, ``trigger_variables``).
    variables = config.get(TRIGGER_VARIABLES) or {}
    try:
        topic = _rendered(engine, config["topic"], variables)
        wanted = config.get("payload")
        if wanted is not None:
            wanted = _rendered(engine, wanted, variables)
    except TemplateError as err:
        _LOGGER.error("%s: %s", config["_path"], err)
        return lambda: None
    problem = _topic_problem(topic)
    if problem is not None:
        _LOGGER.error("%s: topic %r: %s", config["_path"], topic, problem)
        return lambda: None
    template = config.get("value_template")

    def on_message(message: _Message) -> None:
        payload = message.text
        variables: dict[str, Any] = {"value": payload}
        with contextlib.suppress(ValueError, RecursionError):
            variables["value_json"] = json.loads(payload)
        if wanted is not None:
            value: Any = payload
            if template is not None:
                try:
                    value = engine.template(str(template)).render(variables, parse_result=False)
                except TemplateError as err:
                    _LOGGER.warning("mqtt trigger on %s: %s", message.topic, err)
                    return
            if str(value).strip() != str(wanted):
                return
        data: dict[str, Any] = {
            "topic": message.topic,
            "payload": payload,
            "qos": message.qos,
            "description": f"mqtt topic {message.topic}",
        }
        if "value_json" in variables:
            data["payload_json"] = variables["value_json"]
        fire(data, None)

    return router.subscribe(topic, on_message, int(config.get("qos", 0)))


def _rendered(engine: TemplateEngine, written: Any, variables: Mapping[str, Any]) -> str:
    text = str(written)
    if not engine.is_template(text):
        return text
    return str(engine.template(text).render(variables, parse_result=False))


class _DeviceTriggers(Protocol):
    def watch(self, key: str, fire: Callable[[dict[str, Any]], None]) -> Unsubscribe: ...


def _device_triggers(runtime: Runtime) -> _DeviceTriggers | None:
    found = runtime.components.get("mqtt_device_triggers")
    return found if callable(getattr(found, "watch", None)) else None


def _validate_mqtt_device(runtime: Runtime, config: Mapping[str, Any]) -> None:
    path = config["_path"]
    discovery_id = config.get("discovery_id")
    if not isinstance(discovery_id, str) or not discovery_id.strip():
        message = "an mqtt device trigger needs 'discovery_id' (\"<node_id> <object_id>\")"
        raise fail(config, "discovery_id", f"{path}.discovery_id", message)
    _require_adapter(runtime, config)


def _attach_mqtt_device(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    triggers = _device_triggers(runtime)
    if triggers is None:
        _LOGGER.error("%s: %s", config["_path"], _NOT_CONFIGURED)
        return lambda: None
    wanted = (config.get("type"), config.get("subtype"))

    def happened(data: dict[str, Any]) -> None:
        if None not in wanted and (data["type"], data["subtype"]) != wanted:
            return  # the id was reused for another button: not this trigger
        fire({**data, "platform": "device"}, None)

    return triggers.watch(str(config["discovery_id"]).strip(), happened)


MQTT_PLATFORMS: dict[
    str, tuple[Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe], Validate]
] = {"mqtt": (_attach_mqtt, _validate_mqtt)}
# Reached through ``platform: device`` with ``domain: mqtt``, never by its own name.
MQTT_DEVICE_TRIGGER = (_attach_mqtt_device, _validate_mqtt_device)
