"""Universal media players (``media_player:`` items with ``platform: universal``), as Home
Assistant 2024.3 makes them: one player in front of several others.

What Home Assistant does and homeloom mirrors:

* the entity is ``media_player.<name as a slug>`` (``name`` is required); it follows
  its ``children``: the active child is the one furthest along ``idle``, ``standby``,
  ``on``, ``paused``, ``buffering``, ``playing`` (the first listed on a tie; an off,
  unknown or unavailable child is never active), or the entity ``active_child_template``
  renders, whatever its state;
* its state is the ``state_template``'s result when there is one; else ``off`` when
  ``attributes: {state: ...}`` gives ``off`` (or nothing), else the active child's,
  else that ``state`` override, else ``off``;
* it shows the active child's media attributes (not while off), ``active_child``, and
  each ``attributes:`` override (``volume_level: media_player.amp|volume_level`` reads
  an attribute, ``is_volume_muted: input_boolean.mute`` a state);
* its ``supported_features`` are the active child's, with the bits its ``commands``
  bring (turn_on, volume_set...; mute, source, sound mode, shuffle and repeat only with
  their attribute override too);
* a service it supports runs its ``commands:`` entry (a service call, with the call's
  data as variables: ``volume_level``, ``source``...), else is called on the active
  child, and waits for it; ``media_seek`` always goes to the child; ``toggle``
  without a command turns on from off, idle or standby, else off; ``join`` and
  ``unjoin`` are never forwarded (a ``commands`` entry for them is ignored): they fail
  as unsupported, or, when the active child groups, in a way ``continue_on_error``
  does not go past.

It is written once at setup before anything is known (``off``, or ``unknown`` with a
``state_template``), as Home Assistant adds it without an update; it follows its
children from their next change, its templates from the start of the house.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from typing import Any

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Event,
    Runtime,
    ServiceValidationError,
    State,
)

from ._errors import ScenarioConfigError
from ._platform_options import OptionError, option_issue
from ._registered_ids import registered_entity_id, with_registry_names
from ._script import Script
from ._slugs import entity_slug
from ._template_states import RenderInfo
from ._template_tracking import ReadWatch
from ._templates import TemplateError, get_template_engine
from ._universal_media_config import UniversalOptions, read_universal_options

__all__ = ["setup_universal_players"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "media_player"
PLATFORM = "universal"
# The order in which a child counts as more active; idle and after can be active.
_ACTIVITY = ("unknown", "unavailable", "off", "idle", "standby", "on", "paused", "buffering")
_ACTIVITY_RANK = {state: rank for rank, state in enumerate((*_ACTIVITY, "playing"))}
_FIRST_ACTIVE = _ACTIVITY_RANK["idle"]
# Media player features (MediaPlayerEntityFeature).
_PAUSE, _SEEK, _VOLUME_SET, _VOLUME_MUTE, _PREVIOUS, _NEXT = 1, 2, 4, 8, 16, 32
_TURN_ON, _TURN_OFF, _PLAY_MEDIA, _VOLUME_STEP, _SELECT_SOURCE = 128, 256, 512, 1024, 2048
_STOP, _CLEAR_PLAYLIST, _PLAY, _SHUFFLE_SET, _SELECT_SOUND_MODE = 4096, 8192, 16384, 32768, 65536
_BROWSE_MEDIA, _REPEAT_SET, _GROUPING = 131072, 262144, 524288
# The feature a command brings, and the attribute override it also needs (if any).
_COMMAND_FEATURES: dict[str, tuple[int, str | None]] = {
    "turn_on": (_TURN_ON, None),
    "turn_off": (_TURN_OFF, None),
    "media_play": (_PLAY, None),
    "media_pause": (_PAUSE, None),
    "media_stop": (_STOP, None),
    "media_next_track": (_NEXT, None),
    "media_previous_track": (_PREVIOUS, None),
    "volume_up": (_VOLUME_STEP, None),
    "volume_down": (_VOLUME_STEP, None),
    "volume_set": (_VOLUME_SET, None),
    "volume_mute": (_VOLUME_MUTE, "is_volume_muted"),
    "select_source": (_SELECT_SOURCE, "source_list"),
    "play_media": (_PLAY_MEDIA, None),
    "clear_playlist": (_CLEAR_PLAYLIST, None),
    "shuffle_set": (_SHUFFLE_SET, "shuffle"),
    "repeat_set": (_REPEAT_SET, "repeat"),
    "select_sound_mode": (_SELECT_SOUND_MODE, "sound_mode_list"),
}
# Each service: the feature sets that let it run (any one, whole), and the data fields
# the player passes on (the child's service field: the caller's field).
_SERVICES: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {
    "turn_on": ((_TURN_ON,), {}),
    "turn_off": ((_TURN_OFF,), {}),
    "toggle": ((_TURN_OFF, _TURN_ON), {}),
    "volume_up": ((_VOLUME_SET, _VOLUME_STEP), {}),
    "volume_down": ((_VOLUME_SET, _VOLUME_STEP), {}),
    "media_play_pause": ((_PLAY | _PAUSE,), {}),
    "media_play": ((_PLAY,), {}),
    "media_pause": ((_PAUSE,), {}),
    "media_stop": ((_STOP,), {}),
    "media_next_track": ((_NEXT,), {}),
    "media_previous_track": ((_PREVIOUS,), {}),
    "clear_playlist": ((_CLEAR_PLAYLIST,), {}),
    "volume_set": ((_VOLUME_SET,), {"volume_level": "volume_level"}),
    "volume_mute": ((_VOLUME_MUTE,), {"is_volume_muted": "is_volume_muted"}),
    "media_seek": ((_SEEK,), {"seek_position": "seek_position"}),
    "select_source": ((_SELECT_SOURCE,), {"source": "source"}),
    "select_sound_mode": ((_SELECT_SOUND_MODE,), {"sound_mode": "sound_mode"}),
    "play_media": (
        (_PLAY_MEDIA,),
        {"media_content_type": "media_content_type", "media_content_id": "media_content_id"},
    ),
    "shuffle_set": ((_SHUFFLE_SET,), {"shuffle": "shuffle"}),
    "repeat_set": ((_REPEAT_SET,), {"repeat": "repeat"}),
}
# Grouping services: never forwarded, to a child or a command (Home Assistant 2024.3's
# player lacks them), though the active child's grouping feature is shown as its own.
_GROUPING_SERVICES = frozenset({"join", "unjoin"})
# Services the player never hands a command: always the active child's.
_CHILD_ONLY = frozenset({"media_seek"})
# The child's attributes shown, in Home Assistant's order; those an override may replace.
_SHOWN = (
    "volume_level",
    "is_volume_muted",
    "media_content_id",
    "media_content_type",
    "media_duration",
    "media_position",
    "media_position_updated_at",
    "media_title",
    "media_artist",
    "media_album_name",
    "media_album_artist",
    "media_track",
    "media_series_title",
    "media_season",
    "media_episode",
    "media_channel",
    "media_playlist",
    "app_id",
    "app_name",
    "source",
    "sound_mode",
    "shuffle",
    "repeat",
)
# The players whose calls are being carried out in this task: a player that is its own
# child (through others, or through its active child template) is not called again.
_FORWARDING: ContextVar[frozenset[str]] = ContextVar("universal_forwarding", default=frozenset())
_OVERRIDABLE = frozenset(
    {"volume_level", "is_volume_muted", "source", "source_list", "sound_mode"}
    | {"sound_mode_list", "shuffle", "repeat"}
)


class UniversalPlayer:
    """One universal media player: its active child, templates and commands."""

    def __init__(
        self, runtime: Runtime, entity_id: str, options: UniversalOptions, where: str = PLATFORM
    ) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.options = options
        self.child: State | None = None
        engine = get_template_engine(runtime)
        self.templates = {key: engine.template(s) for key, s in options.templates.items()}
        self.results: dict[str, Any] = {}
        self._tracking = ReadWatch(runtime, self._render_templates)
        self.commands = {
            service: Script(
                runtime,
                sequence,
                name=entity_id,
                domain=PLATFORM,
                item_id=f"{entity_id}.{service}",
                mode="parallel",  # as Home Assistant: a plain service call, never queued
                path=f"{where}.commands.{service}",
            )
            for service, sequence in options.commands.items()
        }

    def start(self) -> None:
        watched = {*self.options.children, *(e for e, _ in self.options.overrides.values())}
        if watched:
            self.runtime.states.track(sorted(watched), self._dependency_changed)
        self.runtime.services.set_provider(self.entity_id, self._command, internal=True)
        if self.templates:
            self.runtime.on_start(self._render_templates)
        self._write(Context())

    # --- state ---------------------------------------------------------------

    def _dependency_changed(self, event: Event) -> None:
        self._update()
        self._write(event.context)

    def _render_templates(self, event: Event | None = None) -> None:
        read = RenderInfo()
        for key, template in self.templates.items():
            try:
                value, info = template.render_with_info({})
                read.add(info)
            except TemplateError as err:
                value = None  # as Home Assistant: an error is no result
                if err.read is not None:
                    read.add(err.read)
            self.results[key] = None if value is None else str(value)
        self._tracking.follow(read)
        self._update()
        self._write(event.context if event is not None else Context())

    def _update(self) -> None:
        """Find the active child, as Home Assistant's update does."""
        chosen = self.results.get("active_child_template")
        if chosen:
            self.child = self.runtime.states.get(chosen)
            return
        self.child = None
        best = -1
        for child in self.options.children:
            state = self.runtime.states.get(child)
            rank = _ACTIVITY_RANK.get(state.state, 0) if state is not None else 0
            if state is not None and rank >= _FIRST_ACTIVE and rank > best:
                self.child, best = state, rank

    def _lookup(self, entity_id: str, attribute: str | None) -> Any:
        state = self.runtime.states.get(entity_id)
        if state is None:
            return None
        return state.attributes.get(attribute) if attribute else state.state

    def _child_attribute(self, name: str) -> Any:
        return self.child.attributes.get(name) if self.child is not None else None

    def _attribute(self, name: str) -> Any:
        """The override for ``name`` when there is one, else the active child's."""
        if name in self.options.overrides:
            return self._lookup(*self.options.overrides[name])
        return self._child_attribute(name)

    def state(self) -> str | None:
        if "state_template" in self.templates:
            return self.results.get("state_template")
        master = None
        if "state" in self.options.overrides:
            master = self._lookup(*self.options.overrides["state"]) or "off"
        if master == "off":
            return master
        if self.child is not None:
            return self.child.state
        return master or "off"

    def features(self) -> int:
        flags = int(self._child_attribute("supported_features") or 0)
        for service, (feature, needed) in _COMMAND_FEATURES.items():
            if service in self.commands and (needed is None or needed in self.options.overrides):
                flags |= feature
        if "media_play_pause" in self.commands:
            flags |= _PLAY | _PAUSE
        if self.options.browse_media_entity:
            flags |= _BROWSE_MEDIA
        return flags

    def _write(self, context: Context) -> None:
        state = self.state()
        features = self.features()
        attributes: dict[str, Any] = {}
        for listed, feature in (
            ("source_list", _SELECT_SOURCE),
            ("sound_mode_list", _SELECT_SOUND_MODE),
        ):
            value = self._attribute(listed)
            if value and features & feature:
                attributes[listed] = value
        if state != "off":
            attributes |= self._media_attributes()
        if self.child is not None:
            attributes["active_child"] = self.child.entity_id
        # Then the entity's own, in Home Assistant's order.
        if self._child_attribute("assumed_state"):
            attributes["assumed_state"] = True
        if self.options.device_class:
            attributes["device_class"] = self.options.device_class
        picture = self._child_attribute("entity_picture")
        if picture is not None:
            attributes["entity_picture"] = picture
        attributes["friendly_name"] = self.options.name
        attributes["supported_features"] = features
        shown = "unknown" if state is None else str(state)
        self.runtime.states.set(
            self.entity_id,
            shown,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context,
        )

    def _media_attributes(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in _SHOWN:
            value = self._attribute(name) if name in _OVERRIDABLE else self._child_attribute(name)
            if name == "volume_level":
                value = _float_or_none(value)
            elif name == "is_volume_muted":
                value = value in (True, "on")  # as Home Assistant: always a yes or no
            if value is not None:
                found[name] = value
        return found

    # --- services ------------------------------------------------------------

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        spec = _SERVICES.get(service)
        features = self.features()
        if service in _GROUPING_SERVICES and features & _GROUPING:
            # Home Assistant 2024.3's player has no join of its own: the base entity's
            # NotImplementedError, no HomeAssistantError, is not gone past by
            # ``continue_on_error``.
            message = f"Entity {entity_id} cannot {service}: a universal player does not group"
            raise ServiceValidationError(DOMAIN, service, "", message, invalid_data=True)
        if spec is None or not any(features & needed == needed for needed in spec[0]):
            raise ServiceValidationError(
                DOMAIN, service, "", f"Entity {entity_id} does not support this service."
            )
        if service == "toggle" and "toggle" not in self.commands:
            service = "turn_on" if self.state() in ("off", "idle", "standby") else "turn_off"
        payload = {field: data[key] for field, key in spec[1].items() if key in data}
        return self._call(service, payload, context)

    async def _call(self, service: str, payload: dict[str, Any], context: Context) -> None:
        chain = _FORWARDING.get()
        if self.entity_id in chain:
            _LOGGER.error("%s: a call came back to it through its children", self.entity_id)
            return
        token = _FORWARDING.set(chain | {self.entity_id})
        try:
            await self._carry_out(service, payload, context)
        finally:
            _FORWARDING.reset(token)

    async def _carry_out(self, service: str, payload: dict[str, Any], context: Context) -> None:
        script = self.commands.get(service) if service not in _CHILD_ONLY else None
        if script is not None:
            # As Home Assistant: the command's call is made in a context of its own.
            await script.run(payload, Context())
            return
        if self.child is None:
            return  # as Home Assistant: no child to call the service on
        await self.runtime.services.call(
            DOMAIN, service, payload, target={"entity_id": self.child.entity_id}, context=context
        )


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def setup_universal_players(
    runtime: Runtime, item: Mapping[str, Any], where: str
) -> list[ConfigIssue]:
    """Make the universal player of one ``platform: universal`` item; a bad item is
    reported and skipped, as Home Assistant skips a platform it cannot validate."""
    try:
        options = read_universal_options(item)
    except OptionError as err:
        return [option_issue(item, where, err)]
    taken: set[str] = set()
    base = f"{DOMAIN}.{entity_slug(options.name)}"
    entity_id = registered_entity_id(runtime, base, taken, "universal", item.get("unique_id"))
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    try:
        player = UniversalPlayer(runtime, entity_id, options, where)
    except ScenarioConfigError as err:  # a command that is no valid service call
        return err.issues
    player.start()
    return []
