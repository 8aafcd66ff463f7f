"""MQTT entities written by hand in Home Assistant's YAML: the ``mqtt:`` block.

Each item uses the schema of a discovery config (without abbreviations), so the
discovery builders make it; only the naming differs. Home Assistant 2024.3 names
a YAML item this way (``components/mqtt/mixins.py``, ``helpers/entity_platform.py``):

- ``name`` given (even ``null``): that name; else, for a sensor, binary sensor,
  button or number with a ``device_class``, the class's English name; else the
  platform's default name (``MQTT Sensor``...; a device tracker has none);
- its ``device`` counts only with a ``unique_id`` (an entity without one is not
  registered, so is tied to no device): then the friendly name is
  ``<device name> <name>``, or the device name alone for ``name: null``;
- the entity id is ``object_id`` when given, else the friendly name slugified
  (``unnamed_device`` when there is none), with ``_2``... when already taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from homeloom.orchestrator import ConfigIssue, slugify

from ._discovery import PLATFORMS, HaDiscovery
from ._values import PayloadError

__all__ = ["YAML_KEY", "MqttYaml", "YamlItem", "add_yaml_entities", "yaml_naming"]

#: Where the house keeps the block's items for the MQTT adapter (``runtime.components``).
YAML_KEY = "mqtt_yaml"
#: Home Assistant's ``DEVICE_DEFAULT_NAME``: the name of an entity that has none.
UNNAMED = "Unnamed Device"
# Each platform's ``DEFAULT_NAME`` in Home Assistant 2024.3.
_DEFAULT_NAMES: dict[str, str | None] = {
    "binary_sensor": "MQTT Binary sensor",
    "button": "MQTT Button",
    "climate": "MQTT HVAC",
    "cover": "MQTT Cover",
    "device_tracker": None,
    "fan": "MQTT Fan",
    "light": "MQTT Light",
    "lock": "MQTT Lock",
    "number": "MQTT Number",
    "select": "MQTT Select",
    "sensor": "MQTT Sensor",
    "switch": "MQTT Switch",
}
# The platforms an unnamed entity with a device class is named after the class in.
_NAMED_BY_CLASS = frozenset({"binary_sensor", "button", "number", "sensor"})
# The English names of the device classes that are not just the class capitalized.
_CLASS_NAMES = {
    "aqi": "Air quality index",
    "battery_charging": "Charging",
    "energy_storage": "Stored energy",
    "monetary": "Balance",
    "ph": "pH",
    "pm1": "PM1",
    "pm10": "PM10",
    "pm25": "PM2.5",
    "volatile_organic_compounds": "VOCs",
    "volatile_organic_compounds_parts": "VOCs",
    "volume_storage": "Stored volume",
}
# What refuses an item: the builders' own complaints and bad values in the config.
_REFUSED = (PayloadError, ValueError, TypeError, KeyError, ArithmeticError)


@dataclass(frozen=True, slots=True)
class YamlItem:
    """One item of the block: its platform, its config, and where it is written
    (``place``: an issue without a message, for the error if it is refused)."""

    component: str
    config: Mapping[str, Any]
    place: ConfigIssue


@dataclass(slots=True)
class MqttYaml:
    """The block's items for the first MQTT adapter to make, and the ones it refused."""

    items: list[YamlItem] = field(default_factory=list)
    errors: list[ConfigIssue] = field(default_factory=list)


def add_yaml_entities(discovery: HaDiscovery, yaml: MqttYaml) -> None:
    """Make the entity of each item; one the builders refuse is an error, the others load."""
    errors: list[ConfigIssue] = []
    keys: set[str] = set()
    for item in yaml.items:
        component = item.component
        if component not in PLATFORMS:
            continue  # the house warned about these platforms
        config = dict(item.config)
        if not config.get("unique_id"):
            config.pop("device", None)  # no registry entry, so no device
        name, object_id = yaml_naming(component, config)
        key = _free_key(keys, f"yaml/{component}/{object_id or slugify(name)}")
        try:
            discovery.add(key, component, config, name, object_id)
        except _REFUSED as err:
            message = str(err) or type(err).__name__
            errors.append(replace(item.place, message=f"mqtt {component} refused: {message}"))
    yaml.errors = errors


def yaml_naming(component: str, config: Mapping[str, Any]) -> tuple[str, str | None]:
    """The friendly name of an item, and its wanted object id (None: from that name)."""
    if "name" in config:
        name = None if config["name"] is None else str(config["name"])
    elif component in _NAMED_BY_CLASS and _named_class(component, config.get("device_class")):
        device_class = str(config["device_class"])
        name = _CLASS_NAMES.get(device_class, device_class.replace("_", " ").capitalize())
    else:
        name = _DEFAULT_NAMES.get(component)
    device = config.get("device")
    device_name = device.get("name") if isinstance(device, Mapping) else None
    if device_name:
        name = str(device_name) if name is None else f"{device_name} {name}"
    object_id = config.get("object_id")
    wanted = slugify(str(object_id)) if object_id else None
    return name or UNNAMED, wanted


def _named_class(component: str, device_class: Any) -> bool:
    # An enum sensor is named by no class: it has no unit to describe.
    return bool(device_class) and not (component == "sensor" and device_class == "enum")


def _free_key(keys: set[str], wanted: str) -> str:
    """A key no other item has: two unnamed items are two entities, not one remade."""
    key, number = wanted, 2
    while key in keys:
        key, number = f"{wanted}/{number}", number + 1
    keys.add(key)
    return key
