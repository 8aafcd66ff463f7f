"""Legacy device trackers: ``device_tracker.see`` and ``known_devices.yaml``, as Home
Assistant 2024.3's device_tracker integration keeps them.

The integration runs when the configuration has a ``device_tracker:`` block (Home
Assistant also sets it up for an integration with trackers, such as its companion
app; homeloom takes a ``known_devices.yaml`` in the config dir as the sign of one).
Its first item's ``consider_home`` (180 s by default), ``track_new_devices`` and
``new_device_defaults: {track_new_devices}`` apply to every tracker.

* Each ``known_devices.yaml`` entry (``name`` required; ``mac``, ``icon``,
  ``picture``, ``gravatar``, ``track``, ``consider_home``) is ``device_tracker.<key
  as a slug>``; a tracked one (``track: true``) is shown at once, at its saved state
  or ``not_home``; an untracked one is remembered but never shown. A bad entry is
  reported and skipped.
* ``device_tracker.see`` (``dev_id`` or ``mac``; ``host_name``, ``location_name``,
  ``gps``, ``gps_accuracy``, ``battery``, ``attributes``, ``source_type`` (gps by
  default), ``consider_home``) updates that tracker, or makes a new one (tracked
  unless ``track_new_devices`` is false; its id from ``dev_id``, else the host name or
  mac as a slug) and fires ``device_tracker_new_device``. Its state is the
  ``location_name``, else for GPS the zone the coordinates are in (``home``, the
  zone's name, ``not_home``), else ``home``, which turns ``not_home`` once the tracker
  has not been seen for ``consider_home`` (checked every 5 seconds).

Home Assistant appends a new tracker to ``known_devices.yaml``; homeloom never writes
a resident's file: it logs the entry to add instead, and the tracker lasts until the
house stops.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Runtime,
    ServiceCall,
    ServiceValidationError,
    State,
    distance_m,
)

from ._durations import DurationError, parse_duration
from ._ha_restore import restored_state
from ._legacy_tracker_config import KNOWN_DEVICES, Tracker, block_options, known_devices
from ._slugs import entity_slug

__all__ = ["KNOWN_DEVICES", "setup_legacy_trackers"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "device_tracker"
NEW_DEVICE_EVENT = "device_tracker_new_device"
# How long after each 5-second mark the stale check runs: Home Assistant's least delay.
_CHECK_LAG = timedelta(milliseconds=50)
_SOURCE_TYPES = frozenset({"gps", "router", "bluetooth", "bluetooth_le"})
_SEE_KEYS = frozenset(
    {"mac", "dev_id", "host_name", "location_name", "gps", "gps_accuracy", "battery"}
    | {"attributes", "source_type", "consider_home", "battery_status", "hostname"}
)


class LegacyTrackers:
    """The trackers of the house and the ``see`` service that moves them."""

    def __init__(self, runtime: Runtime, consider_home: timedelta, track_new: bool) -> None:
        self.runtime = runtime
        self.consider_home = consider_home
        self.track_new = track_new
        self.devices: dict[str, Tracker] = {}
        self.by_mac: dict[str, Tracker] = {}

    def add_known(self, tracker: Tracker) -> None:
        # As Home Assistant: of two entries with one id or mac, the later one counts.
        self.devices[tracker.dev_id] = tracker
        if tracker.mac:
            self.by_mac[tracker.mac] = tracker

    def start(self) -> None:
        self.runtime.services.register(DOMAIN, "see", self._see)
        # As Home Assistant: stale trackers are looked at every 5 seconds of the minute,
        # a little after each mark (Home Assistant adds 50 to 500 ms, drawn at random):
        # so a tracker seen on a mark is stale at the mark consider_home later, and the
        # events of that very second come before the check.
        now = self.runtime.now()
        first = now.replace(microsecond=0) + timedelta(seconds=5 - now.second % 5)
        first += _CHECK_LAG
        self.runtime.scheduler.call_every(5, self._check_stale, first=first)
        for tracker in self.devices.values():
            if tracker.track:
                self._restore(tracker)
                self._write(tracker, Context())

    def _restore(self, tracker: Tracker) -> None:
        saved = restored_state(self.runtime, tracker.entity_id)
        if saved is None:
            return
        tracker.state = saved.state
        tracker.last_update_home = saved.state == "home"
        tracker.last_seen = self.runtime.now()
        attributes = saved.attributes
        tracker.source_type = attributes.get("source_type", tracker.source_type)
        tracker.gps_accuracy = attributes.get("gps_accuracy", tracker.gps_accuracy)
        tracker.battery = attributes.get("battery", tracker.battery)
        if "longitude" in attributes:
            tracker.gps = (attributes.get("latitude"), attributes["longitude"])

    def _write(self, tracker: Tracker, context: Context) -> None:
        self.runtime.states.set(
            tracker.entity_id, tracker.state, tracker.shown_attributes(), context=context
        )

    # --- see -----------------------------------------------------------------

    def _see(self, call: ServiceCall) -> None:
        data = _see_data(call.data)
        mac = data.get("mac")
        tracker: Tracker | None
        if mac is not None:
            mac = str(mac).upper()
            tracker = self.by_mac.get(mac)
            host_name = data.get("host_name")
            dev_id = entity_slug(host_name) if host_name else entity_slug(mac)
        else:
            dev_id = str(data["dev_id"]).lower()
            if entity_slug(dev_id) != dev_id:
                raise ServiceValidationError(
                    DOMAIN, "see", "dev_id", f"invalid slug {dev_id} (try {entity_slug(dev_id)})"
                )
            tracker = self.devices.get(dev_id)
        if tracker is not None:
            self._seen(tracker, data)
            if tracker.track:
                self._write(tracker, call.context)
            return
        tracker = self._new(dev_id, mac, data)
        self._seen(tracker, {k: v for k, v in data.items() if k != "consider_home"})
        if tracker.track:
            self._write(tracker, call.context)
        event = {"entity_id": tracker.entity_id, "host_name": tracker.host_name, "mac": mac}
        self.runtime.bus.fire(NEW_DEVICE_EVENT, event, context=call.context)
        _LOGGER.warning(
            "device_tracker.see made %s; homeloom does not write %s: add this entry to keep "
            "it: %s: {name: %s, mac: %s, track: %s}",
            tracker.entity_id,
            KNOWN_DEVICES,
            tracker.dev_id,
            tracker.name or tracker.host_name or tracker.dev_id,
            mac,
            str(tracker.track).lower(),
        )

    def _new(self, dev_id: str, mac: str | None, data: Mapping[str, Any]) -> Tracker:
        unique, suffix = dev_id, 2
        while unique in self.devices:  # as Home Assistant's ensure_unique_string
            unique, suffix = f"{dev_id}_{suffix}", suffix + 1
        tracker = Tracker(unique, data.get("consider_home") or self.consider_home, self.track_new)
        tracker.mac = mac
        self.devices[unique] = tracker
        if mac is not None:
            self.by_mac[mac] = tracker
        return tracker

    def _seen(self, tracker: Tracker, data: Mapping[str, Any]) -> None:
        tracker.source_type = data.get("source_type", "gps")
        tracker.last_seen = self.runtime.now()
        tracker.host_name = data.get("host_name") or tracker.host_name
        tracker.location_name = data.get("location_name")
        tracker.consider_home = data.get("consider_home") or tracker.consider_home
        if data.get("battery") is not None:
            tracker.battery = data["battery"]
        if data.get("attributes") is not None:
            tracker.attributes.update(data["attributes"])
        gps = data.get("gps")
        tracker.gps = (float(gps[0]), float(gps[1])) if gps is not None else None
        if gps is not None:
            tracker.gps_accuracy = data.get("gps_accuracy") or 0
        self._update(tracker)

    def _update(self, tracker: Tracker) -> None:
        """Work the state out, as Home Assistant's tracker update does."""
        if tracker.last_seen is None:
            return
        if tracker.location_name:
            tracker.state = tracker.location_name
        elif tracker.gps is not None and tracker.source_type == "gps":
            zone = active_zone(self.runtime, *tracker.gps, tracker.gps_accuracy)
            if zone is None:
                tracker.state = "not_home"
            elif zone.entity_id == "zone.home":
                tracker.state = "home"
            else:
                tracker.state = zone.name
        elif self._stale(tracker):
            tracker.state, tracker.gps, tracker.last_update_home = "not_home", None, False
        else:
            tracker.state, tracker.last_update_home = "home", True

    def _stale(self, tracker: Tracker) -> bool:
        seen = tracker.last_seen
        return seen is None or self.runtime.now() - seen > tracker.consider_home

    def _check_stale(self, _: datetime) -> None:
        for tracker in self.devices.values():
            if tracker.track and tracker.last_update_home and self._stale(tracker):
                self._update(tracker)
                self._write(tracker, Context())


def active_zone(
    runtime: Runtime, latitude: float, longitude: float, accuracy: float
) -> State | None:
    """The zone a point is in, as Home Assistant picks it: the nearest centre among the
    zones (not passive, not unavailable) the point is within, less ``accuracy``; the
    smaller zone on a tie; zones taken in entity id order."""
    closest: State | None = None
    nearest = float("inf")
    zones = sorted(
        (s for s in runtime.states.all() if s.domain == "zone"), key=lambda s: s.entity_id
    )
    for zone in zones:
        attributes = zone.attributes
        if zone.state == "unavailable" or attributes.get("passive"):
            continue
        try:
            lat, lon = float(attributes["latitude"]), float(attributes["longitude"])
            radius = float(attributes["radius"])
        except (KeyError, TypeError, ValueError):
            continue
        away = distance_m(latitude, longitude, lat, lon)
        if not away - radius < accuracy:
            continue
        if closest is not None and not (
            away < nearest or (away == nearest and radius < closest.attributes["radius"])
        ):
            continue
        closest, nearest = zone, away
    return closest


def _see_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``see`` call's data as Home Assistant's schema reads it, or a refusal."""
    for key in data:
        if key not in _SEE_KEYS:
            raise ServiceValidationError(
                DOMAIN,
                "see",
                str(key),
                f"extra keys not allowed @ data['{key}']",
                invalid_data=True,
            )
    if "mac" not in data and "dev_id" not in data:
        raise ServiceValidationError(
            DOMAIN, "see", "", "must contain at least one of mac, dev_id.", invalid_data=True
        )
    found = {k: v for k, v in data.items() if k not in ("battery_status", "hostname")}
    try:
        for key in ("mac", "dev_id", "host_name", "location_name"):
            if key in found:
                found[key] = _text(found[key])
        if "gps" in found:
            found["gps"] = _gps(found["gps"])
        for key in ("gps_accuracy", "battery"):
            if key in found:
                found[key] = _whole(found[key])
        if "attributes" in found and not isinstance(found["attributes"], Mapping):
            raise ValueError("attributes: expected a dictionary")
        if "source_type" in found and str(found["source_type"]) not in _SOURCE_TYPES:
            raise ValueError(f"source_type: {found['source_type']!r} is not a valid SourceType")
        if "consider_home" in found:
            found["consider_home"] = parse_duration(found["consider_home"])
    except (ValueError, DurationError) as err:
        raise ServiceValidationError(DOMAIN, "see", "", str(err), invalid_data=True) from None
    return found


def _text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list):
        raise ValueError(f"expected a text, got {value!r}")
    return str(value)


def _gps(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError("gps: expected [latitude, longitude]")
    latitude, longitude = float(value[0]), float(value[1])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"gps: {list(value)} is not a place on Earth")
    return latitude, longitude


def _whole(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"expected a positive whole number, got {value!r}")
    return number


# --- setup ---------------------------------------------------------------------


def setup_legacy_trackers(
    runtime: Runtime, config: Mapping[str, Any], config_dir: Path | None
) -> list[ConfigIssue]:
    """The house's legacy trackers and ``device_tracker.see``, when it has a
    ``device_tracker:`` block or a ``known_devices.yaml``."""
    known_file = config_dir / KNOWN_DEVICES if config_dir is not None else None
    has_file = known_file is not None and known_file.is_file()
    if DOMAIN not in config and not has_file:
        return []
    issues: list[ConfigIssue] = []
    consider_home, track_new = block_options(config.get(DOMAIN), issues)
    trackers = LegacyTrackers(runtime, consider_home, track_new)
    if has_file and known_file is not None:
        for tracker in known_devices(known_file, config_dir, consider_home, issues):
            trackers.add_known(tracker)
    trackers.start()
    return issues
