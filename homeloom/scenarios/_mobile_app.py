"""The ``notify`` device action of Home Assistant's companion app (``domain: mobile_app``),
as the service call Home Assistant 2024.3 makes of it.

Home Assistant's own "Zone Notification" and "Confirmable Notification" blueprints,
written into every new configuration, tell a phone through it. The phone is a device
of Home Assistant's device registry; its app registered it as a ``mobile_app`` config
entry (``.storage/core.config_entries``), whose data name its webhook, its device name
and the app's own device id (the device's ``mobile_app`` identifier). A resident who
copies the configuration directory keeps both files: they are read, never written.

The action calls ``notify.mobile_app_<slug of the device name>`` (the service the app's
notify platform registers for each phone that can receive pushes) with ``target`` the
phone's webhook id, ``message``, and ``title`` and ``data`` when written. Message and
title are templates even when written plain (a plain ``"5"`` is the number 5, as there).
The call itself goes to homeloom's notification channel of that name.

A device the registry does not know refuses the automation, as there. A device that is
no phone of the app, or a phone that cannot receive pushes, fails each run at the
action with Home Assistant's message, as there (the steps before it run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import HomeloomError, Runtime
from homeloom.orchestrator._ha_registries import IMPORTED_ADAPTER, STORAGE_DIR

from ._actions import ActionStep, Builder, Run, refuse_unparsable
from ._errors import fail
from ._ha_collections import StorageError, read_stored_list
from ._slugs import entity_slug
from ._templates import TemplateEngine, parse_result

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["Phone", "PhoneUnreachable", "mobile_app_step", "phones"]

DOMAIN = "mobile_app"
_ENTRIES_FILE = "core.config_entries"
_COMPONENT = "mobile_app_phones"  # runtime.components: (file stamp, phones by device id)

# The keys of the action, as Home Assistant's schema for it takes them (any other is
# refused there); ``metadata`` is what its UI keeps and drops.
_KEYS = frozenset(
    {"alias", "enabled", "continue_on_error", "device_id", "domain", "type", "metadata"}
    | {"message", "title", "data"}
)


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone the companion app registered: its device registry id, its name, its
    webhook id, and its notify service (None when it cannot receive pushes)."""

    device_id: str
    name: str
    webhook_id: str
    service: str | None


def _registration(item: Any) -> tuple[str, str, str, bool] | None:
    """A mobile_app entry's webhook id, device name and app device id, and whether it
    can receive pushes (a push token and URL, or a local push channel); None for
    another integration's entry, a disabled one (not set up) or one missing a part."""
    if not isinstance(item, Mapping) or item.get("domain") != DOMAIN:
        return None
    data = item.get("data")
    if item.get("disabled_by") is not None or not isinstance(data, Mapping):
        return None
    parts = [data.get(key) for key in ("webhook_id", "device_name", "device_id")]
    if not all(isinstance(part, str) and part for part in parts):
        return None
    app_data = data.get("app_data")
    app_data = app_data if isinstance(app_data, Mapping) else {}
    pushes = ("push_token" in app_data and "push_url" in app_data) or (
        "push_websocket_channel" in app_data
    )
    webhook_id, name, app_device_id = (str(part) for part in parts)
    return webhook_id, name, app_device_id, pushes


def _read_phones(runtime: Runtime, path: Path) -> dict[str, Phone]:
    try:
        items = read_stored_list(path, ("entries",)).items
    except StorageError:
        return {}  # said when the config entries are set up (_ha_config_entries)
    registrations = [found for found in map(_registration, items) if found is not None]
    # The app's notify platform names one service per device name, the last phone of a
    # name taking it: a phone whose name another took has none.
    services: dict[str, str] = {}
    for webhook_id, name, _, pushes in registrations:
        if pushes:
            services[entity_slug(f"{DOMAIN}_{name}")] = webhook_id
    service_of = {webhook_id: service for service, webhook_id in services.items()}
    by_identifier = {
        identifier: thing.id
        for thing in runtime.registries.things.values()
        if thing.adapter == IMPORTED_ADAPTER
        for identifier in thing.identifiers
    }
    found: dict[str, Phone] = {}
    for webhook_id, name, app_device_id, _ in registrations:
        device_id = by_identifier.get(f"{DOMAIN}:{app_device_id}")
        if device_id is not None:
            found[device_id] = Phone(device_id, name, webhook_id, service_of.get(webhook_id))
    return found


def phones(runtime: Runtime) -> Mapping[str, Phone]:
    """The phones of the house's imported Home Assistant registries, by device id; read
    again when the config entries file changes."""
    path = (runtime.config_dir or Path()) / STORAGE_DIR / _ENTRIES_FILE
    try:
        stamp: tuple[Path, int] | None = (path, path.stat().st_mtime_ns)
    except OSError:
        stamp = None
    known = runtime.components.get(_COMPONENT)
    if isinstance(known, tuple) and known[0] == stamp:
        cached: Mapping[str, Phone] = known[1]
        return cached
    found = {} if stamp is None or runtime.config_dir is None else _read_phones(runtime, path)
    runtime.components[_COMPONENT] = (stamp, found)
    return found


def _template_text(config: Mapping[str, Any], key: str, path: str) -> Any:
    """``message`` or ``title`` as Home Assistant's ``cv.template`` reads it: any text or
    number, a template or not; a plain one is what rendering it gives (parsed)."""
    value = config[key]
    if value is None or isinstance(value, Mapping | list):
        raise fail(config, key, f"{path}.{key}", f"'{key}' must be a text (a template or not)")
    text = value if isinstance(value, str) else str(value)
    return text if TemplateEngine.is_template(text) else parse_result(text)


class PhoneUnreachable(HomeloomError):
    """A notify action's device is no phone the app can tell (Home Assistant's
    ``InvalidDeviceAutomationConfig`` at run time)."""


class _UnreachablePhone(ActionStep):
    """The notify action of a device that is no phone that can be told: each run fails
    here, with Home Assistant's message, after the steps before it ran."""

    __slots__ = ("reason",)
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        self.reason = str(config["reason"])

    async def act(self, run: Run) -> None:
        raise PhoneUnreachable(self.reason)


def mobile_app_step(
    runtime: Runtime,
    engine: TemplateEngine,
    config: Mapping[str, Any],
    path: str,
    script: Script,
    service_call: Builder,
) -> ActionStep:
    """The step a mobile_app device action stands for: the notify service call
    ``service_call`` builds, or a step failing each run when the device is no phone
    that can be told."""
    unknown = sorted(str(key) for key in config if key not in _KEYS)
    if unknown:
        valid = ", ".join(sorted(_KEYS - {"metadata"}))
        message = f"unknown key {unknown[0]!r} in a mobile_app device action; valid: {valid}"
        raise fail(config, unknown[0], f"{path}.{unknown[0]}", message)
    if config.get("type") != "notify":
        kind = config.get("type")
        message = f"unknown device action type {kind!r} for domain 'mobile_app'; valid: notify"
        raise fail(config, "type", f"{path}.type", message)
    if config.get("message") is None:
        raise fail(config, None, f"{path}.message", "'message' is required for a notify action")
    for key in ("message", "title", "data"):
        if key in config:
            refuse_unparsable(engine, config[key], config, key, path)
    data: dict[str, Any] = {}
    for key in ("message", "title"):
        if key in config:
            data[key] = _template_text(config, key, path)
    if "data" in config:
        data["data"] = config["data"]
    phone = _phone(runtime, config, path)
    if isinstance(phone, str):
        return _UnreachablePhone(runtime, engine, {"reason": phone}, path, script)
    call = {"action": f"notify.{phone.service}", "data": {"target": phone.webhook_id, **data}}
    return service_call(runtime, engine, call, path, script)


def _phone(runtime: Runtime, config: Mapping[str, Any], path: str) -> Phone | str:
    """The phone the action tells; why each run fails when the device is none that can
    be told (a device the registry does not know refuses the automation)."""
    device_id = config.get("device_id")
    known = phones(runtime)
    phone = known.get(device_id) if isinstance(device_id, str) else None
    if phone is not None and phone.service is not None:
        return phone
    if phone is not None:
        return (
            f"Unable to find notify service for webhook ID (the phone '{phone.name}' "
            "cannot receive push notifications: its app registered no push token)"
        )
    if isinstance(device_id, str) and device_id in runtime.registries.things:
        return (
            f"Unable to resolve webhook ID from the device ID (device '{device_id}' is "
            "no phone of the Home Assistant app: no mobile_app config entry names it)"
        )
    message = (
        f"Unknown device '{device_id}': a mobile_app action names a phone of Home "
        "Assistant's device registry, found with the app's config entry (copy the "
        "configuration's .storage folder from Home Assistant)"
    )
    raise fail(config, "device_id", f"{path}.device_id", message)
