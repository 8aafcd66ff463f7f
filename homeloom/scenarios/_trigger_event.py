"""Triggers on what happens in the house: events on the bus, start and stop, entering
or leaving a zone, a device (as the trigger it stands for) and spoken sentences."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import (
    EVENT_HOMELOOM_START,
    EVENT_HOMELOOM_STARTING,
    EVENT_HOMELOOM_STOP,
    Context,
    Event,
    Runtime,
    State,
    Unsubscribe,
)

from ._condition_zone import in_zone
from ._device_automations import device_trigger
from ._errors import fail
from ._template_repr import template_event
from ._templates import get_template_engine
from ._trigger_state import STATE_PLATFORMS
from ._triggers import TRIGGER_VARIABLES, Attach, Fire, Validate, as_list, entity_ids_of

__all__ = ["BEFORE_AUTOMATIONS", "EVENT_PLATFORMS"]

# Set (true) on a ``homeassistant`` trigger of an integration, not an automation (a
# trigger-based template entity's): its start fires before the automations attach, as
# Home Assistant's template entities attach theirs as it starts, its automations once
# it has started (they do not see what such a start trigger changes).
BEFORE_AUTOMATIONS = "_before_automations"

_LOGGER = logging.getLogger(__name__)


# --- events, start and stop -----------------------------------------------------------

Match = Callable[[Mapping[str, Any]], bool]

# Home Assistant's names of homeloom's own events. Not its start and started: its
# automations attach their triggers as it has started, after both events, so an
# event trigger on them never fires at boot (the ``homeassistant`` trigger does).
_EVENT_ALIASES = {"homeassistant_stop": EVENT_HOMELOOM_STOP}
_HOME_ASSISTANT_NAMES = {ours: theirs for theirs, ours in _EVENT_ALIASES.items()}


def _validate_event(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if not as_list(config.get("event_type")):
        raise fail(
            config, "event_type", f"{config['_path']}.event_type", "'event_type' is required"
        )
    for key in ("event_data", "context"):
        if key in config and not isinstance(config[key], Mapping):
            raise fail(config, key, f"{config['_path']}.{key}", f"'{key}' must be a mapping")


def _items_match(wanted: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    """Every wanted key present with an equal value (``1`` and ``1.0``, not ``"1"``; a list
    only the same list), as Home Assistant's ``data.items() >= wanted.items()``."""
    for key, value in wanted.items():
        if key not in actual:
            return False
        got = actual[key]
        if got is not value and got != value:
            return False
    return True


def _schema_match(schema: Any, data: Any) -> bool:
    """``data`` against a plain value as a voluptuous schema (Home Assistant's slow path,
    when a wanted value is a mapping): a mapping checks only the keys it names that
    ``data`` has, a list needs a list whose every item matches one of its items (the
    empty list only the empty list), and any other value equality."""
    if isinstance(schema, Mapping):
        if not isinstance(data, Mapping):
            return False
        return all(
            key not in data or _schema_match(value, data[key]) for key, value in schema.items()
        )
    if isinstance(schema, list):
        if not isinstance(data, list):
            return False
        return all(any(_schema_match(option, item) for option in schema) for item in data)
    return bool(data == schema)


def _matcher(wanted: Mapping[str, Any], nested: type) -> Match | None:
    """A check of an event's data or context: the items comparison, or the schema one
    when a wanted value is a ``nested`` (a mapping for data, a list for context)."""
    if not wanted:
        return None
    if not any(isinstance(value, nested) for value in wanted.values()):
        return lambda actual: _items_match(wanted, actual)
    if nested is list:  # the context's lists are choices (several user ids)

        def choices(actual: Mapping[str, Any]) -> bool:
            for key, value in wanted.items():
                if key not in actual:
                    return False
                got = actual[key]
                if not (got in value if isinstance(value, list) else _schema_match(value, got)):
                    return False
            return True

        return choices
    return lambda actual: all(
        key in actual and _schema_match(value, actual[key]) for key, value in wanted.items()
    )


def _attach_event(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    # Rendered once, with the automation's trigger_variables, as Home Assistant does.
    engine = get_template_engine(runtime)
    variables = config.get(TRIGGER_VARIABLES) or {}
    types = [str(t) for t in engine.render_complex(as_list(config.get("event_type")), variables)]
    match_data = _matcher(engine.render_complex(config.get("event_data") or {}, variables), Mapping)
    match_context = _matcher(engine.render_complex(config.get("context") or {}, variables), list)

    def on_event(event: Event) -> None:
        if match_data is not None and not match_data(event.data):
            return
        if match_context is not None and not match_context(event.context.as_dict()):
            return
        event_type = _HOME_ASSISTANT_NAMES.get(event.event_type, event.event_type)
        data = {
            "event": template_event(event, event_type),
            "description": f"event '{event_type}'",
        }
        fire(data, event.context)

    undo = [runtime.bus.listen(_EVENT_ALIASES.get(t, t), on_event) for t in types]

    def detach() -> None:
        for unlisten in undo:
            unlisten()

    return detach


def _validate_homeassistant(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if config.get("event") not in ("start", "shutdown"):
        raise fail(config, "event", f"{config['_path']}.event", "expected 'start' or 'shutdown'")


def _attach_homeassistant(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    starting = config["event"] == "start"
    event_type = EVENT_HOMELOOM_START if starting else EVENT_HOMELOOM_STOP
    if starting and config.get(BEFORE_AUTOMATIONS):
        event_type = EVENT_HOMELOOM_STARTING
    description = "Home Assistant starting" if starting else "Home Assistant stopping"

    def on_event(event: Event) -> None:
        # Home Assistant's trigger.event is the event written (start or shutdown).
        fire({"event": config["event"], "description": description}, event.context)

    if starting and runtime.running:
        # Attached after start (a reload): Home Assistant runs start triggers only at start.
        return lambda: None
    return runtime.bus.listen_once(event_type, on_event)


# --- zone and device ------------------------------------------------------------------


def _validate_zone(runtime: Runtime, config: Mapping[str, Any]) -> None:
    entity_ids_of(config)
    entity_ids_of(config, "zone")
    if config.get("event", "enter") not in ("enter", "leave"):
        raise fail(config, "event", f"{config['_path']}.event", "expected 'enter' or 'leave'")


def _has_location(state: State) -> bool:
    """Float coordinates, as Home Assistant's ``location.has_location``."""
    attributes = state.attributes
    return isinstance(attributes.get("latitude"), float) and isinstance(
        attributes.get("longitude"), float
    )


def _attach_zone(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    zone_id = entity_ids_of(config, "zone")[0]
    entering = config.get("event", "enter") == "enter"
    verb = "entering" if entering else "leaving"

    def on_change(event: Event) -> None:
        # As Home Assistant: a change is skipped if either side lacks coordinates; an
        # entity appearing or removed is outside (so it can enter or leave).
        old, new = event.data["old_state"], event.data["new_state"]
        if (old is not None and not _has_location(old)) or (
            new is not None and not _has_location(new)
        ):
            return
        zone = runtime.states.get(zone_id)
        if zone is None:
            _LOGGER.warning("zone trigger: unknown zone %s", zone_id)
            return
        was = old is not None and in_zone(old, zone)
        now = new is not None and in_zone(new, zone)
        if (entering and not was and now) or (not entering and was and not now):
            fire(
                {
                    "entity_id": event.data["entity_id"],
                    "from_state": old,
                    "to_state": new,
                    "zone": zone,
                    "event": "enter" if entering else "leave",
                    "description": f"{event.data['entity_id']} {verb} {zone.name}",
                },
                event.context,
            )

    return runtime.states.track(entity_ids_of(config), on_change)


def _device_platform(runtime: Runtime, config: Mapping[str, Any]) -> tuple[Attach, Validate]:
    from ._trigger_mqtt import MQTT_DEVICE_TRIGGER

    platform = str(device_trigger(config, runtime.registries)["platform"])
    if platform == "mqtt_device":
        return MQTT_DEVICE_TRIGGER
    return EVENT_PLATFORMS["zone"] if platform == "zone" else STATE_PLATFORMS[platform]


def _validate_device(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _device_platform(runtime, config)[1](runtime, device_trigger(config, runtime.registries))


def _attach_device(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    plain = device_trigger(config, runtime.registries)
    return _device_platform(runtime, config)[0](runtime, plain, fire)


def _sentences(config: Mapping[str, Any]) -> list[Any]:
    from ._conversation import compile_sentence

    commands = as_list(config.get("command"))
    if not commands or not all(isinstance(c, str) and c.strip() for c in commands):
        raise fail(config, "command", f"{config['_path']}.command", "'command' lists sentences")
    try:
        return [compile_sentence(str(command)) for command in commands]
    except ValueError as err:
        raise fail(config, "command", f"{config['_path']}.command", str(err)) from None


def _validate_conversation(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _sentences(config)


def _attach_conversation(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    from ._conversation import get_conversation

    def heard(data: dict[str, Any], context: Context) -> None:
        fire({**data, "description": f"said {data['sentence']!r}"}, context)

    return get_conversation(runtime).listen(_sentences(config), heard)


EVENT_PLATFORMS: dict[str, tuple[Attach, Validate]] = {
    "event": (_attach_event, _validate_event),
    "homeassistant": (_attach_homeassistant, _validate_homeassistant),
    "zone": (_attach_zone, _validate_zone),
    "device": (_attach_device, _validate_device),
    "conversation": (_attach_conversation, _validate_conversation),
}
