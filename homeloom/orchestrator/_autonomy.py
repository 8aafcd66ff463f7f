"""Control versus autonomy: how much the house may do on its own, and what is guarded.

The effective level of one action is the most cautious of the household
ceiling, its assemblage's level, its scenario's level, and the guard on its
target: a guarded command is never ``auto`` unless a resident lifted the guard
for that entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._context import Context
from ._runtime import Runtime
from ._states import split_entity_id

__all__ = [
    "DEFAULT_GUARDED_SERVICES",
    "LEVELS",
    "AutonomyPolicy",
    "Decision",
    "Level",
    "most_cautious",
    "parse_level",
]

Level = Literal["auto", "suggest", "observe", "off"]
# From the most trusting to the most cautious.
LEVELS: tuple[Level, ...] = ("auto", "suggest", "observe", "off")
_CAUTION = {level: rank for rank, level in enumerate(LEVELS)}

DEFAULT_GUARDED_SERVICES = frozenset(
    {"lock.unlock", "lock.open", "alarm_control_panel.alarm_disarm"}
)
GUARDED_COVER_CLASSES = frozenset({"garage", "gate", "door"})
_COVER_OPENING = frozenset(
    {
        "open_cover",
        "set_cover_position",
        "toggle",
        "open_cover_tilt",
        "set_cover_tilt_position",
        "toggle_cover_tilt",
    }
)
_STORE_NAMESPACE = "autonomy"


def parse_level(value: Any) -> Level:
    """A level from configuration; raises ValueError naming the valid levels."""
    text = str(value).strip().lower() if value is not None else ""
    if text not in _CAUTION:
        raise ValueError(f"unknown autonomy level {value!r}; valid: {', '.join(LEVELS)}")
    return text


def most_cautious(*levels: Level | None) -> Level:
    present = [level for level in levels if level is not None]
    return max(present, key=_CAUTION.__getitem__) if present else "auto"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the gate decided for one command, and why."""

    level: Level
    guarded: bool
    reason: str

    @property
    def outcome(self) -> str:
        """How ``simulate`` and traces name it: done, proposed, observed or blocked."""
        if self.level == "auto":
            return "done"
        if self.level == "suggest":
            return "blocked" if self.guarded else "proposed"
        if self.level == "observe":
            return "observed"
        return "blocked"


class AutonomyPolicy:
    """Levels per layer and guards, changeable at run time, persisted and audited."""

    def __init__(self, runtime: Runtime, household: Level = "auto") -> None:
        self.runtime = runtime
        self.household: Level = household
        self.scenario_levels: dict[str, Level] = {}
        self.assemblage_levels: dict[str, Level] = {}
        self.guarded_services: set[str] = set(DEFAULT_GUARDED_SERVICES)
        self.guarded_entities: set[str] = set()
        self.lifted: set[str] = set()  # entities whose guard a resident lifted
        runtime.components["autonomy"] = self
        self._restore()

    # --- persistence -------------------------------------------------------------

    def _store(self) -> Any:
        return self.runtime.components.get("persistence")

    def _restore(self) -> None:
        store = self._store()
        if store is None:
            return
        saved = store.values(_STORE_NAMESPACE)
        for key, value in saved.items():
            layer, _, name = key.partition(":")
            if layer == "household":
                self.household = parse_level(value)
            elif layer == "scenario":
                self.scenario_levels[name] = parse_level(value)
            elif layer == "assemblage":
                self.assemblage_levels[name] = parse_level(value)
            elif layer == "lifted" and value:
                self.lifted.add(name)

    def _save(self, key: str, value: Any, context: Context | None, what: str) -> None:
        store = self._store()
        if store is None:
            return
        store.set_value(_STORE_NAMESPACE, key, value)
        store.audit("autonomy", {"change": what, "key": key, "value": value}, context)

    # --- levels ------------------------------------------------------------------

    def set_level(
        self, layer: str, name: str | None, level: Level, context: Context | None = None
    ) -> None:
        """Change a level at run time: the next action sees it; persisted and audited."""
        level = parse_level(level)
        if layer == "household":
            self.household = level
            key = "household:"
        elif layer == "scenario" and name:
            self.scenario_levels[name] = level
            key = f"scenario:{name}"
        elif layer == "assemblage" and name:
            self.assemblage_levels[name] = level
            key = f"assemblage:{name}"
        else:
            raise ValueError("layer must be household, scenario NAME or assemblage NAME")
        self._save(key, level, context, f"{layer} level")

    def lift_guard(
        self, entity_id: str, lifted: bool = True, context: Context | None = None
    ) -> None:
        if lifted:
            self.lifted.add(entity_id)
        else:
            self.lifted.discard(entity_id)
        self._save(
            f"lifted:{entity_id}", lifted, context, "guard lifted" if lifted else "guard set"
        )

    def add_guards(self, items: Iterable[str]) -> None:
        """``guarded:`` entries: ``domain.service`` names or entity ids."""
        for item in items:
            if self.runtime.services.has(*item.split(".", 1)):
                self.guarded_services.add(item)
            else:
                self.guarded_entities.add(item)

    # --- the gate ----------------------------------------------------------------

    def may_guard(self, domain: str, service: str) -> bool:
        """Whether any command of ``domain.service`` could be guarded; when not, whatever
        its target, ``is_guarded`` is False (and the target need not be read)."""
        return (
            bool(self.guarded_entities)
            or service in _COVER_OPENING
            or f"{domain}.{service}" in self.guarded_services
        )

    def is_guarded(self, domain: str, service: str, entity_ids: Iterable[str]) -> bool:
        name = f"{domain}.{service}"
        for entity_id in entity_ids:
            if entity_id in self.lifted:
                continue
            if name in self.guarded_services or entity_id in self.guarded_entities:
                return True
            opens_cover = split_entity_id(entity_id)[0] == "cover" and service in _COVER_OPENING
            if opens_cover and self._device_class(entity_id) in GUARDED_COVER_CLASSES:
                return True
        return not entity_ids and name in self.guarded_services

    def _device_class(self, entity_id: str) -> str | None:
        entry = self.runtime.registries.entities.get(entity_id)
        if entry is not None and entry.device_class:
            return entry.device_class
        state = self.runtime.states.get(entity_id)
        value = state.attributes.get("device_class") if state is not None else None
        return str(value) if value is not None else None

    def acts_alone(
        self,
        domain: str,
        service: str,
        entity_ids: Iterable[str],
        *,
        scenario: str | None = None,
        scenario_level: Level | None = None,
        assemblage: str | None = None,
        assemblage_level: Level | None = None,
    ) -> bool:
        """Whether the command runs at once (``decide`` would say auto), without the why:
        asked on every call, so it builds nothing."""
        if self.household != "auto":
            return False
        level = self.assemblage_levels.get(assemblage or "", assemblage_level)
        if level is not None and level != "auto":
            return False
        level = self.scenario_levels.get(scenario or "", scenario_level)
        if level is not None and level != "auto":
            return False
        if not entity_ids:  # as is_guarded answers for no target, without the call
            return f"{domain}.{service}" not in self.guarded_services
        return not self.is_guarded(domain, service, entity_ids)

    def decide(
        self,
        domain: str,
        service: str,
        entity_ids: Iterable[str],
        *,
        scenario: str | None = None,
        scenario_level: Level | None = None,
        assemblage: str | None = None,
        assemblage_level: Level | None = None,
    ) -> Decision:
        """The effective level of one command and the reason for it."""
        layers: dict[str, Level | None] = {
            "household": self.household,
            "assemblage": self.assemblage_levels.get(assemblage or "", assemblage_level),
            "scenario": self.scenario_levels.get(scenario or "", scenario_level),
        }
        level = most_cautious(*layers.values())
        guarded = self.is_guarded(domain, service, tuple(entity_ids))
        reason = next(
            (f"{layer} level is {value}" for layer, value in layers.items() if value == level),
            "",
        )
        if guarded and level == "auto":
            return Decision("suggest", True, f"{domain}.{service} is guarded")
        return Decision(level, guarded, reason)

    def describe(self) -> Mapping[str, Any]:
        return {
            "household": self.household,
            "scenarios": dict(self.scenario_levels),
            "assemblages": dict(self.assemblage_levels),
            "guarded_services": sorted(self.guarded_services),
            "guarded_entities": sorted(self.guarded_entities),
            "lifted": sorted(self.lifted),
        }
