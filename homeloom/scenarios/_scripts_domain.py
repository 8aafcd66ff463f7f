"""The ``script:`` block: each script an entity and a service, as in Home Assistant.

``script.NAME`` runs the script and waits for it (returning its response);
``script.turn_on`` starts it and returns at once; ``script.turn_off`` stops it.
A script that fails (not one that stops with an error) fails its ``script.NAME``
call too, with the same error, as in Home Assistant. A script that fails to load
keeps an entity, ``unavailable``, unless its name or its alias cannot be read; it
has no ``script.NAME`` service, and turn_on, turn_off and toggle pass it by.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Runtime,
    ServiceCall,
    ServiceValidationError,
    slugify,
)

from ._actions import Run
from ._automation_broken import _readable
from ._blueprint_selectors import selector_problem
from ._blueprints import BlueprintError, use_blueprint
from ._errors import ScenarioConfigError, issue_at
from ._ha_restore import restored_state
from ._registered_ids import registered_entity_id, registry_names, with_registry_names
from ._script import RunResult, Script, end_calling_run
from ._slugs import entity_id_for
from ._template_states import TemplateState

__all__ = ["ScriptsReport", "setup_scripts"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "script"
EVENT_SCRIPT_STARTED = "script_started"
SCRIPT_KEYS = frozenset(
    {
        "alias",
        "description",
        "icon",
        "sequence",
        "mode",
        "max",
        "max_exceeded",
        "fields",
        "variables",
        "trace",
        "autonomy",
        "approval_timeout",
        "approvers",
        "guarded",
    }
)
_RESERVED = frozenset({"turn_on", "turn_off", "toggle", "reload"})


@dataclass(slots=True)
class ScriptsReport:
    loaded: int = 0
    failed: int = 0
    errors: list[ConfigIssue] = field(default_factory=list)


@dataclass(slots=True)
class _FailedRun(RunResult):
    """A run ended by an error raised by a step, which is kept to be raised again."""

    exception: Exception | None = None


class _EntityScript(Script):
    """A script entity's script: a run that failed keeps the error that ended it, and
    the step a run last waited at is its last action, which the entity publishes."""

    last_action: str | None = None

    def waits(self, alias: Any, kind: str, duration: timedelta | None = None) -> None:
        # Home Assistant notes every step as the last action but publishes it only as
        # a run waits and as runs start and end: noting the waits alone shows the same,
        # but when runs overlap (another run's later step, published by this one's end).
        if alias is not None:
            self.last_action = str(alias)
        else:
            self.last_action = kind if duration is None else f"{kind} {duration}"
        self._changed()

    def _ended_by(self, error: Exception, run: Run) -> RunResult:
        result = super()._ended_by(error, run)
        if result.execution != "error" or isinstance(result, _FailedRun):
            return result
        return _FailedRun(
            result.execution, result.error, result.response, result.variables, exception=error
        )


@dataclass(slots=True)
class _BrokenScript:
    """A script that failed to load, as Home Assistant keeps it: an unavailable entity
    that has only its name, whose entity id comes from that name (not the script's key)."""

    entity_id: str
    name: str

    def publish(self, runtime: Runtime) -> None:
        attributes = with_registry_names(runtime, self.entity_id, {"friendly_name": self.name})
        runtime.states.set(self.entity_id, "unavailable", attributes)


def _has_entity(name: Any, item: Any, blueprint_failed: bool) -> bool:
    """Whether Home Assistant keeps an entity for a script that failed to load: when its
    alias and description can be read, and its name is valid (a blueprint that fails
    is found out before the name is looked at)."""
    if not (isinstance(item, Mapping) and all(_readable(item, k) for k in _NAMING_KEYS)):
        return False
    return blueprint_failed or _valid_object_id(name)


_NAMING_KEYS = ("alias", "description")


def _valid_object_id(name: Any) -> bool:
    return slugify(str(name)) == str(name) and str(name) not in _RESERVED


def _name_problem(name: Any) -> str:
    """Why a script's name is refused, with one that would do (a name from a file of
    ``!include_dir_named`` is its file name, dots and capitals included)."""
    if str(name) in _RESERVED:
        return f"{name!r} is a script service's name; valid: any other lower-case slug"
    return f"a script name must be a lower-case slug, such as {slugify(str(name))!r}"


class ScriptEntity:
    def __init__(
        self, runtime: Runtime, object_id: str, config: Mapping[str, Any], entity_id: str
    ) -> None:
        """``entity_id``: ``script.<object_id>``, or the one the entity registry keeps for
        it (a resident renamed it); its service stays ``script.<object_id>`` either way."""
        self.runtime = runtime
        self.entity_id = entity_id
        alias = config.get("alias")
        # As Home Assistant: named by its alias, else by its key as written.
        self.alias = str(alias) if alias is not None else object_id
        # Its state's name and icon: those a resident gave it in Home Assistant's UI,
        # else its own (its runs and ``script_started`` keep its alias); and the device
        # class given there (a script has none of its own).
        renamed = registry_names(runtime, entity_id)
        icon = config.get("icon")
        self.shown_name = renamed.name if renamed and renamed.name else self.alias
        self.icon = renamed.icon if renamed and renamed.icon else icon and str(icon)
        self.device_class = renamed.device_class if renamed else None
        self.config = config
        self.script = _EntityScript(
            runtime,
            list(config.get("sequence") or []),
            name=self.alias,
            domain=DOMAIN,
            item_id=object_id,
            mode=str(config.get("mode", "single")),
            max_runs=int(config.get("max", 10)),
            max_exceeded=str(config.get("max_exceeded", "warning")),
            variables=config.get("variables") or {},
            fields=config.get("fields") or {},
        )
        self.script.on_change.append(self.publish)

    def variables(self, passed: Mapping[str, Any] | None, context: Context) -> dict[str, Any]:
        """A run's variables: ``this``, the entity's state as the run is asked for,
        unless what the caller passed names one too, and ``context``, the run's,
        whatever was passed (as HA)."""
        state = self.runtime.states.get(self.entity_id)
        this = TemplateState(state) if state is not None else None
        return {"this": this, **(passed or {}), "context": context}

    def announce_start(self, context: Context) -> None:
        """``script_started``, fired as Home Assistant does for each run asked for,
        even one the script's mode then refuses."""
        bus = self.runtime.bus
        if bus.wants(EVENT_SCRIPT_STARTED):
            bus.fire(
                EVENT_SCRIPT_STARTED, {"name": self.alias, "entity_id": self.entity_id}, context
            )

    async def start_run(
        self, passed: Mapping[str, Any] | None, context: Context, *, wait: bool
    ) -> RunResult:
        """Ask for a run, announced by ``script_started``. Home Assistant fires the event
        first, but its listeners' runs start in tasks, after the script's state shows
        the run (on, ``current``, ``last_triggered``); here they start at once, so the
        event is fired once the run is counted and the state written (a refused run:
        at once, the state unchanged)."""
        announced = False

        def announce() -> None:
            nonlocal announced
            announced = True
            self.announce_start(context)

        variables = self.variables(passed, context)
        result = await self.script.run(variables, context, wait=wait, on_counted=announce)
        if not announced:  # refused by its mode: returned at once
            self.announce_start(context)
        return result

    def restore_last_triggered(self) -> None:
        """As Home Assistant: the last run's time survives a restart."""
        previous = restored_state(self.runtime, self.entity_id)
        last = previous.attributes.get("last_triggered") if previous is not None else None
        if last is not None:  # checked when read: homeloom's own, or Home Assistant's
            self.script.last_triggered = datetime.fromisoformat(str(last))

    def publish(self) -> None:
        """Write the script's state, with Home Assistant's attributes in its order."""
        script = self.script
        if not script.is_running:  # as Home Assistant: forgotten once no run is left
            script.last_action = None
        last = script.last_triggered
        attributes: dict[str, Any] = {
            # A datetime, as Home Assistant keeps it: templates subtract it from now().
            "last_triggered": last,
            "mode": script.mode,
            "current": script.runs,
        }
        if script.mode in ("queued", "parallel"):
            attributes["max"] = script.max_runs
        if script.last_action:
            attributes["last_action"] = script.last_action
        if self.device_class is not None:
            attributes["device_class"] = self.device_class
        if self.icon is not None:
            attributes["icon"] = self.icon
        attributes["friendly_name"] = self.shown_name
        self.runtime.states.set(
            self.entity_id, "on" if self.script.is_running else "off", attributes
        )


def _validate(name: Any, config: Any, block: Any) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    if not isinstance(config, Mapping):
        return [
            issue_at(block, name, f"script.{name}", "a script must be a mapping with 'sequence'")
        ]
    if not _valid_object_id(name):
        issues.append(issue_at(block, name, f"script.{name}", _name_problem(name)))
    for key in config:
        if key not in SCRIPT_KEYS:
            issues.append(
                issue_at(
                    config,
                    key,
                    f"script.{name}.{key}",
                    f"unknown key {key!r}; valid keys: {', '.join(sorted(SCRIPT_KEYS))}",
                )
            )
    if "sequence" not in config:
        issues.append(
            issue_at(config, None, f"script.{name}.sequence", "a script needs 'sequence'")
        )
    for key in _NAMING_KEYS:
        if not _readable(config, key):
            issues.append(
                issue_at(config, key, f"script.{name}.{key}", f"a script's {key} must be text")
            )
    issues.extend(_field_issues(name, config))
    if "icon" in config and ":" not in str(config["icon"]):  # Home Assistant's cv.icon
        message = "an icon is written prefix:name, such as mdi:lightbulb"
        issues.append(issue_at(config, "icon", f"script.{name}.icon", message))
    mode = config.get("mode", "single")
    if mode not in ("single", "restart", "queued", "parallel"):
        issues.append(
            issue_at(
                config,
                "mode",
                f"script.{name}.mode",
                "mode must be single, restart, queued or parallel",
            )
        )
    max_runs = config.get("max", 10)  # Home Assistant 2024.3 refuses one below 2
    if not isinstance(max_runs, int) or isinstance(max_runs, bool) or max_runs < 2:
        issues.append(
            issue_at(config, "max", f"script.{name}.max", "max must be a whole number of 2 or more")
        )
    return issues


_FIELD_KEYS = frozenset(
    {"advanced", "default", "description", "example", "name", "required", "selector"}
)


def _field_issues(name: Any, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """As Home Assistant: ``fields`` maps each field to a mapping of its known keys."""
    fields = config.get("fields")
    if fields is None:
        return []
    if not isinstance(fields, Mapping):
        return [issue_at(config, "fields", f"script.{name}.fields", "'fields' must be a mapping")]
    issues = []
    for field_name, spec in fields.items():
        where = f"script.{name}.fields.{field_name}"
        if not isinstance(spec, Mapping):
            message = f"field {field_name!r} must be a mapping of {', '.join(sorted(_FIELD_KEYS))}"
            issues.append(issue_at(fields, field_name, where, message))
            continue
        for key in spec:
            if key not in _FIELD_KEYS:
                message = f"unknown key {key!r}; valid keys: {', '.join(sorted(_FIELD_KEYS))}"
                issues.append(issue_at(spec, key, f"{where}.{key}", message))
        # A field's selector is checked as a blueprint input's is.
        problem = selector_problem(spec["selector"]) if "selector" in spec else None
        if problem is not None:
            issues.append(issue_at(spec, "selector", f"{where}.selector", problem))
    return issues


async def setup_scripts(runtime: Runtime, config: Mapping[str, Any]) -> ScriptsReport:
    """Create every script of ``config['script']``; broken ones are reported, and most
    given an unavailable entity (see ``_has_entity``)."""
    report = ScriptsReport()
    scripts: dict[str, ScriptEntity] = {}
    broken: list[tuple[str, Any]] = []  # the name and item of each broken script
    in_order: list[ScriptEntity | str] = []  # the names of the broken ones among them
    taken: set[str] = set()  # the working scripts' entity ids
    for key, block in config.items():
        if not (isinstance(key, str) and (key == DOMAIN or key.startswith(DOMAIN + " "))):
            continue
        if not isinstance(block, Mapping):
            report.errors.append(issue_at(config, key, key, "expected a mapping of scripts"))
            continue
        for name, item in block.items():
            blueprint_failed = False
            try:
                if isinstance(item, Mapping) and "use_blueprint" in item:
                    item = use_blueprint(runtime.config_dir, DOMAIN, item)
                issues = _validate(name, item, block)
            except BlueprintError as err:
                issues = err.issues
                blueprint_failed = True
            if not issues:
                # Registered under the platform ``script`` by its key; None: not added.
                entity_id = registered_entity_id(
                    runtime, f"{DOMAIN}.{name}", taken, DOMAIN, str(name)
                )
                if entity_id is None:
                    continue
                try:
                    scripts[str(name)] = ScriptEntity(runtime, str(name), item, entity_id)
                except ScenarioConfigError as err:
                    issues = err.issues
            if issues:
                label = str(item.get("alias", name)) if isinstance(item, Mapping) else str(name)
                report.errors.extend(replace(i, scenario=label) for i in issues)
                report.failed += 1
                if _has_entity(name, item, blueprint_failed):
                    broken.append((str(name), item))
                    in_order.append(str(name))
                continue
            report.loaded += 1
            in_order.append(scripts[str(name)])
    _register(runtime, scripts)
    unavailable = _broken_entities(runtime, scripts, broken)
    for entity in in_order:
        if isinstance(entity, ScriptEntity):
            entity.restore_last_triggered()
            entity.publish()
        elif entity in unavailable:  # not when its registry entry is disabled
            unavailable[entity].publish(runtime)
    runtime.components["scripts"] = scripts
    return report


def _broken_entities(
    runtime: Runtime, scripts: Mapping[str, ScriptEntity], broken: list[tuple[str, Any]]
) -> dict[str, _BrokenScript]:
    """The unavailable entity of each broken script, by its name: named by its alias,
    else its name, its entity id the one the registry keeps for its key, else made
    from that name clear of the working scripts' and the others' (none: disabled)."""
    taken = {entity.entity_id for entity in scripts.values()}
    entities: dict[str, _BrokenScript] = {}
    for name, item in broken:
        alias = item.get("alias")
        label = str(alias) if alias is not None else name
        base = entity_id_for(DOMAIN, label, ())
        entity_id = registered_entity_id(runtime, base, taken, DOMAIN, name)
        if entity_id is not None:
            entities[name] = _BrokenScript(entity_id, label)
    return entities


def _register(runtime: Runtime, scripts: dict[str, ScriptEntity]) -> None:
    services = runtime.services

    by_entity_id = {entity.entity_id: entity for entity in scripts.values()}

    def targets(call: ServiceCall) -> list[ScriptEntity]:
        return [by_entity_id[e] for e in call.entity_ids if e in by_entity_id]

    async def turn_on(call: ServiceCall) -> None:
        passed = _passed_variables(call)
        for entity in targets(call):
            context = call.context.child("scenario", entity.entity_id)
            started = await entity.start_run(passed, context, wait=False)
            if started.execution in ("failed_single", "failed_max_runs"):
                # As Home Assistant 2024.3, which returns once the script's state next
                # changes: a run its mode refuses holds the caller until a running one
                # waits, ends or is stopped.
                await _next_change(runtime, entity.script)

    async def turn_off(call: ServiceCall) -> None:
        _passed_variables(call)
        stopped_caller = False
        for entity in targets(call):
            stopped = await entity.script.stop()
            stopped_caller = stopped_caller or stopped
        if stopped_caller:  # a script turning itself off ends here
            await end_calling_run()

    async def toggle(call: ServiceCall) -> None:
        passed = _passed_variables(call)
        stopped_caller = False
        for entity in targets(call):
            if entity.script.is_running:
                stopped = await entity.script.stop()
                stopped_caller = stopped_caller or stopped
            else:
                context = call.context.child("scenario", entity.entity_id)
                await entity.start_run(passed, context, wait=False)
        if stopped_caller:
            await end_calling_run()

    for name, handler in (("turn_on", turn_on), ("turn_off", turn_off), ("toggle", toggle)):
        services.register(DOMAIN, name, handler, target="required", entity_domains=(DOMAIN,))

    for object_id, entity in scripts.items():
        services.register(
            DOMAIN,
            object_id,
            _runner(entity),
            supports_response="optional",
            description=str(entity.config.get("description", "")),
        )


async def _next_change(runtime: Runtime, script: Script) -> None:
    """Return at the script's next change: a run starting, waiting or ending."""
    # A run started just before (by the caller's previous step) reaches its first wait
    # in a task of its own here; in Home Assistant it is already there, so that wait is
    # no change the caller is held for (it is held until the run's next one).
    await asyncio.sleep(0)
    if not script.is_running:
        return
    changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def listener() -> None:
        if not changed.done():
            changed.set_result(None)

    script.on_change.append(listener)
    try:
        await runtime.tasks.wait_for(changed)  # parked: the change comes from elsewhere
    finally:
        script.on_change.remove(listener)


def _passed_variables(call: ServiceCall) -> dict[str, Any]:
    """The ``variables`` of a turn_on, turn_off or toggle call: the only data these
    take besides the target (HA's ``SCRIPT_TURN_ONOFF_SCHEMA``)."""
    for key in call.data:
        if key != "variables":
            raise ServiceValidationError(
                DOMAIN, call.service, key, "extra keys not allowed", invalid_data=True
            )
    variables = call.data.get("variables") or {}
    if not isinstance(variables, Mapping):
        raise ServiceValidationError(
            DOMAIN, call.service, "variables", "expected a mapping of variables", invalid_data=True
        )
    return {str(key): value for key, value in variables.items()}


def _runner(entity: ScriptEntity) -> Any:
    async def run(call: ServiceCall) -> Any:
        context = call.context.child("scenario", entity.entity_id)
        result = await entity.start_run(call.data, context, wait=True)
        if isinstance(result, _FailedRun) and result.exception is not None:
            raise result.exception  # the caller fails with it (HA 2024.3 raises it again)
        if result.execution == "error" and result.error:
            _LOGGER.warning("script %s ended with an error: %s", entity.entity_id, result.error)
        return result.response if isinstance(result.response, dict) else None

    return run
