"""Device triggers, conditions and actions of Home Assistant's built-in domains, as the
plain triggers, conditions and service calls they stand for.

The tables follow Home Assistant 2024.3's ``components/<domain>/device_trigger.py``,
``device_condition.py`` and ``device_action.py``: each device automation there is a
state or numeric_state trigger, a state or numeric_state condition, or one service
call on the entity the UI picked. A type a domain does not define is a config error,
as it is there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Registries, Runtime, valid_entity_id
from homeloom.orchestrator._ha_registries import IMPORTED_ADAPTER

from ._device_automation_tables import (
    CONDITIONS_WITH_FOR,
    COVER_POSITIONS,
    HVAC_MODES,
    NUMERIC_TRIGGERS,
    OTHER_ACTIONS,
    OTHER_CONDITIONS,
    OTHER_TRIGGERS,
    SENSOR_KINDS,
    SERVICE_ACTIONS,
    STATE_CONDITIONS,
    STATE_TRIGGERS,
    VALUE_CONDITIONS,
)
from ._errors import ScenarioConfigError, fail
from ._mobile_app import mobile_app_step
from ._platform_options import read_boolean

if TYPE_CHECKING:
    from ._actions import ActionStep, Builder
    from ._script import Script
    from ._templates import TemplateEngine

__all__ = ["device_action", "device_condition", "device_step", "device_trigger"]

# --- shared checks --------------------------------------------------------------------

_REGISTRY_ID = re.compile(r"^[0-9a-f]{32}$")


def _by_entity_id(config: Mapping[str, Any], registries: Registries | None) -> Mapping[str, Any]:
    """``config`` naming its entity by entity id. Home Assistant's UI writes an entity
    registry id (32 hex digits) since 2023, which the registries imported from its
    ``.storage`` know (orchestrator/_ha_registries.py)."""
    raw = config.get("entity_id")
    if registries is None or not isinstance(raw, str) or valid_entity_id(raw):
        return config
    entity_id = registries.entity_id_of(raw.strip().lower())
    return config if entity_id is None else {**config, "entity_id": entity_id}


def _check_device(config: Mapping[str, Any], path: str, registries: Registries | None) -> None:
    """With Home Assistant's device registry imported, a device it does not list is a
    config error, as Home Assistant refuses the automation (a device since deleted);
    without it the ``device_id`` is not needed."""
    if registries is None:
        return
    device_id = config.get("device_id")
    if isinstance(device_id, str) and device_id in registries.things:
        return
    if any(thing.adapter == IMPORTED_ADAPTER for thing in registries.things.values()):
        message = f"Unknown device '{device_id}' (not in Home Assistant's device registry)"
        raise fail(config, "device_id", f"{path}.device_id", message)


def _entity_id(config: Mapping[str, Any], path: str) -> str:
    """The entity the device automation is about; an entity registry id no imported
    registry knows is a config error naming the fix rather than an automation that
    never fires."""
    raw = config.get("entity_id")
    entity_id = raw.strip().lower() if isinstance(raw, str) else ""
    if valid_entity_id(entity_id):
        return entity_id
    if _REGISTRY_ID.match(entity_id):
        message = (
            f"entity registry id {entity_id} is not known here (no Home Assistant entity "
            "registry in the configuration's .storage names it): write the entity id, "
            "such as light.kitchen"
        )
    else:
        message = f"a device automation needs an entity id, got {raw!r}"
    raise fail(config, "entity_id", f"{path}.entity_id", message)


# The entity domains with device automations here (MQTT's are read elsewhere).
_KNOWN_DOMAINS: frozenset[str] = frozenset().union(
    STATE_TRIGGERS,
    NUMERIC_TRIGGERS,
    OTHER_TRIGGERS,
    STATE_CONDITIONS,
    (domain for domain, _ in VALUE_CONDITIONS),
    OTHER_CONDITIONS,
    SERVICE_ACTIONS,
    OTHER_ACTIONS,
)


def _unknown(
    config: Mapping[str, Any], path: str, what: str, known: list[str]
) -> ScenarioConfigError:
    domain, kind = config.get("domain"), config.get("type")
    if isinstance(domain, str) and domain not in _KNOWN_DOMAINS:  # an integration's (zha...)
        message = (
            f"device {what}s of domain {domain!r} are not supported (only the built-in "
            f"domains' and MQTT's are); write the {what} with the entity instead"
        )
        return fail(config, "domain", f"{path}.domain", message)
    valid = ", ".join(sorted(known)) or "none"
    return fail(
        config,
        "type",
        f"{path}.type",
        f"unknown device {what} type {kind!r} for domain {domain!r}; valid: {valid}",
    )


def _number(config: Mapping[str, Any], key: str, path: str, whole: bool = False) -> float:
    try:
        value = float(config[key])
        return int(value) if whole else value
    except (TypeError, ValueError):
        raise fail(config, key, f"{path}.{key}", f"'{key}' must be a number") from None
    except OverflowError:  # an integer past a float's range, or an infinity made whole
        raise fail(config, key, f"{path}.{key}", f"'{key}' is out of range") from None


def _limits(config: Mapping[str, Any], path: str, whole: bool = False) -> dict[str, float]:
    """``above`` and ``below`` as numbers; Home Assistant requires at least one."""
    limits = {key: _number(config, key, path, whole) for key in ("above", "below") if key in config}
    if not limits:
        raise fail(config, None, f"{path}.above", "needs 'above' or 'below'")
    return limits


def _required(config: Mapping[str, Any], key: str, path: str) -> Any:
    if config.get(key) is None:
        raise fail(config, key, f"{path}.{key}", f"'{key}' is required for this type")
    return config[key]


_FOR_UNITS = frozenset(("days", "hours", "minutes", "seconds", "milliseconds"))


def _for_dict(value: Any) -> bool:
    """Whether a device automation's ``for`` is what Home Assistant's schema for it takes:
    a dictionary of time units with plain numbers (no "00:05:00", no templates)."""
    if not isinstance(value, Mapping) or not value or not set(value) <= _FOR_UNITS:
        return False
    try:
        return all(not isinstance(v, bool) and float(v) >= 0 for v in value.values())
    except (TypeError, ValueError):
        return False


def _with_for(config: Mapping[str, Any], out: dict[str, Any], path: str) -> dict[str, Any]:
    if "for" in config:
        if not _for_dict(config["for"]):
            message = "'for' is a dictionary of days, hours, minutes, seconds or milliseconds"
            raise fail(config, "for", f"{path}.for", message)
        out["for"] = config["for"]
    return out


def _no_for(config: Mapping[str, Any], path: str) -> None:
    # Home Assistant's schemas for these types have no ``for`` and refuse the automation
    # (extra key); ignoring it would run the automation without the wait it asks for.
    if "for" in config:
        raise fail(config, "for", f"{path}.for", "'for' is not allowed for this type")


# --- triggers -------------------------------------------------------------------------

# What a device trigger's own keys are; the rest (id, variables, enabled) carry over.
_TRIGGER_KEYS = frozenset(
    ("domain", "type", "device_id", "entity_id", "above", "below", "for", "to", "from", "zone")
)


def device_trigger(
    config: Mapping[str, Any], registries: Registries | None = None
) -> dict[str, Any]:
    """The state, numeric_state or zone trigger a device trigger stands for (an mqtt
    one stays a device trigger, found by its discovery id)."""
    config = _by_entity_id(config, registries)
    domain, kind = str(config.get("domain", "")), str(config.get("type", ""))
    path = str(config.get("_path", "trigger"))
    if domain == "mqtt":
        return {**config, "platform": "mqtt_device"}
    _check_device(config, path, registries)
    base = {key: value for key, value in config.items() if key not in _TRIGGER_KEYS}
    out = {**base, "platform": "state"}
    if kind in STATE_TRIGGERS.get(domain, {}):
        out.update(entity_id=_entity_id(config, path), to=STATE_TRIGGERS[domain][kind])
        return _with_for(config, out, path)
    if kind in NUMERIC_TRIGGERS.get(domain, {}):
        attribute = NUMERIC_TRIGGERS[domain][kind]
        out.update(platform="numeric_state", entity_id=_entity_id(config, path))
        out.update(_limits(config, path, whole=kind == "target_humidity_changed"))
        if attribute is not None:
            out["value_template"] = f"{{{{ state.attributes.{attribute} }}}}"
        return _with_for(config, out, path)
    if domain == "cover" and kind in COVER_POSITIONS:
        # Both limits always: a missing one is just outside 0-100; no ``for``.
        _no_for(config, path)
        limits = {"above": -1, "below": 101, **_limits(config, path, whole=True)}
        template = f"{{{{ state.attributes.{COVER_POSITIONS[kind]} }}}}"
        out.update(platform="numeric_state", entity_id=_entity_id(config, path))
        return {**out, **limits, "value_template": template}
    if domain == "climate" and kind == "hvac_mode_changed":
        # A change into the mode from another mode (not from unavailable or unknown).
        mode = _required(config, "to", path)
        if mode not in HVAC_MODES:
            raise fail(config, "to", f"{path}.to", f"'to' is one of {', '.join(HVAC_MODES)}")
        others = [other for other in HVAC_MODES if other != mode]
        out.update(entity_id=_entity_id(config, path), to=mode)
        return _with_for(config, {**out, "from": others}, path)
    if domain == "select" and kind == "current_option_changed":
        out["entity_id"] = _entity_id(config, path)
        for key in ("to", "from"):
            if config.get(key) is not None:
                out[key] = str(config[key])
        return _with_for(config, out, path)
    if domain == "button" and kind == "pressed":
        # No to or from: every change, the pressed time being the state.
        _no_for(config, path)
        return {**out, "entity_id": _entity_id(config, path)}
    if domain == "device_tracker" and kind in ("enters", "leaves"):
        zone = str(_required(config, "zone", path))
        _no_for(config, path)
        event = "enter" if kind == "enters" else "leave"
        entity_id = _entity_id(config, path)
        return {**base, "platform": "zone", "entity_id": entity_id, "zone": zone, "event": event}
    known = [*STATE_TRIGGERS.get(domain, ()), *NUMERIC_TRIGGERS.get(domain, ())]
    known += OTHER_TRIGGERS.get(domain, ())
    raise _unknown(config, path, "trigger", known)


# --- conditions -----------------------------------------------------------------------


def device_condition(
    config: Mapping[str, Any], path: str, registries: Registries | None = None
) -> tuple[str, dict[str, Any], bool]:
    """The state or numeric_state condition a device condition stands for: its kind,
    its config and whether its result is negated (a device tracker's is_not_home)."""
    config = _by_entity_id(config, registries)
    _check_device(config, path, registries)
    domain, kind = str(config.get("domain", "")), str(config.get("type", ""))
    states = STATE_CONDITIONS.get(domain, {})
    if kind in states or (domain == "device_tracker" and kind == "is_not_home"):
        wanted = states.get(kind, "home")
        out: dict[str, Any] = {"entity_id": _entity_id(config, path), "state": wanted}
        if isinstance(wanted, tuple):
            out["state"] = list(wanted)
        if domain in CONDITIONS_WITH_FOR:
            _with_for(config, out, path)
        else:
            _no_for(config, path)
        return "state", out, kind == "is_not_home"
    if domain == "sensor" and kind.startswith("is_") and kind[3:] in SENSOR_KINDS:
        _no_for(config, path)
        return (
            "numeric_state",
            {"entity_id": _entity_id(config, path), **_limits(config, path)},
            False,
        )
    if domain == "cover" and kind in ("is_position", "is_tilt_position"):
        position = COVER_POSITIONS[kind.removeprefix("is_")]
        _no_for(config, path)
        limits = _limits(config, path, whole=True)
        out = {"entity_id": _entity_id(config, path), "attribute": position, **limits}
        return "numeric_state", out, False
    named = VALUE_CONDITIONS.get((domain, kind))
    if named is not None:
        key, attribute = named
        value = str(_required(config, key, path))
        if key == "hvac_mode" and value not in HVAC_MODES:
            raise fail(config, key, f"{path}.{key}", f"'{key}' is one of {', '.join(HVAC_MODES)}")
        out = {"entity_id": _entity_id(config, path), "state": value}
        if attribute is not None:
            out["attribute"] = attribute
        if domain == "select":  # a humidifier's is_mode takes no ``for``, unlike its is_on
            _with_for(config, out, path)
        else:
            _no_for(config, path)
        return "state", out, False
    known = [*states, *OTHER_CONDITIONS.get(domain, ())]
    raise _unknown(config, path, "condition", known)


# --- actions --------------------------------------------------------------------------


def device_step(
    runtime: Runtime,
    engine: TemplateEngine,
    config: Mapping[str, Any],
    path: str,
    script: Script,
    service_call: Builder,
) -> ActionStep:
    """The step a device action stands for: the service call ``service_call`` builds
    (an entity's service; for a phone, the companion app's notify service, see
    ``_mobile_app``)."""
    if config.get("domain") == "mobile_app":
        return mobile_app_step(runtime, engine, config, path, script, service_call)
    service, entity_id, data = device_action(config, path, runtime.registries)
    call = {"action": service, "target": {"entity_id": entity_id}, "data": data}
    return service_call(runtime, engine, call, path, script)


def device_action(
    config: Mapping[str, Any], path: str, registries: Registries | None = None
) -> tuple[str, str, dict[str, Any]]:
    """The service (``domain.service``) a device action calls, the entity it acts on
    and the service data beside it."""
    config = _by_entity_id(config, registries)
    _check_device(config, path, registries)
    # The kind first: another integration's action (zha's...) has no entity, and saying
    # its domain is not supported is the useful message.
    service, data = _device_service(config, path)
    return service, _entity_id(config, path), data


def _device_service(config: Mapping[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    domain, kind = str(config.get("domain", "")), str(config.get("type", ""))
    services = SERVICE_ACTIONS.get(domain, {})
    data: dict[str, Any] = {}
    if domain == "light" and kind in (
        "turn_on",
        "flash",
        "brightness_increase",
        "brightness_decrease",
    ):
        # Brightness steps of ten percent; a flash is short unless told; brightness_pct
        # only with turn_on or flash.
        if kind.startswith("brightness_"):
            data["brightness_step_pct"] = 10 if kind == "brightness_increase" else -10
        elif config.get("brightness_pct") is not None:
            percent = _number(config, "brightness_pct", path)
            if not 0 <= percent <= 100:
                raise fail(config, "brightness_pct", f"{path}.brightness_pct", "0 to 100")
            data["brightness_pct"] = percent
        if kind == "flash":
            flash = config.get("flash", "short")
            if flash not in ("short", "long"):
                raise fail(config, "flash", f"{path}.flash", "'flash' is short or long")
            data["flash"] = flash
        return "light.turn_on", data
    if kind in services:
        if domain == "alarm_control_panel" and config.get("code") is not None:
            data["code"] = str(config["code"])
        return f"{domain}.{services[kind]}", data
    if domain == "cover" and kind in ("set_position", "set_tilt_position"):
        key = "position" if kind == "set_position" else "tilt_position"
        position = int(_number(config, "position", path, whole=True)) if "position" in config else 0
        if not 0 <= position <= 100:
            raise fail(config, "position", f"{path}.position", "'position' is 0 to 100")
        service = "set_cover_position" if kind == "set_position" else "set_cover_tilt_position"
        return f"cover.{service}", {key: position}
    if domain == "number" and kind == "set_value":
        _required(config, "value", path)
        return "number.set_value", {"value": _number(config, "value", path)}
    if domain == "text" and kind == "set_value":
        # Home Assistant reads the value as text (a number written bare becomes its text).
        return "text.set_value", {"value": str(_required(config, "value", path))}
    if domain == "select" and kind in ("select_next", "select_previous"):
        return f"select.{kind}", {"cycle": _cycle(config, path)}
    if domain == "select" and kind == "select_option":
        return "select.select_option", {"option": str(_required(config, "option", path))}
    if domain == "climate" and kind == "set_hvac_mode":
        mode = _required(config, "hvac_mode", path)
        if mode not in HVAC_MODES:
            message = f"'hvac_mode' is one of {', '.join(HVAC_MODES)}"
            raise fail(config, "hvac_mode", f"{path}.hvac_mode", message)
        return "climate.set_hvac_mode", {"hvac_mode": mode}
    if domain == "climate" and kind == "set_preset_mode":
        return "climate.set_preset_mode", {
            "preset_mode": str(_required(config, "preset_mode", path))
        }
    if domain == "humidifier" and kind == "set_humidity":
        _required(config, "humidity", path)
        return "humidifier.set_humidity", {"humidity": int(_number(config, "humidity", path, True))}
    if domain == "humidifier" and kind == "set_mode":
        return "humidifier.set_mode", {"mode": str(_required(config, "mode", path))}
    known = [*services, *OTHER_ACTIONS.get(domain, ())]
    raise _unknown(config, path, "action", known)


def _cycle(config: Mapping[str, Any], path: str) -> bool:
    """A select action's ``cycle``, read as Home Assistant's ``cv.boolean`` does."""
    value = config.get("cycle", True)
    try:
        return read_boolean(value)
    except ValueError:
        message = f"'cycle' must be a boolean, got {value!r}"
        raise fail(config, "cycle", f"{path}.cycle", message) from None
