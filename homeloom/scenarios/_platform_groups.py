"""Platform groups: ``light:``/``switch:``/``binary_sensor:``/``cover:``/``fan:``/``lock:``/
``media_player:`` items with ``platform: group``, as Home Assistant 2024.3 makes them.

Each item makes one entity of its domain (its id from the name, ``light.light_group``
without one) whose state follows its members': unavailable when every member that
exists is unavailable (or none exists), unknown when no member (``all: true``: not
every member) has a known state, else the domain's rule (a light is on when any
member, or with ``all`` every member, is on; a cover opening, closing, open or
closed; a lock jammed, locking, unlocking, locked only when every member is...).
A service on the group is carried out by calling it on the members, as Home
Assistant forwards it, and waits for them; covers and fans forward only to the members
whose ``supported_features`` allow it. The group shows ``entity_id`` (not while
unavailable) and its domain's merged attributes: a light's colour modes, brightness,
colours and effects (``_light_group``), a fan's speed, oscillation and direction
(``_fan_group``), a cover's position and tilt (``_cover_group``); their capabilities
and ``supported_features`` even while unavailable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Event,
    Runtime,
    ServiceValidationError,
    State,
    normalize_light_command,
)

from ._cover_group import (
    cover_attributes,
    cover_features,
    cover_needs,
    cover_state,
    features_of,
    member_needs,
    toggled,
)
from ._entity_hooks import Hooks, stop_entity
from ._errors import issue_at
from ._fan_group import FanCall, fan_attributes, fan_calls, fan_capabilities
from ._group_sources import mark_group_entity
from ._light_group import light_attributes, light_capabilities
from ._platform_options import domain_items
from ._registered_ids import registered_entity_id, with_registry_names
from ._sensor_groups import setup_sensor_group
from ._slugs import entity_slug

__all__ = ["setup_platform_groups"]

PLATFORM = "group"
_GONE = ("unknown", "unavailable")
# What Home Assistant names a group without a name, by domain.
_DEFAULT_NAMES = {
    "light": "Light Group",
    "switch": "Switch Group",
    "binary_sensor": "Binary Sensor Group",
    "cover": "Cover Group",
    "fan": "Fan Group",
    "lock": "Lock Group",
    "media_player": "Media Group",
}
DOMAINS = tuple(_DEFAULT_NAMES)
# Only these domains' groups take ``all`` (the others count any member).
_WITH_ALL = frozenset({"light", "switch", "binary_sensor"})
_KEYS = frozenset({"platform", "name", "unique_id", "entities"})
_EXTRA_KEYS = {"binary_sensor": frozenset({"device_class"})}
_MEDIA_STATES = frozenset({"off", "on", "idle", "playing", "paused", "standby", "buffering"})
# A light's turn_on fields the group passes on (the others it drops), as Home Assistant does.
_LIGHT_FORWARDED = frozenset(
    {
        "brightness",
        "color_temp_kelvin",
        "effect",
        "flash",
        "hs_color",
        "rgb_color",
        "rgbw_color",
        "rgbww_color",
        "transition",
        "white",
        "xy_color",
    }
)

# What Home Assistant's light service drops of a call when the light (here the group)
# lacks the feature bit (effect, flash, transition) or the colour mode.
_LIGHT_FEATURE_FIELDS = {"effect": 4, "flash": 8, "transition": 32}
_LIGHT_MODE_FIELDS = {
    "color_temp_kelvin": "color_temp",
    "hs_color": "hs",
    "rgb_color": "rgb",
    "rgbw_color": "rgbw",
    "rgbww_color": "rgbww",
    "white": "white",
    "xy_color": "xy",
}


@dataclass
class _PlatformGroup:
    runtime: Runtime
    domain: str
    entity_id: str
    name: str
    members: list[str]
    every: bool
    extra: dict[str, Any] = field(default_factory=dict)
    # A cover group's last motion shown (as Home Assistant: opening at first), for toggle.
    last_motion_open: bool = True
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self.hooks.keep(self.runtime.states.track(self.members, self._member_changed))
        self.hooks.keep(mark_group_entity(self.runtime, self.entity_id))
        # Internal: a call on the group waits for its members' calls, done here.
        services = self.runtime.services
        self.hooks.keep(services.set_provider(self.entity_id, self._command, internal=True))
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _member_changed(self, event: Event) -> None:
        self._write(event.context)

    def _states(self) -> list[State]:
        found = (self.runtime.states.get(member) for member in self.members)
        return [state for state in found if state is not None]

    def _write(self, context: Context | None) -> None:
        states = self._states()
        attributes: dict[str, Any] = dict(self.extra)
        if not any(state.state != "unavailable" for state in states):
            state = "unavailable"  # as Home Assistant, without the members' attributes
        else:
            state = _STATE_RULES[self.domain](self, [s.state for s in states])
            attributes["entity_id"] = list(self.members)
            attributes |= _ATTRIBUTES.get(self.domain, _no_attributes)(state, states)
        # Capabilities and features are shown even when unavailable, as Home Assistant does.
        attributes |= _CAPABILITIES.get(self.domain, _no_capabilities)(states)
        attributes["friendly_name"] = self.name
        if state in ("opening", "closing"):  # a cover group's motion, for its toggle
            self.last_motion_open = state == "opening"
        if self.domain == "light":
            attributes["icon"] = "mdi:lightbulb-group"
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context or Context(),
        )

    def _valid(self, states: list[str]) -> bool:
        mode = all if self.every else any
        return mode(state not in _GONE for state in states)

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        current = self.runtime.states.get(self.entity_id)
        if current is None or current.state == "unavailable":
            return None  # Home Assistant skips an unavailable entity
        if self.domain == "fan":
            calls = fan_calls(current, service, data, self.members, self._states())
            return self._call_all(calls, context) if calls else None
        if self.domain == "cover":
            service = self._cover_service(entity_id, current, service)
        forwarded = _forwarded(self, current.state, service, data)
        if forwarded is None:
            return None
        service, payload, members = forwarded
        # Missing members are passed on too: as Home Assistant, the call warns of them.
        if not members:
            return None
        return self._call_members(service, payload, members, context)

    def _cover_service(self, entity_id: str, current: State, service: str) -> str:
        """The service a cover group carries out for ``service``: refused when its
        features lack what the service needs, a toggle resolved."""
        needed = cover_needs(service)
        if needed is not None and features_of(current) & needed != needed:
            raise ServiceValidationError(
                "cover", service, "", f"Entity {entity_id} does not support this service."
            )
        if service not in ("toggle", "toggle_cover_tilt"):
            return service
        states = [state.state for state in self._states()]
        return toggled(service, current, states, self._valid(states), self.last_motion_open)

    async def _call_all(self, calls: list[FanCall], context: Context) -> None:
        for service, payload, members in calls:
            if members:
                await self._call_members(service, payload, members, context)

    async def _call_members(
        self, service: str, payload: dict[str, Any], members: list[str], context: Context
    ) -> None:
        await self.runtime.services.call(
            self.domain, service, payload, target={"entity_id": members}, context=context
        )


def _on_off(group: _PlatformGroup, states: list[str]) -> str:
    if not group._valid(states):
        return "unknown"
    mode = all if group.every else any
    return "on" if mode(state == "on" for state in states) else "off"


def _lock_state(group: _PlatformGroup, states: list[str]) -> str:
    if not group._valid(states):
        return "unknown"
    for moving in ("jammed", "locking", "unlocking"):
        if moving in states:
            return moving
    return "locked" if all(state == "locked" for state in states) else "unlocked"


def _cover_state(group: _PlatformGroup, states: list[str]) -> str:
    return cover_state(states, group._valid(states))


def _media_state(group: _PlatformGroup, states: list[str]) -> str:
    if not group._valid(states):
        return "unknown"
    if all(state == states[0] for state in states):
        return states[0] if states[0] in _MEDIA_STATES else "unknown"
    return "on" if any(state not in ("off", *_GONE) for state in states) else "off"


_STATE_RULES: dict[str, Callable[[_PlatformGroup, list[str]], str]] = {
    "light": _on_off,
    "switch": _on_off,
    "binary_sensor": _on_off,
    "fan": _on_off,
    "lock": _lock_state,
    "cover": _cover_state,
    "media_player": _media_state,
}


def _no_attributes(state: str, members: list[State]) -> dict[str, Any]:
    return {}


def _no_capabilities(members: list[State]) -> dict[str, Any]:
    return {}


_ATTRIBUTES: dict[str, Callable[[str, list[State]], dict[str, Any]]] = {
    "light": light_attributes,
    "fan": lambda state, members: fan_attributes(members),
    "cover": cover_attributes,
}
_CAPABILITIES: dict[str, Callable[[list[State]], dict[str, Any]]] = {
    "light": light_capabilities,
    "fan": fan_capabilities,
    "cover": lambda members: {"supported_features": cover_features(members)},
}

Forwarded = tuple[str, dict[str, Any], list[str]]


def _forwarded(
    group: _PlatformGroup, state: str, service: str, data: Mapping[str, Any]
) -> Forwarded | None:
    """The call the group makes of its members for ``service``, or None for none."""
    members = group.members
    if service == "toggle" and group.domain in ("light", "switch"):
        service = "turn_off" if state == "on" else "turn_on"
    if group.domain == "light":
        if service == "turn_on":
            fields = _light_turn_on(group, data)
            if fields is None:  # brightness 0: Home Assistant's light service turns it off
                return "turn_off", _light_turn_off(group, data), members
            return service, fields, members
        if service == "turn_off":
            return service, _light_turn_off(group, data), members
        return None
    if group.domain in ("switch", "lock"):
        return service, {}, members
    if group.domain == "cover":
        if cover_needs(service) is None:
            return None
        payload = {k: v for k, v in data.items() if k in ("position", "tilt_position")}
        return service, payload, _supporting(group, member_needs(service))
    return service, dict(data), members


def _supporting(group: _PlatformGroup, needed: int) -> list[str]:
    """The members whose features include ``needed``, in the order they are listed."""
    found = (group.runtime.states.get(member) for member in group.members)
    return [s.entity_id for s in found if s is not None and features_of(s) & needed]


def _light_turn_on(group: _PlatformGroup, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a light group passes on of a ``turn_on``: the data as Home Assistant's light
    service hands it to the group (``brightness_pct``, a step from the group's brightness,
    ``kelvin``, mireds and a colour name converted, a colour turned into one of the
    group's colour modes, what its modes and features lack dropped), of the fields the
    group forwards."""
    current = group.runtime.states.get(group.entity_id)
    shown = current.attributes if current is not None else {}
    lit = current is not None and current.state == "on"
    modes = set(shown.get("supported_color_modes") or ("onoff",))
    kelvin_range = (
        int(shown.get("min_color_temp_kelvin") or 2000),
        int(shown.get("max_color_temp_kelvin") or 6500),
    )
    brightness = shown.get("brightness") if lit else None
    fields = normalize_light_command(data, brightness, modes=modes, kelvin_range=kelvin_range)
    if fields.get("brightness") == 0 or fields.get("white") == 0:
        return None  # the call is a turn_off, as Home Assistant's light service makes it
    features = int(shown.get("supported_features") or 0)
    lacking = {key for key, bit in _LIGHT_FEATURE_FIELDS.items() if not features & bit}
    lacking |= {key for key, mode in _LIGHT_MODE_FIELDS.items() if mode not in modes}
    if not modes - {"onoff"}:
        lacking.add("brightness")
    return {k: v for k, v in fields.items() if k in _LIGHT_FORWARDED and k not in lacking}


def _light_turn_off(group: _PlatformGroup, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a light group passes on of a ``turn_off``: its ``transition``, only when the
    group has the transition feature (no member has it: Home Assistant's light service
    drops it before the group sees the call)."""
    current = group.runtime.states.get(group.entity_id)
    features = int(current.attributes.get("supported_features") or 0) if current else 0
    if not features & _LIGHT_FEATURE_FIELDS["transition"]:
        return {}
    return {k: v for k, v in data.items() if k == "transition"}


_Setup = Callable[[Runtime, Mapping[str, Any], str], list[ConfigIssue]]
# The other platforms that compute an entity from others' states, set up alongside: the
# module and function of each, imported when an item of it is met (a house pays only
# for the platforms it uses).
_COMPUTED: dict[tuple[str, Any], tuple[str, str]] = {
    ("sensor", "min_max"): ("_min_max", "setup_min_max"),
    ("sensor", "derivative"): ("_derivative", "setup_derivative"),
    ("sensor", "integration"): ("_integration", "setup_integration"),
    ("sensor", "statistics"): ("_statistics", "setup_statistics"),
    ("sensor", "history_stats"): ("_history_stats", "setup_history_stats"),
    ("sensor", "filter"): ("_filter_sensor", "setup_filter_sensor"),
    ("binary_sensor", "bayesian"): ("_bayesian", "setup_bayesian"),
    ("binary_sensor", "threshold"): ("_threshold", "setup_threshold"),
    ("binary_sensor", "tod"): ("_tod", "setup_tod"),
    ("binary_sensor", "trend"): ("_trend", "setup_trend"),
    ("media_player", "universal"): ("_universal_media", "setup_universal_players"),
}


def _computed_setup(domain: str, platform: Any) -> _Setup | None:
    """The setup function of a computing platform's items, or None for another platform."""
    found = _COMPUTED.get((domain, platform))
    if found is None:
        return None
    module, function = found
    setup: _Setup = getattr(import_module(f"{__package__}.{module}"), function)
    return setup


# The domains whose items are read here: the groups', and sensor's (its groups are of
# numbers, made by their own module, as min_max and derivative are).
_WALKED = frozenset({*DOMAINS, "sensor"})


def setup_platform_groups(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every ``platform: group`` item's entity, and every min_max, threshold and
    derivative item's; a bad item is reported and skipped, as Home Assistant skips a
    platform it cannot validate."""
    issues: list[ConfigIssue] = []
    for domain, where, item in domain_items(config, _WALKED):
        computed = _computed_setup(domain, item.get("platform"))
        if computed is not None:  # min_max, threshold, derivative: their own modules
            issues.extend(computed(runtime, item, where))
            continue
        if item.get("platform") != PLATFORM:
            continue
        if domain == "sensor":  # a sensor group combines numbers: its own module
            issues.extend(setup_sensor_group(runtime, item, where))
            continue
        problem = _problem(domain, item)
        if problem is not None:
            at = problem[0] if problem[0] in item else None
            issues.append(issue_at(item, at, f"{where}.{problem[0]}", problem[1]))
            continue
        group = _group(runtime, domain, item)
        if group is not None:  # None: not added, as Home Assistant does not
            group.start()
    return issues


def _problem(domain: str, item: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first key of ``item`` Home Assistant's schema rejects, and why."""
    allowed = (
        _KEYS | _EXTRA_KEYS.get(domain, frozenset()) | ({"all"} if domain in _WITH_ALL else set())
    )
    for key in item:
        if key not in allowed:
            return str(key), f"unknown key {key!r}; valid: {', '.join(sorted(allowed))}"
    members = item.get("entities")
    if members is None:
        return "entities", "'entities' missing"
    for member in _listed(members):
        if not isinstance(member, str) or member.partition(".")[0] != domain:
            return "entities", f"{member!r} is not a {domain} entity id"
    if "all" in item and not isinstance(item["all"], bool):
        return "all", "expected a boolean"
    return None


def _listed(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    return (
        [v.strip().lower() if isinstance(v, str) else v for v in value]
        if isinstance(value, list)
        else [value]
    )


def _group(runtime: Runtime, domain: str, item: Mapping[str, Any]) -> _PlatformGroup | None:
    name = str(item.get("name") or _DEFAULT_NAMES[domain])
    extra = {"device_class": item["device_class"]} if item.get("device_class") else {}
    base, unique_id = f"{domain}.{entity_slug(name)}", item.get("unique_id")
    entity_id = registered_entity_id(runtime, base, set(), PLATFORM, unique_id)
    if entity_id is None:
        return None
    return _PlatformGroup(
        runtime,
        domain,
        entity_id,
        name,
        _listed(item["entities"]),
        bool(item.get("all")),
        extra,
    )
