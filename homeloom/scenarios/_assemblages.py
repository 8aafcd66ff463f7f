"""Assemblages: named compositions of things, entities and people, with roles and scenarios.

An ``assemblage:`` block names its members, binds roles to them ("the lamp",
"the sensor"), and writes scenarios against the roles: inline, where ``!input
ROLE`` stands for the bound member, or as a blueprint whose inputs the roles
fill. The same blueprint in two assemblages gives two independent sets of
scenarios. Each assemblage is an entity ``assemblage.<id>`` (on/off enables or
disables all its scenarios), may publish derived state (template entities
such as ``binary_sensor.<id>_active``) and carries its own autonomy level.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from homeloom.orchestrator import (
    AutonomyPolicy,
    ConfigIssue,
    Context,
    Event,
    Level,
    Proposals,
    Runtime,
    ServiceCall,
    parse_level,
)

from ._assemblage_config import DOMAIN, Assemblage, parse_assemblage
from ._errors import issue_at
from ._template_tracking import ReadWatch
from ._templates import Template, TemplateError, get_template_engine, parse_result

__all__ = ["DOMAIN", "Assemblage", "Assemblages", "setup_assemblages"]

_LOGGER = logging.getLogger(__name__)
_TRUE = {"true", "on", "yes", "1", "open", "home"}


class Assemblages:
    """The assemblages of the house; kept as ``runtime.components["assemblages"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.items: dict[str, Assemblage] = {}
        self._untrack: list[Any] = []
        runtime.components["assemblages"] = self
        for service in ("turn_on", "turn_off", "toggle"):
            runtime.services.register(DOMAIN, service, self._switch)

    def load(self, config: Mapping[str, Any], config_dir: Path | None) -> list[ConfigIssue]:
        """(Re)read the block: each assemblage keeps its on/off state across reloads."""
        for untrack in self._untrack:
            untrack()
        self._untrack.clear()
        previous_items, self.items = self.items, {}
        found_block: Any = config.get(DOMAIN) or {}
        issues: list[ConfigIssue] = []
        if not isinstance(found_block, Mapping):
            message = "assemblage must map each assemblage's id to its configuration"
            issues.append(issue_at(config, DOMAIN, DOMAIN, message))
            found_block = {}
        block: Mapping[str, Any] = found_block
        for key, value in block.items():
            found: list[ConfigIssue] = []
            assemblage = parse_assemblage(self.runtime, block, str(key), value, config_dir, found)
            issues.extend(found)
            if assemblage is None or found:
                continue
            self.items[assemblage.id] = assemblage
            previous = self.runtime.states.get(assemblage.entity_id)
            initial = value.get("initial_state")
            if initial is not None and previous is None:
                enabled = bool(initial)
            else:
                enabled = previous is None or previous.state != "off"
            self._publish(assemblage, "on" if enabled else "off")
            self._start_derived(assemblage)
        for gone in previous_items.values():
            derived = set(gone.derived) - {e for a in self.items.values() for e in a.derived}
            for entity_id in sorted(derived):
                self.runtime.states.remove(entity_id)
            if gone.id not in self.items:
                self.runtime.states.remove(gone.entity_id)
        return issues

    # --- reading -------------------------------------------------------------------

    def get(self, key: str) -> Assemblage | None:
        key = key.removeprefix(f"{DOMAIN}.")
        return self.items.get(key) or next(
            (item for item in self.items.values() if item.name.lower() == key.lower()), None
        )

    def is_enabled(self, assemblage_id: str) -> bool:
        state = self.runtime.states.get(f"{DOMAIN}.{assemblage_id}")
        return state is None or state.state != "off"

    def scenario_items(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        """Each scenario's configuration with the homeloom keys its assemblage adds."""
        for assemblage in self.items.values():
            extra: dict[str, Any] = {"assemblage": assemblage.id}
            if assemblage.autonomy is not None:
                extra["assemblage_level"] = assemblage.autonomy
            if assemblage.approvers:
                extra["approvers"] = assemblage.approvers
            for item in assemblage.scenario_items:
                yield item, extra

    def scenarios_of(self, assemblage_id: str) -> list[Any]:
        automations = self.runtime.components.get("automations")
        if automations is None:
            return []
        return [
            automation
            for automation in automations.automations.values()
            if automation.spec.extra.get("assemblage") == assemblage_id
        ]

    def describe(self, assemblage: Assemblage) -> dict[str, Any]:
        """Everything ``homeloom assemblage show`` and the dashboard print."""
        policy = self.runtime.components.get("autonomy")
        proposals = self.runtime.components.get("proposals")
        level = assemblage.autonomy
        scenarios = []
        for automation in self.scenarios_of(assemblage.id):
            # Its entity says whether it is on, also when the report reads a stored house;
            # with no entity yet, whether it will start enabled.
            state = self.runtime.states.get(automation.entity_id)
            enabled = (
                state.state == "on"
                if state is not None
                else self.is_enabled(assemblage.id) and automation.spec.initial_state is not False
            )
            entry: dict[str, Any] = {
                "entity_id": automation.entity_id,
                "name": automation.spec.name,
                "enabled": enabled,
            }
            if isinstance(policy, AutonomyPolicy):
                decision = policy.decide(
                    "homeloom",
                    "describe",
                    (),
                    scenario=automation.label,
                    scenario_level=_level(automation.spec.extra.get("autonomy")),
                    assemblage=assemblage.id,
                    assemblage_level=assemblage.autonomy,
                )
                entry["level"] = decision.level
            if isinstance(proposals, Proposals):
                figures = proposals.trust_of(automation.label)
                entry["trust"] = {
                    "approved": figures.approved,
                    "rejected": figures.rejected,
                    "expired": figures.expired,
                    "streak": figures.streak,
                }
            scenarios.append(entry)
        if isinstance(policy, AutonomyPolicy):
            level = policy.assemblage_levels.get(assemblage.id, level)
        derived = {}
        for entity_id in assemblage.derived:
            state = self.runtime.states.get(entity_id)
            derived[entity_id] = state.state if state is not None else None
        return {
            "id": assemblage.id,
            "name": assemblage.name,
            "enabled": self.is_enabled(assemblage.id),
            "autonomy": level or "auto",
            "members": assemblage.members,
            "roles": assemblage.roles,
            "scenarios": scenarios,
            "derived": derived,
        }

    # --- enabling and disabling --------------------------------------------------------

    async def _switch(self, call: ServiceCall) -> None:
        wanted = call.target.get("entity_id") or []
        ids = [wanted] if isinstance(wanted, str) else list(wanted)
        for entity_id in ids:
            assemblage = self.get(str(entity_id))
            if assemblage is None:
                valid = ", ".join(item.entity_id for item in self.items.values()) or "none"
                raise ValueError(f"no assemblage {entity_id!r}; known: {valid}")
            enabled = self.is_enabled(assemblage.id)
            turn_on = {"turn_on": True, "turn_off": False}.get(call.name, not enabled)
            await self.set_enabled(assemblage, turn_on, call.context)

    async def set_enabled(
        self, assemblage: Assemblage, enabled: bool, context: Context | None = None
    ) -> None:
        """Enable or disable every scenario of the assemblage at once."""
        for automation in self.scenarios_of(assemblage.id):
            if enabled:
                await automation.enable()
            else:
                await automation.disable()
        self._publish(assemblage, "on" if enabled else "off", context)

    def _publish(self, assemblage: Assemblage, state: str, context: Context | None = None) -> None:
        self.runtime.states.set(
            assemblage.entity_id,
            state,
            {
                "friendly_name": assemblage.name,
                "roles": dict(assemblage.roles),
                "members": {kind: list(ids) for kind, ids in assemblage.members.items()},
                "autonomy": assemblage.autonomy or "auto",
            },
            context=context,
        )

    # --- derived state ---------------------------------------------------------------

    def _start_derived(self, assemblage: Assemblage) -> None:
        engine = get_template_engine(self.runtime)
        for entity_id, config in assemblage.derived.items():
            derived = _DerivedState(
                self.runtime,
                entity_id,
                engine.template(config["state"]),
                config["attributes"],
                assemblage.variables,
            )
            derived.refresh()
            self._untrack.append(derived.tracking.stop)


class _DerivedState:
    """An entity an assemblage derives: its template's result, rendered again when what
    the template read changes (as a template entity is)."""

    def __init__(
        self,
        runtime: Runtime,
        entity_id: str,
        template: Template,
        attributes: Mapping[str, Any],
        variables: Mapping[str, Any],
    ) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.template = template
        self.attributes = attributes
        self.variables = variables
        self.tracking = ReadWatch(runtime, self.refresh)

    def refresh(self, _: Event | None = None) -> None:
        try:
            value, info = self.template.render_with_info(self.variables, parse_result=False)
        except TemplateError as err:
            _LOGGER.warning("%s: %s", self.entity_id, err)
            self.tracking.follow_failed(err.read.entities if err.read else ())
            self.runtime.states.set(self.entity_id, "unavailable", self.attributes)
            return
        self.tracking.follow(info)
        state = str(value).strip()
        if self.entity_id.startswith("binary_sensor."):
            state = "on" if state.lower() in _TRUE or _number(state) else "off"
        self.runtime.states.set(self.entity_id, state, self.attributes)


def _level(value: Any) -> Level | None:
    return parse_level(value) if value is not None else None


def _number(text: str) -> bool:
    value = parse_result(text)
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


def setup_assemblages(
    runtime: Runtime, config: Mapping[str, Any], config_dir: Path | None
) -> list[ConfigIssue]:
    """Read the ``assemblage:`` block; call it after adapters published their entities,
    and again on ``automation.reload`` (what changed in the block takes effect)."""
    assemblages = runtime.components.get("assemblages")
    block = config.get(DOMAIN)
    if block is None and assemblages is None:
        return []
    if not isinstance(assemblages, Assemblages):
        assemblages = Assemblages(runtime)
    return assemblages.load(config, config_dir)
