"""The ``mqtt:`` block of ``configuration.yaml``: MQTT entities written by hand.

Its items become entities of the MQTT adapter (``homeloom.adapters.mqtt._yaml_entities``).
The broker is the configured MQTT adapter's; without one, the broker Home Assistant
keeps in its ``mqtt`` config entry (``.storage/core.config_entries``, read only).
Both of Home Assistant's forms are read::

    mqtt:                       mqtt:
      sensor:                     - sensor:
        - name: Cellar              name: Cellar
          state_topic: cellar       state_topic: cellar
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._errors import issue_at
from ._ha_collections import StorageError, read_stored_list
from ._yaml_read import format_key_path
from ._yaml_values import KeyPath

if TYPE_CHECKING:
    from homeloom.adapters.mqtt._yaml_entities import MqttYaml

__all__ = ["MqttBlock", "setup_mqtt_block"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "mqtt"
_DEFAULT_PORT = 1883
# Where Home Assistant publishes its birth and last will unless told otherwise.
_HA_STATUS_TOPIC = "homeassistant/status"
_ENTRIES_FILE = "core.config_entries"
# The platforms Home Assistant 2024.3 accepts under ``mqtt:`` (``CONFIG_SCHEMA_BASE``).
HA_PLATFORMS = frozenset(
    {
        *("alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover"),
        *("device_tracker", "event", "fan", "humidifier", "image", "lawn_mower", "light"),
        *("lock", "number", "scene", "select", "sensor", "siren", "switch", "text"),
        *("update", "vacuum", "valve", "water_heater"),
    }
)
# The broker options Home Assistant 2023.4 moved from ``mqtt:`` to its UI; 2024.3 refuses them.
_REMOVED = frozenset(
    {
        *("birth_message", "broker", "certificate", "client_id", "client_cert", "client_key"),
        *("discovery", "discovery_prefix", "keepalive", "password", "port", "protocol"),
        *("tls_insecure", "transport", "ws_path", "ws_headers", "username", "will_message"),
    }
)


@dataclass(slots=True)
class MqttBlock:
    """What the block asks of the house: the adapter to add for HA's broker (if
    any), and what is wrong with it."""

    adapters: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)
    items: MqttYaml | None = None

    def refused(self) -> list[ConfigIssue]:
        """The items the MQTT adapter could not make (known once adapters are set up)."""
        return list(self.items.errors) if self.items is not None else []


def setup_mqtt_block(runtime: Runtime, config: Any, adapters: list[Any]) -> MqttBlock:
    """Read the ``mqtt:`` block for the MQTT adapter, before adapters are set up; without
    an MQTT adapter under ``adapters:``, add one on Home Assistant's broker if it has one."""
    result = MqttBlock()
    if isinstance(config, Mapping) and config.get(DOMAIN) is not None:
        _read_block(runtime, config, result)
    if any(isinstance(item, Mapping) and item.get("adapter") == DOMAIN for item in adapters):
        return result
    broker = _ha_broker(runtime, result.warnings)
    if broker is not None:
        _LOGGER.info(
            "the MQTT broker %s:%s of Home Assistant's mqtt config entry: the house connects "
            "to it when it runs, as Home Assistant did; to stop it, add an 'adapters:' item "
            "'adapter: mqtt' with 'enabled: false'",
            broker["host"],
            broker.get("port", _DEFAULT_PORT),
        )
        result.adapters.append(broker)
    elif result.items is not None:
        message = (
            "the MQTT entities need a broker: add one under 'adapters:' (adapter: mqtt, "
            "host: ...); Home Assistant keeps it in its UI, but no usable 'mqtt' entry was "
            f"found in {STORAGE_DIR}/{_ENTRIES_FILE}; they will not exist"
        )
        result.warnings.append(_issue(config, DOMAIN, (DOMAIN,), message))
    return result


def _read_block(runtime: Runtime, config: Mapping[str, Any], result: MqttBlock) -> None:
    """The block's items for the MQTT adapter (in ``runtime.components``), and its issues."""
    # Imported only for a house that has the block: the MQTT adapter is optional.
    from homeloom.adapters.mqtt._discovery import PLATFORMS, unread_options
    from homeloom.adapters.mqtt._yaml_entities import YAML_KEY, MqttYaml

    block = config[DOMAIN]
    yaml = MqttYaml()
    unsupported: set[str] = set()
    parts = block if isinstance(block, list) else [block]
    for index, part in enumerate(parts):
        path: KeyPath = (DOMAIN, index) if parts is block else (DOMAIN,)
        if not isinstance(part, Mapping):
            where = block if parts is block else config
            at = index if parts is block else DOMAIN
            result.errors.append(_issue(where, at, path, "expected a mapping of platform: items"))
            continue
        _read_part(part, path, yaml, frozenset(PLATFORMS), unsupported, result)
    for item in yaml.items:
        for key in unread_options(item.component, item.config):
            message = f"'{key}' of an mqtt {item.component} is not read by homeloom: ignored"
            at = f"{item.place.key}.{key}" if item.place.key else str(key)
            result.warnings.append(issue_at(item.config, key, at, message))
    if unsupported:
        named = ", ".join(sorted(unsupported))
        message = (
            f"MQTT {named} entities are not provided by homeloom (it makes "
            f"{', '.join(sorted(PLATFORMS))}): they are ignored and will not exist"
        )
        result.warnings.append(_issue(config, DOMAIN, (DOMAIN,), message))
    if yaml.items:
        runtime.components[YAML_KEY] = result.items = yaml


def _read_part(
    part: Mapping[Any, Any],
    path: KeyPath,
    yaml: MqttYaml,
    made: frozenset[str],
    unsupported: set[str],
    result: MqttBlock,
) -> None:
    from homeloom.adapters.mqtt._yaml_entities import YamlItem

    for key, value in part.items():
        here = (*path, str(key))
        if key in _REMOVED:
            message = (
                f"'{key}' was removed from 'mqtt:' in Home Assistant 2023.4: set the broker "
                "under 'adapters:' (adapter: mqtt, host: ..., port: ..., username: ...)"
            )
            result.errors.append(_issue(part, key, here, message))
            continue
        if key not in HA_PLATFORMS:
            valid = ", ".join(sorted(HA_PLATFORMS))
            message = f"'{key}' is not an MQTT platform; valid: {valid}"
            result.errors.append(_issue(part, key, here, message))
            continue
        if key not in made:
            unsupported.add(str(key))
            continue
        items = value if isinstance(value, list) else [] if value is None else [value]
        for index, item in enumerate(items):
            at: KeyPath = (*here, index) if items is value else here
            container, item_key = (value, index) if items is value else (part, key)
            if not isinstance(item, Mapping):
                message = f"each {key} item must be a mapping of options, got {item!r}"
                result.errors.append(_issue(container, item_key, at, message))
                continue
            yaml.items.append(YamlItem(str(key), item, _issue(container, item_key, at, "")))


def _ha_broker(runtime: Runtime, warnings: list[ConfigIssue]) -> dict[str, Any] | None:
    """An MQTT adapter on the broker of Home Assistant's ``mqtt`` config entry; what
    it cannot take from the entry is a warning."""
    data = _ha_entry_data(runtime)
    if data is None:
        return None
    where = ConfigIssue("", file=f"{STORAGE_DIR}/{_ENTRIES_FILE}", key=DOMAIN)
    if data.get("transport") == "websockets":
        message = (
            "Home Assistant's MQTT broker is reached over websockets, which homeloom's MQTT "
            "adapter does not speak: not connected; add an 'adapters:' item (adapter: mqtt) "
            "on the broker's TCP port"
        )
        warnings.append(replace(where, message=message))
        return None
    adapter: dict[str, Any] = {"adapter": DOMAIN, "host": data["broker"]}
    for key, kind in (("port", int), ("username", str), ("password", str), ("client_id", str)):
        if isinstance(data.get(key), kind) and data[key] != "":
            adapter[key] = data[key]
    if isinstance(data.get("keepalive"), int):
        adapter["keepalive"] = data["keepalive"]
    adapter["discovery"] = bool(data.get("discovery", True))
    # Home Assistant sees Zigbee2MQTT's devices through their discovery configs only.
    adapter["zigbee2mqtt"] = False
    if isinstance(data.get("discovery_prefix"), str):
        adapter["discovery_prefix"] = data["discovery_prefix"]
    adapter.update(_birth_and_will(data))
    certificate = data.get("certificate")
    if certificate:
        # "auto": the system's certificate authorities; else the broker's own CA, as text.
        adapter["tls"] = True
        adapter["tls_insecure"] = data.get("tls_insecure") is True
    if (certificate and certificate != "auto") or data.get("client_cert"):
        message = (
            "the certificates kept in Home Assistant's MQTT entry (its own certificate "
            "authority, a client certificate) are not read: TLS verifies the broker with "
            "the system's authorities; for those, add an 'adapters:' item (adapter: mqtt) "
            "with tls_ca_certs, tls_certfile and tls_keyfile"
        )
        warnings.append(replace(where, message=message))
    return adapter


def _ha_entry_data(runtime: Runtime) -> Mapping[str, Any] | None:
    """The data of Home Assistant's enabled ``mqtt`` config entry that names a broker."""
    if runtime.config_dir is None:
        return None
    path = runtime.config_dir / STORAGE_DIR / _ENTRIES_FILE
    if not path.is_file():
        return None
    try:
        entries = read_stored_list(path, ("entries",)).items
    except StorageError:
        return None  # the config entries' own reader reports the file
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("domain") != DOMAIN:
            continue
        data = entry.get("data")
        if not isinstance(data, Mapping) or entry.get("disabled_by") is not None:
            continue
        if isinstance(data.get("broker"), str) and data["broker"]:
            return data
    return None


def _birth_and_will(data: Mapping[str, Any]) -> dict[str, Any]:
    """The adapter's status topic and payloads from the entry's birth and will messages:
    Home Assistant's own (``homeassistant/status``, online/offline) unless the resident
    set both on one topic (the adapter has one status topic); else the adapter's."""
    birth, will = data.get("birth_message"), data.get("will_message")
    if birth is None and will is None:
        return {
            "status_topic": _HA_STATUS_TOPIC,
            "birth_payload": "online",
            "will_payload": "offline",
        }
    if not (isinstance(birth, Mapping) and isinstance(will, Mapping)):
        return {}
    topic = birth.get("topic")
    payloads = birth.get("payload"), will.get("payload")
    if not isinstance(topic, str) or not topic or topic != will.get("topic"):
        return {}
    if not all(isinstance(payload, str) for payload in payloads):
        return {}
    return {"status_topic": topic, "birth_payload": payloads[0], "will_payload": payloads[1]}


def _issue(container: Any, key: Any, path: KeyPath, message: str) -> ConfigIssue:
    return issue_at(container, key, format_key_path(path) or "", message)
