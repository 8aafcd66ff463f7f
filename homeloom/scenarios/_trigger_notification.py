"""The ``persistent_notification`` trigger, as Home Assistant 2024.3's.

It fires for each persistent notification made (``persistent_notification.create``,
``notify.persistent_notification``; made again with the same id: still ``added``) or
dismissed (``dismiss``, and ``dismiss_all``: once for each that stood), optionally
only for some kinds of change (``update_type``) and one ``notification_id``. The run
sees ``trigger.update_type`` and ``trigger.notification`` (its ``message``,
``notification_id``, ``title`` and ``created_at``, in UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import Notifications, Runtime, Unsubscribe

from ._errors import fail
from ._triggers import Fire, Validate, as_list

__all__ = ["NOTIFICATION_PLATFORMS"]

PLATFORM = "persistent_notification"
# Home Assistant's kinds of change: "current" and "updated" exist there but are never
# told to a trigger (only to the dashboard), so a trigger naming only them never fires.
UPDATE_TYPES = ("current", "added", "removed", "updated")
_KEYS = frozenset(
    {"platform", "alias", "id", "variables", "enabled", "notification_id", "update_type"}
)


def _update_types(config: Mapping[str, Any]) -> frozenset[str]:
    """The kinds of change the trigger fires for; empty: every kind."""
    path = config["_path"]
    kinds = as_list(config.get("update_type"))
    for kind in kinds:
        if not isinstance(kind, str) or kind not in UPDATE_TYPES:
            valid = ", ".join(UPDATE_TYPES)
            message = f"update_type {kind!r} is none of: {valid} (one, or a list)"
            raise fail(config, "update_type", f"{path}.update_type", message)
    return frozenset(kinds)


def _notification_id(config: Mapping[str, Any]) -> str:
    """The one notification the trigger fires for; empty: every one. As Home Assistant
    reads it, only a text: an unquoted number or a list is refused."""
    value = config.get("notification_id", "")
    if not isinstance(value, str):
        path = config["_path"]
        message = f"notification_id must be text, got {value!r}: quote it"
        raise fail(config, "notification_id", f"{path}.notification_id", message)
    return value


def _validate(runtime: Runtime, config: Mapping[str, Any]) -> None:
    for key in config:
        if not key.startswith("_") and key not in _KEYS:
            valid = ", ".join(sorted(_KEYS))
            message = f"unknown key {key!r} in a {PLATFORM} trigger; valid: {valid}"
            raise fail(config, key, f"{config['_path']}.{key}", message)
    _update_types(config)
    _notification_id(config)


def _notifications(runtime: Runtime) -> Notifications:
    found = runtime.components.get("notifications")
    # A house always has them; a bare runtime gets them when a trigger first asks.
    return found if isinstance(found, Notifications) else Notifications(runtime)


def _attach(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    kinds = _update_types(config)
    wanted = _notification_id(config)

    def on_change(update: str, changed: dict[str, dict[str, Any]]) -> None:
        if kinds and update not in kinds:
            return
        for notification in changed.values():
            if wanted and notification["notification_id"] != wanted:
                continue
            # A copy each: a run may keep it while the notification is made again.
            fire({"update_type": update, "notification": dict(notification)}, None)

    return _notifications(runtime).listen_persistent(on_change)


NOTIFICATION_PLATFORMS: dict[
    str, tuple[Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe], Validate]
] = {PLATFORM: (_attach, _validate)}
