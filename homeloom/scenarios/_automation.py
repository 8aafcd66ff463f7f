"""One automation (scenario): its triggers, conditions and action script, as an entity."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable, Container, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from homeloom.orchestrator import Context, Runtime, Unsubscribe

from ._actions import refuse_unparsable
from ._automation_config import DOMAIN, AutomationSpec
from ._autonomy_gate import gate_for
from ._checkpoints import Resume
from ._conditions import ConditionCheck, compile_conditions
from ._registered_ids import registered_automation_id, registry_names
from ._script import RunResult, Script
from ._template_states import TemplateState
from ._templates import TemplateError, get_template_engine
from ._trace import Trace, current_trace, trace_path
from ._triggers import attach_triggers, normalised_triggers, validate_triggers

_LOGGER = logging.getLogger(__name__)

EVENT_AUTOMATION_TRIGGERED = "automation_triggered"
EVENT_RUN_FINISHED = "homeloom_run_finished"

TraceSink = Callable[["Automation", Trace], None]


class _Recent:
    """What an automation keeps of its runs once it has run: made at the first run,
    since most automations of a large house do not run between two restarts."""

    __slots__ = ("this", "traces")

    def __init__(self, limit: int | None) -> None:
        self.traces: deque[Trace] = deque(maxlen=limit)
        # The ``this`` view of the automation's state, reused while the state is the same.
        self.this: TemplateState | None = None


class Automation:
    """A loaded automation: enabled or not, triggers attached while enabled.

    Slotted, and only what each automation needs of its own kept in it: a large
    house keeps thousands. Its runtime and id are its script's; what it keeps of
    its runs is made at the first run (``_Recent``). It is the callback of its own
    triggers (``__call__``), rather than a bound method kept for each trigger.
    """

    __slots__ = (
        "_condition",
        "_detach",
        "_recent",
        "_trace_sink",
        "enabled",
        "entity_id",
        "friendly_name",
        "label",
        "last_triggered",
        "registry_shown",
        "script",
        "spec",
        "stored_trace_dicts",
    )

    def __init__(
        self,
        runtime: Runtime,
        spec: AutomationSpec,
        entity_id: str,
        *,
        name: str | None = None,
        trace_sink: TraceSink | None = None,
        keep_every_trace: bool = False,
    ) -> None:
        """``name``: Home Assistant's name of it (see ``automation_name``), its friendly
        name; else its alias or id."""
        self.spec = spec
        self.entity_id = entity_id
        item_id = spec.id or entity_id.split(".", 1)[1]
        # How people and tools name it: its id, else its alias (as Home Assistant's traces).
        self.label = spec.id or spec.alias or item_id
        # Checked now; the checked copies are made again at each enabling rather than
        # kept: the triggers as written are kept anyway (``spec``), and a large house
        # would keep a copy of each of its triggers for nothing but that.
        validate_triggers(runtime, spec.triggers, path="triggers")
        self._condition: ConditionCheck | None = (
            compile_conditions(runtime, spec.conditions, path="condition")
            if spec.conditions
            else None
        )
        if spec.variables:  # as Home Assistant: one that does not parse refuses it
            engine = get_template_engine(runtime)
            for key, value in spec.variables.items():
                refuse_unparsable(engine, value, spec.variables, key, "variables")
        if name is None:
            name = spec.name
        # Its state's name: the one a resident gave it in Home Assistant's UI (kept by
        # the entity registry), else ``name``, which its runs, traces and logbook keep.
        renamed = registry_names(runtime, entity_id)
        self.friendly_name = renamed.name if renamed and renamed.name else name
        # The icon and device class a resident gave it there (an automation has neither
        # of its own), added to its state; None, as for most, costs a state nothing.
        shown = renamed.shown() if renamed else {}
        shown.pop("friendly_name", None)
        self.registry_shown: dict[str, str] | None = shown or None
        options = spec.options  # read once: each of the spec's options is a property
        script = self.script = Script(
            runtime,
            spec.actions,
            name=name,
            domain=DOMAIN,
            item_id=item_id,
            mode=options.mode,
            max_runs=options.max_runs,
            max_exceeded=options.max_exceeded,
            mode_scope=options.mode_scope,
        )
        script.gate = gate_for(runtime, self.label, options.extra, title=name)
        self.enabled = False
        self.last_triggered: Any = None
        # Made at the first run (see ``_remember``), but at once for the rare house
        # that keeps every trace: the limit is then kept nowhere else.
        self._recent: _Recent | None = _Recent(None) if keep_every_trace else None
        # Traces of runs before the last restart, as stored.
        self.stored_trace_dicts: list[dict[str, Any]] = []
        self._detach: Unsubscribe | None = None
        self._trace_sink = trace_sink

    @property
    def runtime(self) -> Runtime:
        return self.script.runtime

    @property
    def item_id(self) -> str:
        return self.script.item_id

    @property
    def traces(self) -> deque[Trace]:
        """The traces of the last runs, newest last."""
        return (self._recent or self._remember()).traces

    def _remember(self) -> _Recent:
        recent = self._recent = _Recent(max(self.spec.stored_traces, 1))
        return recent

    # --- lifecycle -------------------------------------------------------------

    async def enable(self, context: Context | None = None, *, at: datetime | None = None) -> None:
        """Attach the triggers and publish "on", as part of ``context`` when given;
        ``at``: when (else now), one moment shared by every automation of a start."""
        self.enable_now(context, at)

    def enable_now(self, context: Context | None = None, at: datetime | None = None) -> None:
        """:meth:`enable` without a coroutine (nothing in it waits): for a start that
        enables thousands of automations."""
        if self.enabled:
            return
        self.enabled = True
        # As Home Assistant: "on" is written before the triggers are attached (they do
        # not see it), and their templates see that state as ``this``.
        self._publish(context, at=at)
        spec = self.spec
        variables: Mapping[str, Any] | Callable[[], Mapping[str, Any]] = self._trigger_variables
        if spec.trigger_variables:
            # As Home Assistant: rendered when the triggers attach; one that fails to
            # render leaves the automation on with no trigger attached (an error logged).
            try:
                variables = self._trigger_variables()
            except TemplateError as err:
                _LOGGER.error(
                    "automation %s: error rendering trigger variables: %s", spec.name, err
                )
                return
        self._detach = attach_triggers(
            self.script.runtime,
            normalised_triggers(spec.triggers, path="triggers"),
            self,
            name=spec.name,
            variables=variables,
            checkpoint=f"{DOMAIN}.{self.script.item_id}",
        )

    async def disable(self, *, stop_actions: bool = True) -> bool:
        """Detach the triggers and publish "off", after stopping the runs when asked.
        True when the run making this call was one of them (see ``Script.stop``)."""
        if self._detach is not None:
            self._detach()
            self._detach = None
        self.enabled = False
        try:
            return await self.script.stop() if stop_actions else False
        finally:  # published even when this wait is cancelled
            self._publish()

    def _trigger_variables(self) -> dict[str, Any]:
        """What the triggers' templates see: ``this`` and the ``trigger_variables``
        rendered with it (asked only when a trigger renders a template: most never do)."""
        variables: dict[str, Any] = {"this": self.this()}
        if self.spec.trigger_variables:
            engine = get_template_engine(self.runtime)
            # As Home Assistant: one after the other, each seeing those before it, and
            # defaults: never over ``this``.
            for key, value in self.spec.trigger_variables.items():
                name = str(key)
                if name != "this":
                    variables[name] = engine.render_complex(value, variables)
        return variables

    # --- state -----------------------------------------------------------------

    def _publish(self, context: Context | None = None, *, at: datetime | None = None) -> None:
        """Write the automation's state; ``at``: when (else now), a run's start once it runs."""
        spec = self.spec
        options = spec.options  # read once: each of the spec's options is a property
        mode = options.mode
        last = self.last_triggered
        script = self.script
        attributes: dict[str, Any] = {
            "friendly_name": self.friendly_name,
            # A datetime, as Home Assistant keeps it: templates subtract it from now().
            "last_triggered": last,
            "mode": mode,
            "current": script.runs,
        }
        if mode in ("queued", "parallel"):
            attributes["max"] = options.max_runs
        if spec.id is not None:  # as Home Assistant: no id, no id attribute
            attributes["id"] = spec.id
        if self.registry_shown:
            attributes.update(self.registry_shown)
        # Wrapped, the store keeps the mapping as it is rather than copying it: nothing
        # else holds this dict.
        script.runtime.states.set(
            self.entity_id,
            "on" if self.enabled else "off",
            MappingProxyType(attributes),
            context=context,
            timestamp=at,
        )

    def this(self) -> TemplateState | dict[str, Any]:
        """The ``this`` variable: the automation's own state, as templates see states."""
        return self._this_view(self._recent or self._remember())

    def _this_view(self, recent: _Recent) -> TemplateState | dict[str, Any]:
        state = self.script.runtime.states.get(self.entity_id)
        if state is None:
            return {"entity_id": self.entity_id}
        seen = recent.this
        if seen is None or seen._state is not state:  # the view of the same state is reused
            seen = recent.this = TemplateState(state)
        return seen

    # --- running ---------------------------------------------------------------

    def __call__(self, trigger_vars: dict[str, Any], context: Context | None) -> None:
        """A trigger fired (the callback of every trigger of the automation)."""
        if self.enabled:
            self._begin(trigger_vars, context)

    async def trigger(
        self,
        trigger_vars: Mapping[str, Any] | None = None,
        context: Context | None = None,
        *,
        skip_condition: bool = False,
    ) -> None:
        """Run the automation for one trigger and wait for the run to end."""
        # A copy: the run's trace keeps the trigger's variables as they were.
        own = dict(trigger_vars) if trigger_vars else None
        task = self._begin(own, context, skip_condition=skip_condition)
        if task is not None:
            await self.script.wait(task)

    def _begin(
        self,
        trigger_vars: Mapping[str, Any] | None,
        context: Context | None,
        *,
        skip_condition: bool = False,
    ) -> asyncio.Future[RunResult] | None:
        """Variables and conditions at once, as the trigger fires; a run whose conditions
        pass starts its actions at once (``Script.start``).

        ``trigger_vars`` are the run's own from here on (its trace keeps them): a
        trigger fires with a new mapping each time, and ``trigger`` copies the caller's.
        """
        script = self.script
        runtime = script.runtime
        recent = self._recent or self._remember()
        # Positional arguments here and below: a keyword costs more, on every trigger.
        run_context = (
            context.child("scenario", self.label)
            if context is not None
            else Context(origin="scenario", source=self.label)
        )
        trigger_vars = trigger_vars or {}
        trigger: Mapping[str, Any] = trigger_vars.get("trigger") or {}
        # ``context``: the run's, as Home Assistant gives its actions (set here, where it
        # costs least, its conditions and variables see it too).
        variables: dict[str, Any] = {
            "this": self._this_view(recent),
            "context": run_context,
            **trigger_vars,
        }
        trace = Trace(
            DOMAIN,
            script.item_id,
            run_context,
            runtime.clock,
            str(trigger.get("description") or trigger.get("platform") or "manual trigger"),
        )
        recent.traces.append(trace)
        token = current_trace.set(trace)
        try:
            if self.spec.variables:
                engine = get_template_engine(runtime)
                try:
                    with trace_path("variables"):
                        # As Home Assistant: defaults, never over ``this`` or what the
                        # trigger gives (``trigger``, a trigger's own ``variables``).
                        for key, value in self.spec.variables.items():
                            name = str(key)
                            if name == "this" or name in trigger_vars:
                                continue
                            variables[name] = engine.render_complex(value, variables)
                except TemplateError as err:
                    # As Home Assistant: the run ends before its script, so its trace
                    # records the error and no script execution (a run "stopped").
                    _LOGGER.error(
                        "automation %s: error rendering variables: %s", self.spec.name, err
                    )
                    trace.finish(None, str(err))
                    self._trace_done(trace)
                    return None
                trace.variables = _summary(variables)
            else:  # what the trace keeps: the trigger's variables, not ``this``' whole state
                trace.variables = trigger_vars if type(trigger_vars) is dict else dict(trigger_vars)
            condition = None if skip_condition else self._condition
            if condition is not None and not condition(variables):
                trace.finish("failed_conditions")
                self._trace_done(trace)
                return None
            scope_key = None
            if self.spec.mode_scope == "trigger_entity":
                scope_key = str(trigger.get("entity_id") or "")
        except Exception as err:
            _LOGGER.error("automation %s: %s", self.spec.name, err)
            trace.finish("error", str(err))
            self._trace_done(trace)
            return None
        finally:
            current_trace.reset(token)
        started = script.start(
            variables,
            run_context,
            trace=trace,
            scope_key=scope_key,
            on_finished=self._trace_done,
            own_variables=True,
            on_started=functools.partial(self._started, trace.started),
            on_counted=functools.partial(self._publish, run_context, at=trace.started),
        )
        if isinstance(started, RunResult):  # refused by the run mode: never announced
            self._trace_done(trace)
            return None
        # As Home Assistant: written once more when the run has ended, ``current``
        # counting one less.
        if started.done():
            self._run_ended(run_context)
        else:
            started.add_done_callback(functools.partial(self._run_ended, run_context))
        # Announced once the run is under way: Home Assistant's listeners of the event
        # start their runs in tasks, after this run's first steps.
        if runtime.bus.wants(EVENT_AUTOMATION_TRIGGERED):
            announced = {"name": script.name, "entity_id": self.entity_id}
            if "description" in trigger:  # as HA: none for automation.trigger
                announced["source"] = trigger["description"]
            runtime.bus.fire(EVENT_AUTOMATION_TRIGGERED, announced, run_context)
        return started

    def _started(self, at: datetime) -> None:
        """The run mode took a run: as Home Assistant, only now is it the last triggered
        (a run refused by mode single or max is not). The state saying so is written
        once the run is counted, before its first step, in one write as there."""
        self.last_triggered = at

    def _run_ended(self, context: Context, _: object = None) -> None:
        """A run has ended: ``current`` counts one less. Not for an automation removed
        meanwhile (a run outliving a reload): its state is gone."""
        if self.script.runtime.states.get(self.entity_id) is not None:
            self._publish(context)

    async def resume(
        self,
        variables: Mapping[str, Any],
        context: Context,
        resume: Resume,
    ) -> None:
        """Continue a run that a restart interrupted in a delay or wait at the top level."""
        trace = Trace(
            DOMAIN,
            self.item_id,
            context,
            self.runtime.clock,
            trigger=f"resumed after a restart (paused at action/{resume.step})",
        )
        trace.variables = dict(variables)
        self.traces.append(trace)
        await self.script.run(
            {**variables, "context": context}, context, trace=trace, resume=resume
        )
        self._trace_done(trace)

    def _trace_done(self, trace: Trace) -> None:
        bus = self.script.runtime.bus
        if bus.listener_count(EVENT_RUN_FINISHED):  # the conversation waits for its runs
            data = {"entity_id": self.entity_id, "execution": trace.script_execution}
            bus.fire(EVENT_RUN_FINISHED, data, trace.context)
        if self._trace_sink is not None:
            self._trace_sink(self, trace)


def _summary(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What a trace keeps of the run's variables: the trigger, not ``this``' whole state
    nor the run's context (which the trace has)."""
    summary = dict(variables)  # a copy and pops: cheaper than filtering key by key
    summary.pop("this", None)
    summary.pop("context", None)
    return summary


def automation_name(spec: AutomationSpec, place: int) -> str:
    """The name Home Assistant gives an automation, its friendly name: its alias, else
    ``automation <place>``, its place among every automation block of the
    configuration (broken ones too), counted from 0."""
    return spec.alias or f"{DOMAIN} {place}"


def object_id_for(
    name: str, taken: Container[str], runtime: Runtime, automation_id: Any = None
) -> str | None:
    """The id Home Assistant's entity registry keeps for the automation's ``id``, else
    ``automation.<slug of name>`` (see ``entity_id_for``); None when the registry has
    it disabled (see ``registered_automation_id``)."""
    return registered_automation_id(runtime, name, taken, automation_id)
