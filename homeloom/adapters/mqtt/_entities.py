"""The adapter's entities with their last reported state and whether they can be reached.

An entity reads ``unavailable`` while the broker connection is down or its
device (or bridge) says it is offline, and shows its last known state again
when both are back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import STATE_UNAVAILABLE, STATE_UNKNOWN, InvalidState

from .._sdk import AdapterHub, EntityDescription

__all__ = ["EntityBook", "Tracked"]

_MAX_STATE = 255


@dataclass(slots=True)
class Tracked:
    entity_id: str
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)
    available: bool = True
    expired: bool = False  # no report within the device's ``expire_after``


class EntityBook:
    """Every entity this adapter published, by entity id and by domain and unique id."""

    def __init__(self, hub: AdapterHub) -> None:
        self.hub = hub
        self.connected = False
        self._tracked: dict[str, Tracked] = {}
        # By (domain, unique id): Home Assistant keeps a sensor and a binary sensor
        # with one unique id as two entities.
        self._by_unique_id: dict[tuple[str, str], str] = {}

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._tracked

    def get(self, entity_id: str) -> Tracked | None:
        return self._tracked.get(entity_id)

    def publish(
        self,
        description: EntityDescription,
        state: str = STATE_UNKNOWN,
        attributes: Mapping[str, Any] | None = None,
        *,
        available: bool = True,
    ) -> str | None:
        """Register (or re-register) an entity; a known one keeps its last state. None:
        not added (disabled in Home Assistant's entity registry)."""
        attrs: dict[str, Any] = {"friendly_name": description.name}
        if description.device_class:
            attrs["device_class"] = description.device_class
        attrs.update(attributes or {})
        key = (description.domain, description.unique_id)
        known = self._by_unique_id.get(key)
        previous = self._tracked.get(known) if known is not None else None
        if previous is not None:
            state = previous.state if previous.state != STATE_UNKNOWN else state
            attrs = {**previous.attributes, **attrs}
        tracked = Tracked("", _fit(state), attrs, available)
        tracked.entity_id = self.hub.add_entity(description, self._shown(tracked), attrs)
        if self.hub.disabled(tracked.entity_id):
            return None
        self._tracked[tracked.entity_id] = tracked
        self._by_unique_id[key] = tracked.entity_id
        return tracked.entity_id

    def update(
        self,
        entity_id: str,
        state: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        *,
        force_update: bool = False,
        shown_null: Collection[str] = (),
    ) -> None:
        """A device report: a new state, new attributes (``None`` removes one, except
        one of ``shown_null``, shown as null), or both; ``force_update``: written (a
        state change event) even when nothing changed."""
        tracked = self._tracked.get(entity_id)
        if tracked is None:
            return
        if state is not None:
            tracked.state = _fit(state)
        for key, value in (attributes or {}).items():
            if value is None and key not in shown_null:
                tracked.attributes.pop(key, None)
            else:
                tracked.attributes[key] = value
        self._write(tracked, force_update=force_update)

    def set_available(self, entity_ids: Iterable[str], available: bool) -> None:
        for entity_id in entity_ids:
            tracked = self._tracked.get(entity_id)
            if tracked is not None and tracked.available != available:
                tracked.available = available
                self._write(tracked)

    def set_expired(self, entity_id: str, expired: bool) -> None:
        tracked = self._tracked.get(entity_id)
        if tracked is not None and tracked.expired != expired:
            tracked.expired = expired
            self._write(tracked)

    def set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        for tracked in self._tracked.values():
            self._write(tracked)

    def _shown(self, tracked: Tracked) -> str:
        shown = self.connected and tracked.available and not tracked.expired
        return tracked.state if shown else STATE_UNAVAILABLE

    def _write(self, tracked: Tracked, *, force_update: bool = False) -> None:
        try:
            self.hub.set_state(
                tracked.entity_id,
                self._shown(tracked),
                tracked.attributes,
                force_update=force_update,
            )
        except InvalidState as err:
            self.hub.logger.warning("ignored a state for %s: %s", tracked.entity_id, err)


def _fit(state: str) -> str:
    return state if len(state) <= _MAX_STATE else state[: _MAX_STATE - 1] + "…"
