"""What an entity made from a config entry started, so that it can be stopped.

Home Assistant reloads a config entry by removing its entities (their listeners and
timers end with them; as its entity registry keeps them, their states turn
``unavailable``) and setting it up again. Each kind of entity homeloom makes from an
entry keeps its state listeners, timers and service providers in one :class:`Hooks`
and stops as :func:`stop_entity` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from homeloom.orchestrator import Runtime, Unsubscribe

__all__ = ["Hooks", "Stoppable", "show_removed", "stop_entity"]

# What Home Assistant's entity registry keeps of an entity and shows once it is gone:
# the name, classes, icon, features (0 when none) and capabilities (a sensor's state
# class, a select's options, a light's colour modes...). Its unit is the one the entity
# had when first registered, before it read its sources: none, for these helpers but
# the template sensors with a unit of their own (``show_removed``'s ``unit``).
_KEPT = (
    "friendly_name",
    "device_class",
    "icon",
    "supported_features",
    "state_class",
    "options",
    "supported_color_modes",
    "min_color_temp_kelvin",
    "max_color_temp_kelvin",
    "min_mireds",
    "max_mireds",
    "effect_list",
    "preset_modes",
)


class Stoppable(Protocol):
    """An entity that can end everything it started and remove its state."""

    @property
    def entity_id(self) -> str: ...

    def stop(self) -> None: ...


@dataclass(slots=True)
class Hooks:
    """The cancel callables of an entity's listeners, timers and providers.

    A timer set again under the same ``slot`` replaces the one before (which has fired
    or been cancelled), so an entity that reschedules itself keeps one of each."""

    cancels: dict[str, Unsubscribe] = field(default_factory=dict)

    def keep(self, cancel: Unsubscribe, slot: str | None = None) -> Unsubscribe:
        self.cancels[slot if slot is not None else f"#{len(self.cancels)}"] = cancel
        return cancel

    def end(self) -> None:
        """Cancel everything kept; the entity hears and schedules nothing more."""
        cancels = list(self.cancels.values())
        self.cancels.clear()
        for cancel in cancels:
            cancel()


def stop_entity(runtime: Runtime, hooks: Hooks, *entity_ids: str) -> None:
    """End what ``hooks`` keep, and show the entities removed (:func:`show_removed`)."""
    hooks.end()
    show_removed(runtime, *entity_ids)


def show_removed(runtime: Runtime, *entity_ids: str, unit: str | None = None) -> None:
    """Show the entities as Home Assistant shows an entity of its entity registry once
    removed (every config entry's entity is there): ``unavailable``, ``restored``, with
    what the registry keeps of it (name, classes, icon, features and capabilities),
    here taken from its last state, and ``unit``, the unit it had when made."""
    for entity_id in entity_ids:
        last = runtime.states.get(entity_id)
        kept = (
            {} if last is None else {k: last.attributes[k] for k in _KEPT if k in last.attributes}
        )
        shown = {"restored": True, "supported_features": 0, **kept}
        if unit is not None:
            shown["unit_of_measurement"] = unit
        runtime.states.set(entity_id, "unavailable", shown)
