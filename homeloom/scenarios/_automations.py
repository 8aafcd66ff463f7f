"""All the house's automations: loading, enabling, traces (their services are in
``_automation_services``, what a reload keeps running in ``_automation_reload``)."""

from __future__ import annotations

import logging
from collections import ChainMap
from collections.abc import Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, State

from ._assemblages import setup_assemblages
from ._automation import Automation, TraceSink, automation_name, object_id_for
from ._automation_broken import _Broken, _DuplicateId, _has_entity, _Unreadable
from ._automation_config import (
    DEFAULT_OPTIONS,
    DOMAIN,
    parse_automation,
    scenario_label,
)
from ._automation_references import _find_unknown
from ._automation_reload import (
    Written,
    automation_items,
    unchanged_automations,
    written_hash,
    written_item,
)
from ._automation_services import register_automation_services
from ._checkpoints import Checkpoints, Resume, get_checkpoints
from ._config_dir import load_config_dir
from ._ha_restore import restored_state
from ._registered_ids import with_registry_names
from ._trace import Trace, trace_warning
from ._yaml import drop_positions

_LOGGER = logging.getLogger(__name__)

EVENT_AUTOMATION_RELOADED = "automation_reloaded"
# What the automations' first states at a start (or a reload) say caused them.
START_SOURCE = "automations start"
# The stored traces of an automation that has none: one empty list for them all,
# never changed (_store_trace makes a new list).
_NO_STORED_TRACES: list[dict[str, Any]] = []
# The conditions and actions as written of an automation that let them go once compiled
# (see AutomationManager.load): one empty list for them all, never changed.
_RELEASED: list[Any] = []

__all__ = ["AutomationManager", "ScenarioReport", "get_automations"]


@dataclass(slots=True)
class ScenarioReport:
    """What loading produced: how many scenarios loaded, how many failed, and why."""

    loaded: int = 0
    failed: int = 0
    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)


def _restore_last_triggered(automation: Automation, previous: State) -> None:
    """As Home Assistant: the last run's time survives a restart, whatever the
    automation starts as (the saved value was checked when read)."""
    last = previous.attributes.get("last_triggered")
    if last is not None and automation.last_triggered is None:
        automation.last_triggered = datetime.fromisoformat(str(last))


class AutomationManager:
    """Owns every automation of the house; kept as ``runtime.components["automations"]``."""

    def __init__(self, runtime: Runtime, config_dir: Path | None = None) -> None:
        self.runtime = runtime
        self.config_dir = config_dir
        self.automations: dict[str, Automation] = {}
        # The automations that failed to load, by entity id: their attributes. As Home
        # Assistant, each still has its entity, unavailable, and takes its name.
        self.broken: dict[str, _Broken] = {}
        # How each automation of the configuration (not an assemblage's) was written,
        # by entity id: a reload keeps those that are written the same.
        self._written: dict[str, Written] = {}
        # Whether each automation a reload removed was on, by entity id: as Home
        # Assistant restores a removed entity's state, one made again with the same
        # entity id (an edited automation) starts as it was.
        self._removed_on: dict[str, bool] = {}
        self.keep_every_trace = False  # the simulator reports every run
        # Where each value was written, kept after a load for the errors of checking;
        # a house that runs for days forgets it once started (see drop_positions).
        self.keep_positions = True
        # The unknown entities found while loading, when loading let the configuration
        # go (see load); None: found from the automations when asked.
        self._unknown: list[ConfigIssue] | None = None
        register_automation_services(self)
        # A call whose target names missing entities notes so in its run's trace.
        runtime.services.on_missing_targets = trace_warning
        runtime.components["automations"] = self

    # --- loading ---------------------------------------------------------------

    def load(self, config: Any) -> ScenarioReport:
        """Compile every automation of ``config`` and of the assemblages; a broken one
        is reported, not fatal.

        A house that keeps no positions (one that runs for days, whose configuration
        is let go once loaded) lets go of each automation's conditions and actions as
        written, and of its item in ``config``, as soon as it is compiled: they are
        never read again (the compiled ones run), and the next automations are built
        in the memory they leave. Let go at the end instead, that memory would stay
        the process's, unused (some 5 MiB at 10,000 automations). Their unknown
        entities are looked for first, for ``unknown_entities``.
        """
        return self._load(config)

    def _load(self, config: Any, kept: Collection[int] = ()) -> ScenarioReport:
        """:meth:`load`, but for the items at the places ``kept`` in ``config``: their
        automations, already running, are kept (see ``reload``)."""
        report = ScenarioReport(loaded=len(kept))
        ids = {
            automation.spec.id
            for automation in self.automations.values()
            if kept and automation.spec.id is not None
        }
        # One bound method for every automation rather than one each.
        sink = self._store_trace
        release = not self.keep_positions
        known: Container[str] = self._known_entities() if release else ()
        unknown: list[ConfigIssue] | None = None
        if release:  # the kept automations' unknown entities are still unknown
            labels = {automation.label for automation in self.automations.values()}
            unknown = [issue for issue in self._unknown or () if issue.scenario in labels]
        self._unknown = unknown
        found: list[tuple[Any, str, str]] = []  # worked in by _find_unknown, left empty
        number = 0  # as Home Assistant numbers them: each but those with no entity at all
        for index, item, items, place in automation_items(config):
            if index in kept:
                number += 1
                continue
            has_entity = _has_entity(item)
            automation = self._load_one(
                item, index, ids, report, sink, number=number, has_entity=has_entity
            )
            if has_entity:
                number += 1
            if automation is not None and unknown is not None:
                self._release_written(automation, known, found, unknown)
                items[place] = None
        assemblages = self.runtime.components.get("assemblages")
        if assemblages is not None:
            for item, extra in assemblages.scenario_items():
                automation = self._load_one(item, 0, ids, report, sink, extra)
                if automation is not None and unknown is not None:
                    self._release_written(automation, known, found, unknown)
        return report

    def _release_written(
        self,
        automation: Automation,
        known: Container[str],
        found: list[tuple[Any, str, str]],
        unknown: list[ConfigIssue],
    ) -> None:
        """Let go of ``automation``'s conditions and actions as written, once the
        entities they name that ``known`` lacks are added to ``unknown``."""
        _find_unknown(automation, known, found, unknown)
        spec = automation.spec
        spec.conditions = spec.actions = _RELEASED

    def _load_one(
        self,
        item: Any,
        index: int,
        ids: set[str],
        report: ScenarioReport,
        sink: TraceSink,
        extra: dict[str, Any] | None = None,
        *,
        number: int = 0,
        has_entity: bool | None = None,
    ) -> Automation | None:
        """The automation of ``item``, None if it is broken (reported in ``report``,
        and given an unavailable entity as Home Assistant does: see ``_add_broken``).
        ``index``: the item's place, which names it in errors when it has no id;
        ``number`` names its entity when it has no alias (as Home Assistant);
        ``has_entity``: ``_has_entity(item)`` when the caller has it already."""
        taken: Container[str] = (
            ChainMap[str, Any](self.automations, self.broken) if self.broken else self.automations
        )
        try:
            if has_entity is None:
                has_entity = _has_entity(item)
            if isinstance(item, Mapping) and not has_entity:
                raise _Unreadable(item)
            written = written_item(item, self.config_dir)
            spec = parse_automation(written, config_dir=self.config_dir)
            if spec.id is not None and spec.id in ids:
                raise _DuplicateId(item, spec.id)
            if extra:
                spec.extra = {**spec.extra, **extra}
            name = automation_name(spec, number)
            entity_id = object_id_for(name, taken, self.runtime, spec.id)
            if entity_id is None:  # disabled in the entity registry: not added
                return None
            automation = Automation(
                self.runtime,
                spec,
                entity_id,
                name=name,
                trace_sink=sink,
                keep_every_trace=self.keep_every_trace,
            )
        except Exception as err:
            label = scenario_label(item, index)  # only a failure needs it
            issues: list[ConfigIssue] | None = getattr(err, "issues", None)
            if issues is None:
                _LOGGER.exception("automation %s could not be loaded", label)
                issues = [ConfigIssue(f"could not be loaded: {err}")]
            report.errors.extend(replace(issue, scenario=label) for issue in issues)
            report.failed += 1
            if not isinstance(err, _DuplicateId):  # Home Assistant refuses its entity
                self._add_broken(item, number, ids, taken)
            return None
        if spec.id is not None:
            ids.add(spec.id)
        self.automations[entity_id] = automation
        if extra is None:
            self._written[entity_id] = written_hash(written, number)
        automation.stored_trace_dicts = _NO_STORED_TRACES
        self._restore_traces(automation)
        report.loaded += 1
        return automation

    def _add_broken(self, item: Any, number: int, ids: set[str], taken: Container[str]) -> None:
        """Give a broken automation its entity, unavailable, as Home Assistant does for
        one whose id, alias and description are valid: named as it would be, with its
        id (when it has one) and its name as attributes."""
        if not _has_entity(item):
            return
        automation_id = item.get("id")
        if automation_id is not None:
            if automation_id in ids:
                return  # a second entity with the same id: Home Assistant refuses it
            ids.add(automation_id)
        alias = item.get("alias")
        name = str(alias) if alias not in (None, "") else f"{DOMAIN} {number}"
        attributes: dict[str, Any] = {} if automation_id is None else {"id": automation_id}
        attributes["friendly_name"] = name
        entity_id = object_id_for(name, taken, self.runtime, automation_id)
        if entity_id is not None:  # None: disabled in the entity registry
            self.broken[entity_id] = _Broken(attributes, len(self.automations))

    async def start(self, context: Context | None = None) -> None:
        """Enable each automation as its ``initial_state`` or last known state says,
        and resume the runs a restart interrupted in a delay or a wait.

        Their first states share one context, the system's start of the automations
        (a child of ``context``, what asked for a reload, when given), and one moment.
        """
        self._start(self.automations.values(), context)

    def _start(
        self, automations: Iterable[Automation], context: Context | None, first: int = 0
    ) -> None:
        """:meth:`start` for ``automations``, the last of ``self.automations`` from the
        place ``first`` on, and for every broken one."""
        started = (
            context.child("system", START_SOURCE)
            if context is not None
            else Context(origin="system", source=START_SOURCE)
        )
        at = self.runtime.now()
        checkpoints = get_checkpoints(self.runtime)
        assemblages = self.runtime.components.get("assemblages")
        # The broken ones' states among the others', in the order written (as Home
        # Assistant creates them, which its ``states.automation`` lists).
        broken = iter(self.broken.items())
        waiting = next(broken, None)
        for place, automation in enumerate(automations, first):
            while waiting is not None and waiting[1].place == place:
                self._publish_broken(*waiting, started, at)
                waiting = next(broken, None)
            previous = restored_state(self.runtime, automation.entity_id)
            if previous is not None:
                _restore_last_triggered(automation, previous)
            if self._should_start_enabled(automation, assemblages, previous):
                automation.enable_now(started, at)  # no coroutine for each of thousands
                if checkpoints is not None:
                    self._resume(automation, checkpoints)
            else:
                automation._publish(started, at=at)
        while waiting is not None:
            self._publish_broken(*waiting, started, at)
            waiting = next(broken, None)

    def _publish_broken(
        self, entity_id: str, broken: _Broken, context: Context, at: datetime
    ) -> None:
        # As Home Assistant: the registry's name and icon show on a broken one too.
        attributes = with_registry_names(self.runtime, entity_id, broken.attributes)
        self.runtime.states.set(entity_id, "unavailable", attributes, context=context, timestamp=at)

    def drop_positions(self, *configs: Any) -> None:
        """Forget where the automations (and ``configs``, loaded configurations) were
        written, once they are running: only errors found while loading and checking
        name a place, and a large house's positions weigh a fifth of what it keeps.
        An error found later (a scenario turned on whose trigger no longer attaches)
        is reported without one, as for a scenario written in code."""
        parts: list[Any] = list(configs)
        for automation in self.automations.values():
            spec = automation.spec
            parts += (spec.triggers, spec.conditions, spec.actions)
            options = spec.options
            if options is not DEFAULT_OPTIONS:  # most: the shared empty mappings, no place
                parts += (options.variables, options.trigger_variables, options.extra)
        drop_positions(*parts)

    def _resume(self, automation: Automation, checkpoints: Checkpoints) -> None:
        for saved in checkpoints.delays_of(automation.item_id).values():
            context = Context(
                id=saved["context"].get("id") or Context().id,
                parent_id=saved["context"].get("parent_id"),
                user_id=saved["context"].get("user_id"),
                origin="scenario",
                source=automation.label,
            )
            deadline = datetime.fromisoformat(saved["deadline"]) if saved["deadline"] else None
            resume = Resume(int(saved["step"]), deadline, str(saved.get("kind") or "delay"))
            _LOGGER.info(
                "automation %s: resuming a run paused in a %s until %s",
                automation.label,
                "wait" if resume.kind == "wait" else "delay",
                deadline.isoformat() if deadline else "its trigger",
            )
            self.runtime.create_task(
                automation.resume(saved["variables"], context, resume),
                name=f"resume {automation.entity_id}",
            )

    def _should_start_enabled(
        self, automation: Automation, assemblages: Any, previous: State | None
    ) -> bool:
        """``assemblages``: the house's (``runtime.components``), None when it has none;
        ``previous``: the automation's state saved before a restart, if any."""
        if assemblages is not None:
            assemblage = automation.spec.extra.get("assemblage")
            if assemblage and not assemblages.is_enabled(assemblage):
                return False
        initial_state = automation.spec.initial_state
        if initial_state is not None:
            return initial_state
        was_on = self._removed_on.get(automation.entity_id)
        if was_on is not None:
            return was_on
        if previous is not None:
            return previous.state != "off"
        return True

    async def unload(self, keep: Container[str] = ()) -> None:
        """Stop and remove every automation but those whose entity ids are in ``keep``."""
        for entity_id, automation in list(self.automations.items()):
            if entity_id in keep:
                continue
            await automation.disable()
            self.runtime.states.remove(entity_id)
            del self.automations[entity_id]
            self._written.pop(entity_id, None)
        for entity_id in self.broken:
            self.runtime.states.remove(entity_id)
        self.broken.clear()

    async def reload(self, context: Context | None = None) -> ScenarioReport:
        """Read the automations from the configuration directory again.

        As Home Assistant, an automation whose name and configuration are unchanged
        goes on as it is (its runs, its triggers' waits, its state); the others are
        removed (their runs stopped) and the new or changed ones loaded and started.
        The assemblages' scenarios, and the broken automations, are all replaced.
        """
        if self.config_dir is None:
            raise RuntimeError("automations were not loaded from a configuration directory")
        loaded = load_config_dir(self.config_dir)
        keep, kept = unchanged_automations(
            loaded.value, self._written, self.automations, self.config_dir
        )
        self._removed_on = {
            entity_id: self.automations[entity_id].enabled
            for entity_id in self._written
            if entity_id not in keep
        }
        await self.unload(keep)
        config = loaded.value if isinstance(loaded.value, Mapping) else {}
        assemblage_issues = setup_assemblages(self.runtime, config, self.config_dir)
        first = len(self.automations)
        report = self._load(loaded.value, kept)
        report.errors[:0] = [*loaded.errors, *assemblage_issues]
        new = list(self.automations.values())[first:]
        self._start(new, context, first)
        self._removed_on.clear()
        if not self.keep_positions:
            self.drop_positions(loaded.value)
        self.runtime.bus.fire(EVENT_AUTOMATION_RELOADED, {}, context)
        return report

    def unknown_entities(self) -> list[ConfigIssue]:
        """Warnings for entity ids the scenarios name that the house does not know
        (as it knew them when loading, if loading let the configuration go)."""
        if self._unknown is not None:
            return list(self._unknown)
        known = self._known_entities()
        warnings: list[ConfigIssue] = []
        # One list for every section of every automation, emptied after each that
        # found something: most find nothing, and nothing is made for them.
        found: list[tuple[Any, str, str]] = []
        for automation in self.automations.values():
            _find_unknown(automation, known, found, warnings)
        return warnings

    def _known_entities(self) -> set[str]:
        runtime = self.runtime
        known = set(runtime.states.entity_ids()) | set(runtime.registries.entities)
        # A RESTful entity shows once its resource first answers and a command line
        # sensor at its first reading, both when the house starts: provided all the same.
        for source in runtime.components.get("rest", ()):
            known.update(entity.entity_id for entity in source.entities)
        known.update(reader.entity_id for reader in runtime.components.get("command_line", ()))
        return known

    def find(self, key: str) -> Automation | None:
        """An automation by entity id, object id, id or alias."""
        if key in self.automations:
            return self.automations[key]
        for automation in self.automations.values():
            if key in (automation.item_id, automation.spec.alias, automation.entity_id[11:]):
                return automation
        return None

    # --- traces ------------------------------------------------------------------

    def _store_trace(self, automation: Automation, trace: Trace) -> None:
        store = self.runtime.components.get("persistence")
        if store is None:
            return
        limit = max(automation.spec.stored_traces, 1)
        stored = trace.as_dict()
        # A new list each time: an automation without traces shares the empty one.
        traces = [*automation.stored_trace_dicts, stored]
        del traces[:-limit]
        automation.stored_trace_dicts = traces
        store.add_trace(
            f"{DOMAIN}.{automation.item_id}",
            stored,
            keep=limit,
            name=automation.spec.name,
            entity_id=automation.entity_id,
        )

    def _restore_traces(self, automation: Automation) -> None:
        store = self.runtime.components.get("persistence")
        if store is None:
            return
        limit = max(automation.spec.stored_traces, 1)
        traces = store.traces(f"{DOMAIN}.{automation.item_id}", limit)
        if traces:
            automation.stored_trace_dicts = traces


def get_automations(runtime: Runtime) -> AutomationManager | None:
    manager = runtime.components.get("automations")
    return manager if isinstance(manager, AutomationManager) else None
