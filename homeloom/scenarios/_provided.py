"""Which top-level keys of a configuration homeloom provides, and a warning for the others."""

from __future__ import annotations

from typing import Any

from homeloom.orchestrator._errors import ConfigIssue

from ._config_dir import CORE_BLOCKS
from ._errors import issue_written_at
from ._yaml_read import format_key_path
from ._yaml_values import position_of

__all__ = ["PROVIDED_KEYS", "PROVIDED_PLATFORMS", "QUIET_KEYS", "unsupported_keys"]

# Top-level keys homeloom reads: its own blocks and the integrations it provides.
PROVIDED_KEYS = frozenset(
    {
        *CORE_BLOCKS,
        "adapters",
        "alert",
        "assemblage",
        "automation",
        "calendar",
        "command_line",
        "counter",
        "generic_hygrostat",
        "group",
        "input_boolean",
        "input_button",
        "input_datetime",
        "input_number",
        "input_select",
        "input_text",
        "mqtt",
        "person",
        "python_script",
        "rest",
        "rest_command",
        "scene",
        "schedule",
        "script",
        "shell_command",
        "sun",
        "system_log",
        "template",
        "timer",
        "utility_meter",
        "zone",
    }
)
# Domains homeloom provides only some platforms of (``sensor: [{platform: template}]``):
# each item of another platform is warned about.
PROVIDED_PLATFORMS = {
    "sensor": frozenset(
        {
            "template",
            "group",
            "min_max",
            "derivative",
            "integration",
            "statistics",
            "filter",
            "history_stats",
            "time_date",
            "rest",
        }
    ),
    "binary_sensor": frozenset(
        {"template", "group", "threshold", "tod", "trend", "bayesian", "rest"}
    ),
    **{domain: frozenset({"group", "template"}) for domain in ("light", "cover", "fan")},
    "media_player": frozenset({"group", "universal"}),
    "notify": frozenset({"group"}),
    "switch": frozenset({"template", "group"}),
    "lock": frozenset({"template", "group"}),
    "climate": frozenset({"generic_thermostat"}),
    "humidifier": frozenset({"generic_hygrostat"}),
    "alarm_control_panel": frozenset({"manual", "template"}),
    "vacuum": frozenset({"template"}),
    # Its block sets the legacy trackers up (_legacy_trackers); no scanner platform runs.
    "device_tracker": frozenset(),
    "weather": frozenset({"template"}),
}
# Home Assistant integrations that make no entity and no service automations use (the
# web server, the recorder, the frontend...): accepted without a word, since a house
# copied from Home Assistant has them and there is nothing to do about them.
QUIET_KEYS = frozenset(
    {
        "analytics",
        "api",
        "backup",
        "blueprint",
        "cloud",
        "config",
        "conversation",
        "default_config",
        "dhcp",
        "energy",
        "frontend",
        "hassio",
        "history",
        "homeassistant_alerts",
        "http",
        "image_upload",
        "logbook",
        "logger",
        "lovelace",
        "map",
        "media_source",
        "mobile_app",
        "my",
        "network",
        "panel_custom",
        "panel_iframe",
        "recorder",
        "ssdp",
        "stream",
        "system_health",
        "trace",
        "usb",
        "webhook",
        "websocket_api",
        "zeroconf",
    }
)


def unsupported_keys(config: Any) -> list[ConfigIssue]:
    """A warning for each top-level key homeloom neither provides nor may ignore: its
    entities (and services) will not exist, so automations reading them never run.

    Labelled blocks (``automation manual:``) count as their domain.
    """
    if not isinstance(config, dict):
        return []
    issues = []
    for key in config:
        domain = str(key).split(" ", 1)[0]
        if domain in PROVIDED_KEYS or domain in QUIET_KEYS:
            continue
        if domain in PROVIDED_PLATFORMS:
            issues.extend(_platforms_not_provided(config, key, PROVIDED_PLATFORMS[domain]))
            continue
        message = (
            f"'{key}' is not provided by homeloom: it is ignored, and the entities "
            "and services it would make will not exist"
        )
        issues.append(
            issue_written_at(message, position_of(config, key), format_key_path((str(key),)))
        )
    return issues


def _platforms_not_provided(config: Any, key: Any, provided: frozenset[str]) -> list[ConfigIssue]:
    """A warning for each item of the platform list ``config[key]`` whose platform
    homeloom does not provide."""
    block = config[key]
    if block is None:
        return []
    items = block if isinstance(block, list) else [block]
    issues = []
    for index, item in enumerate(items):
        platform = item.get("platform") if isinstance(item, dict) else None
        if isinstance(platform, str) and platform in provided:  # a list is no platform
            continue
        pos = position_of(block, index) if block is items else position_of(config, key)
        message = (
            f"'{key}' platform {platform!r} is not provided by homeloom: it is ignored, "
            "and the entities it would make will not exist"
        )
        if platform == "command_line":  # Home Assistant 2024.3 fails to set it up
            message = (
                f"'{key}' platform 'command_line' is no longer set up by Home Assistant: "
                f"move the item under 'command_line: - {key}:'; it is ignored"
            )
        if platform == "mqtt":  # Home Assistant 2024.3 refuses it too
            message = (
                f"'{key}' platform 'mqtt' is refused by Home Assistant (it does not support "
                f"platform setup): move the item under 'mqtt: {key}:'; it is ignored"
            )
        issues.append(issue_written_at(message, pos, format_key_path((str(key), index))))
    return issues
