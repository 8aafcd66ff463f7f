"""Reading the legacy trackers' configuration as Home Assistant 2024.3 reads it: the
``device_tracker:`` block's first item (``consider_home``, ``track_new_devices``,
``new_device_defaults``) and ``known_devices.yaml``, each bad entry an issue at its line
(see ``_legacy_trackers``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue

from ._durations import DurationError, parse_duration
from ._errors import issue_at
from ._platform_options import read_boolean
from ._slugs import entity_slug
from ._yaml import load_config_file

__all__ = ["DEFAULT_CONSIDER_HOME", "KNOWN_DEVICES", "Tracker", "block_options", "known_devices"]

DOMAIN = "device_tracker"
KNOWN_DEVICES = "known_devices.yaml"
DEFAULT_CONSIDER_HOME = timedelta(seconds=180)
_ENTRY_KEYS = frozenset({"name", "mac", "icon", "picture", "gravatar", "track", "consider_home"})
# Keys Home Assistant drops without a word (options it no longer has).
_DROPPED_KEYS = frozenset({"vendor", "hide_if_away"})


@dataclass
class Tracker:
    """One legacy tracker, known or seen."""

    dev_id: str
    consider_home: timedelta
    track: bool
    mac: str | None = None
    name: str | None = None
    picture: str | None = None
    icon: str | None = None
    host_name: str | None = None
    location_name: str | None = None
    gps: tuple[Any, Any] | None = None  # restored coordinates are taken as saved
    gps_accuracy: int = 0
    battery: int | None = None
    source_type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    last_seen: datetime | None = None
    last_update_home: bool = False
    state: str = "not_home"

    @property
    def entity_id(self) -> str:
        return f"{DOMAIN}.{self.dev_id}"

    def shown_attributes(self) -> dict[str, Any]:
        """The attributes, in Home Assistant's order."""
        attributes: dict[str, Any] = {"source_type": self.source_type}
        if self.gps is not None:
            attributes |= {"latitude": self.gps[0], "longitude": self.gps[1]}
            attributes["gps_accuracy"] = self.gps_accuracy
        if self.battery is not None:
            attributes["battery"] = self.battery
        attributes |= self.attributes
        if self.picture is not None:
            attributes["entity_picture"] = self.picture
        if self.icon is not None:
            attributes["icon"] = self.icon
        attributes["friendly_name"] = self.name or self.host_name or self.dev_id
        return attributes


def block_options(block: Any, issues: list[ConfigIssue]) -> tuple[timedelta, bool]:
    """``consider_home`` and whether new trackers are tracked, from the first item."""
    items = block if isinstance(block, list) else [block] if block else []
    first = items[0] if items and isinstance(items[0], Mapping) else {}
    consider_home = DEFAULT_CONSIDER_HOME
    track_new = True
    try:
        if "consider_home" in first:
            consider_home = _positive_period(first["consider_home"])
        defaults = first.get("new_device_defaults") or {}
        if "track_new_devices" in first:
            track_new = read_boolean(first["track_new_devices"])
        elif isinstance(defaults, Mapping) and "track_new_devices" in defaults:
            track_new = read_boolean(defaults["track_new_devices"])
    except (ValueError, DurationError) as err:
        issues.append(issue_at(first, None, f"{DOMAIN}[0]", str(err)))
    return consider_home, track_new


def _positive_period(value: Any) -> timedelta:
    """``consider_home`` as ``cv.positive_timedelta`` takes it: a duration above zero."""
    try:
        period = parse_duration(value)
    except DurationError as err:
        raise ValueError(f"consider_home: {err}") from None
    if period <= timedelta():
        raise ValueError(f"consider_home: must be a positive time, got {value!r}")
    return period


def known_devices(
    path: Path, config_dir: Path | None, consider_home: timedelta, issues: list[ConfigIssue]
) -> list[Tracker]:
    loaded = load_config_file(path, root=config_dir)
    issues.extend(loaded.errors)
    entries = loaded.value
    if entries is None or loaded.errors:
        return []
    if not isinstance(entries, Mapping):
        issues.append(
            ConfigIssue(f"{KNOWN_DEVICES} must map device ids to devices", file=str(path))
        )
        return []
    found = []
    for key, entry in entries.items():
        try:
            found.append(_known_device(key, entry, consider_home))
        except ValueError as err:
            place = str(err).split(":", 1)[0]
            at = place if isinstance(entry, Mapping) and place in entry else None
            issues.append(
                issue_at(entry if at else entries, at or key, f"{KNOWN_DEVICES}.{key}", str(err))
            )
    return found


def _known_device(key: Any, entry: Any, consider_home: timedelta) -> Tracker:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{key}: expected a mapping with a name")
    for name in entry:
        if name not in _ENTRY_KEYS | _DROPPED_KEYS:
            valid = ", ".join(sorted(_ENTRY_KEYS))
            raise ValueError(f"{name}: unknown key {name!r}; valid: {valid}")
    if entry.get("name") is None or isinstance(entry["name"], Mapping | list):
        raise ValueError("name: a device needs a 'name'")
    icon = entry.get("icon")
    if icon is not None and ":" not in str(icon):
        raise ValueError(f"icon: {icon!r} is not an icon (prefix:name, such as mdi:phone)")
    mac = entry.get("mac")
    tracker = Tracker(
        entity_slug(str(key)),
        _positive_period(entry["consider_home"]) if "consider_home" in entry else consider_home,
        _track(entry.get("track", False)),
        mac=str(mac).upper() if mac is not None else None,
        name=str(entry["name"]),
        picture=_picture(entry),
        icon=str(icon) if icon is not None else None,
    )
    return tracker


def _track(value: Any) -> bool:
    try:
        return read_boolean(value)
    except ValueError as err:
        raise ValueError(f"track: {err}") from None


def _picture(entry: Mapping[str, Any]) -> str | None:
    gravatar = entry.get("gravatar")
    if gravatar is not None:
        digest = hashlib.md5(str(gravatar).lower().encode("utf-8")).hexdigest()
        return f"https://www.gravatar.com/avatar/{digest}.jpg?s=80&d=wavatar"
    picture = entry.get("picture")
    return str(picture) if picture is not None else None
