"""Scripts: a compiled sequence of steps, run under a mode (single, restart, queued, parallel).

Every scenario's actions are a Script. Runs are tasks owned by the runtime;
their waits are parked so ``runtime.idle()`` returns while a run waits for
time or for a trigger. ``mode_scope: trigger_entity`` applies the mode per
triggering entity instead of per scenario.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import (
    Context,
    EagerRun,
    HomeloomError,
    Runtime,
    can_start_eagerly,
    in_a_task,
    run_eagerly,
    start_eagerly,
)

from ._actions import ActionStep, Run, ServiceGate, StopRun, compile_steps
from ._checkpoints import Resume, get_checkpoints
from ._script_records import _NO_VALUES, RunResult, _Options, _Scope, _shared_options
from ._script_stops import end_calling_run, ended_by_itself, mark_ended_by_itself, stop_runs
from ._templates import get_template_engine
from ._trace import Trace, current_trace

__all__ = ["RunResult", "Script", "end_calling_run"]

_LOGGER = logging.getLogger(__name__)


class Script:
    """A compiled sequence of steps and its runs.

    Slotted, its rarely used containers made when first needed and its nearly
    always default options in a shared record (``_Options``): a large house keeps
    one per automation.
    """

    __slots__ = (
        "_listeners",
        "_options",
        "_scopes",
        "_steps",
        "gate",
        "item_id",
        "last_triggered",
        "mode",
        "name",
        "runtime",
    )

    def __init__(
        self,
        runtime: Runtime,
        sequence: list[Any],
        *,
        name: str,
        domain: str = "script",
        item_id: str,
        mode: str = "single",
        max_runs: int = 10,
        max_exceeded: str = "warning",
        mode_scope: str | None = None,
        variables: Mapping[str, Any] | None = None,
        fields: Mapping[str, Any] | None = None,
        path: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.name = name
        self.item_id = item_id
        self.mode = mode
        prefix = path or ("action" if domain == "automation" else "sequence")
        self._options = (
            _Options(
                domain,
                prefix,
                mode_scope,
                max_runs,
                max_exceeded,
                dict(fields) if fields else _NO_VALUES,
                dict(variables) if variables else _NO_VALUES,
            )
            if fields or variables
            else _shared_options(domain, prefix, mode_scope, max_runs, max_exceeded)
        )
        self.last_triggered: datetime | None = None
        # Set by the autonomy layer: decides whether each service call runs now.
        self.gate: ServiceGate | None = None
        # A tuple: slicing it from the first step (every run but a resumed one) is free.
        self._steps: tuple[ActionStep, ...] = tuple(compile_steps(runtime, sequence, prefix, self))
        self._scopes: dict[str | None, _Scope] | None = None  # made at the first run
        self._listeners: list[Callable[[], None]] | None = None

    # --- options (read here through ``_options``: no call on the run path) ---------

    @property
    def domain(self) -> str:
        return self._options.domain

    @property
    def mode_scope(self) -> str | None:
        return self._options.mode_scope

    @property
    def max_runs(self) -> int:
        return self._options.max_runs

    @property
    def variables(self) -> Mapping[str, Any]:
        return self._options.variables

    # --- state -------------------------------------------------------------------

    @property
    def _task_name(self) -> str:
        return f"{self._options.domain} {self.item_id}"

    @property
    def on_change(self) -> list[Callable[[], None]]:
        """Told when a run starts or ends (a script entity publishes its state)."""
        if self._listeners is None:
            self._listeners = []
        return self._listeners

    @property
    def runs(self) -> int:
        scopes = self._scopes
        if scopes is None:
            return 0
        count = 0
        for scope in scopes.values():  # a loop, not sum(): asked at each run's start
            count += len(scope.tasks)
        return count

    @property
    def is_running(self) -> bool:
        return self.runs > 0

    def _changed(self) -> None:
        if self._listeners:
            for listener in self._listeners:
                listener()

    def waits(self, alias: Any, kind: str, duration: timedelta | None = None) -> None:
        """A run begins to wait (a delay, a wait), at a step with ``alias`` (None when
        it has none), else described by its ``kind`` (and ``duration``, a delay's).
        Nothing to do here; a script entity's script publishes it."""

    def _log_exceeded(self, message: str) -> None:
        level = self._options.exceeded_level
        if level is not None:
            _LOGGER.log(level, "%s: %s", self.name, message)

    # --- running -----------------------------------------------------------------

    def start(
        self,
        variables: Mapping[str, Any] | None = None,
        context: Context | None = None,
        *,
        trace: Trace | None = None,
        scope_key: str | None = None,
        resume: Resume | None = None,
        on_finished: Callable[[Trace], None] | None = None,
        own_variables: bool = False,
        on_started: Callable[[], None] | None = None,
        on_counted: Callable[[], None] | None = None,
    ) -> asyncio.Future[RunResult] | RunResult:
        """Start a run under the mode, without waiting: its outcome to come (a task, or a
        run that started at once), or how the mode refused it.

        ``resume`` continues a run saved while it waited in a top-level delay or
        wait before a restart. ``on_finished`` is told the trace once the run has
        ended. With ``own_variables`` the run keeps ``variables`` as its own scope
        rather than a copy. ``on_started`` is told once the mode has taken the run,
        before it is counted (Home Assistant's ``started_action``: a refused run is
        never announced). ``on_counted`` is told once the run is counted and the
        state written, before its first step.
        """
        options = self._options
        key = scope_key if options.mode_scope == "trigger_entity" else None
        scopes = self._scopes
        if scopes is None:
            scopes = self._scopes = {}
        scope = scopes.get(key)
        if scope is None:
            scope = scopes[key] = _Scope()
        # The runs this one waits for: those it replaces (restart), those ahead of it
        # in the queue (queued; a run with none ahead starts at once, as a single's).
        ahead: tuple[asyncio.Future[RunResult], ...] = ()
        if scope.tasks:
            mode = self.mode
            if mode == "single":
                self._log_exceeded("Already running")
                return self._refused(trace, "failed_single")
            if mode in ("parallel", "queued") and len(scope.tasks) >= options.max_runs:
                self._log_exceeded(f"Maximum number of runs exceeded ({options.max_runs})")
                return self._refused(trace, "failed_max_runs")
            if mode == "restart":
                ahead = tuple(scope.tasks)
                for task in ahead:
                    task.cancel()
            elif mode == "queued":
                ahead = tuple(scope.tasks)
        run_variables = (
            variables if own_variables and isinstance(variables, dict) else dict(variables or {})
        )
        run_context = context or Context(origin="scenario")
        if on_started is not None:
            on_started()
        if resume is None:
            # As Home Assistant: a run taken (even one queued) is the last triggered, and
            # the state written just below shows it to the run's own templates.
            self.last_triggered = self.runtime.clock.now()
        if ahead or resume is not None or not can_start_eagerly():
            coro = (
                self._run(run_variables, run_context, trace, resume, ahead)
                if ahead
                else self._execute(run_variables, run_context, trace, resume)
            )
            task = self.runtime.create_task(
                coro,
                name=self._task_name,
                on_done=functools.partial(self._finished, scope, trace, on_finished),
            )
            scope.tasks.add(task)
            self._changed()
            if on_counted is not None:
                on_counted()
            return task
        # Nothing to wait for first: the run starts now and, when its actions need no
        # waiting, ends before this returns.
        run: EagerRun[RunResult] = EagerRun(loop=asyncio.get_running_loop())
        scope.tasks.add(run)
        if self._listeners:
            self._changed()
        if on_counted is not None:
            on_counted()
        rest = run_eagerly(self._run_now, run, run_variables, run_context, trace)
        if rest is None:  # ended already: told at once, with nothing made to be told later
            self._finished(scope, trace, on_finished, run)
        else:  # a step needs a coroutine: from there on, one started eagerly
            done = functools.partial(self._finished, scope, trace, on_finished, run)
            start_eagerly(run, rest, self._task_for_run, done)
        return run

    def _finished(
        self,
        scope: _Scope,
        trace: Trace | None,
        on_finished: Callable[[Trace], None] | None,
        done: asyncio.Future[RunResult],
    ) -> None:
        """A run ended: out of its scope, its trace finished and handed on."""
        scope.tasks.discard(done)
        if trace is not None:
            if done.cancelled() and trace.state == "running":
                trace.finish("cancelled")  # cancelled before it began (restarted at once)
            if on_finished is not None:
                on_finished(trace)
        if self._listeners:
            self._changed()

    def _run_now(
        self,
        outcome: EagerRun[RunResult],
        variables: dict[str, Any],
        context: Context,
        trace: Trace | None,
    ) -> Coroutine[Any, Any, RunResult] | None:
        """Go through the steps at once: each step that can be done without a coroutine
        (a service call answered at once) is done here, in plain calls, and ``outcome``
        gets how the run ended. At the first step that needs a coroutine, the rest of
        the run is returned as one."""
        token = current_trace.set(trace)
        run = Run(self.runtime, self, variables, context)
        try:
            options = self._options
            if options.variables:
                self._prepare_variables(run)
            steps = self._steps
            states = self.runtime.states
            for index in range(len(steps)):
                deferred = states.deferred_writes
                rest = steps[index].now(run)
                if rest is None and (
                    states.deferred_writes != deferred or outcome.cancel_requested
                ):  # see _must_go_on_in_a_task, spelt out: this runs for every step
                    rest = in_a_task()
                if rest is not None:
                    return self._steps_from(
                        run, index + 1, trace, first=rest, eager=outcome, deferred=deferred
                    )
            result = RunResult("finished", variables=run.variables)
        except Exception as err:
            result = self._ended_by(err, run)
        finally:
            current_trace.reset(token)
        if trace is not None:
            trace.finish(result.execution, result.error)
        outcome.set_result(result)
        return None

    def _task_for_run(
        self,
        coro: Coroutine[Any, Any, RunResult],
        context: contextvars.Context,
        on_done: Callable[[asyncio.Task[RunResult]], None],
    ) -> asyncio.Task[RunResult]:
        return self.runtime.create_task(
            coro, name=self._task_name, on_done=on_done, context=context
        )

    async def run(
        self,
        variables: Mapping[str, Any] | None = None,
        context: Context | None = None,
        *,
        trace: Trace | None = None,
        scope_key: str | None = None,
        wait: bool = True,
        resume: Resume | None = None,
        on_counted: Callable[[], None] | None = None,
    ) -> RunResult:
        """Run under the mode; returns how the run ended (at once when ``wait`` is False)."""
        started = self.start(
            variables,
            context,
            trace=trace,
            scope_key=scope_key,
            resume=resume,
            on_counted=on_counted,
        )
        if isinstance(started, RunResult):
            return started
        if not wait:
            return RunResult("started")
        return await self.wait(started)

    async def wait(self, task: asyncio.Future[RunResult]) -> RunResult:
        """How a started run ended; a run cancelled by its mode or a stop is "cancelled",
        but one that stopped itself ends its waiting caller too. A caller cancelled
        while it waits cancels the run (Home Assistant's ``async_run``)."""
        if isinstance(task, EagerRun) and task.task is not None:
            task = task.task  # handed to a task: its outcome is the same, one turn sooner
        try:
            return await self.runtime.tasks.wait_for(task)
        except asyncio.CancelledError:
            if not task.cancelled():
                task.cancel()  # the caller was stopped: so is the run it waits for (as HA)
                raise
            if ended_by_itself(task):
                # It turned itself off: Home Assistant's cancelled call leaves the run
                # as a cancellation, which ends every run waiting for it as well.
                caller = asyncio.current_task()
                if caller is not None:
                    mark_ended_by_itself(caller)
                raise
            return RunResult("cancelled")

    def _refused(self, trace: Trace | None, execution: str) -> RunResult:
        if trace is not None:
            trace.finish(execution)
        return RunResult(execution)

    async def _run(
        self,
        variables: dict[str, Any],
        context: Context,
        trace: Trace | None,
        resume: Resume | None,
        ahead: tuple[asyncio.Future[RunResult], ...],
    ) -> RunResult:
        """A run that waits its turn: after the runs it replaced, or those ahead of it
        in the queue (each queued run waits for every run started before it)."""
        if self.mode == "queued":
            # A run handed to a task is waited for through its task: one turn sooner.
            runs = [
                run.task if isinstance(run, EagerRun) and run.task is not None else run
                for run in ahead
            ]
            await self.runtime.tasks.wait_for_all(runs)
        else:  # mode: restart; the runs it cancelled finish first
            await asyncio.gather(*ahead, return_exceptions=True)
        return await self._execute(variables, context, trace, resume)

    async def _execute(
        self,
        variables: dict[str, Any],
        context: Context,
        trace: Trace | None,
        resume: Resume | None = None,
    ) -> RunResult:
        if resume is not None:  # a run resumed after a restart (others: set by start)
            self.last_triggered = self.runtime.clock.now()
        run = Run(self.runtime, self, variables, context)
        return await self._steps_from(run, 0, trace, resume=resume)

    async def _resumed(self, run: Run, resume: Resume) -> int:
        """Where a run saved before a restart goes on: the step to run next."""
        if resume.kind == "wait":  # the wait step waits again, until its deadline
            first = resume.step
            run.resumed_wait = resume
        else:
            first = resume.step + 1
            if resume.deadline is not None:
                await self.runtime.scheduler.sleep_until(resume.deadline)
        checkpoints = get_checkpoints(self.runtime)
        if checkpoints is not None:  # once the delay is over: a restart meanwhile resumes it
            checkpoints.drop_delay(f"{self._options.domain}.{self.item_id}:{run.id}")
        return first

    async def _steps_from(
        self,
        run: Run,
        index: int,
        trace: Trace | None,
        *,
        first: Awaitable[None] | None = None,
        resume: Resume | None = None,
        eager: EagerRun[RunResult] | None = None,
        deferred: int | None = None,
    ) -> RunResult:
        """Run the steps from ``index`` on (after ``first``, the rest of a step begun
        at once in a run started ``eager``, when ``deferred`` writes were waiting), and
        finish the trace with how the run ended."""
        token = current_trace.set(trace)
        result: RunResult
        try:
            if first is not None:
                await first
                if deferred is not None and self._must_go_on_in_a_task(deferred, eager):
                    await in_a_task()
            elif resume is not None:
                index = await self._resumed(run, resume)
            elif self._options.variables:
                self._prepare_variables(run)
            states = self.runtime.states
            for step in self._steps[index:]:
                task = asyncio.current_task()  # the caller's while stepped eagerly
                cancels = task.cancelling() if task else 0
                deferred = states.deferred_writes
                await step(run)
                if self._must_go_on_in_a_task(deferred, eager):
                    await in_a_task()
                elif task is not None and task.cancelling() > cancels:
                    await asyncio.sleep(0)  # cancelled by its own step: raised here
            result = RunResult("finished", variables=run.variables)
        except asyncio.CancelledError:
            if trace is not None:
                trace.finish("cancelled")
            current_trace.reset(token)
            raise
        except Exception as err:
            result = self._ended_by(err, run)
        if trace is not None:
            trace.finish(result.execution, result.error)
        current_trace.reset(token)
        return result

    def _must_go_on_in_a_task(self, deferred: int, eager: EagerRun[RunResult] | None) -> bool:
        """Whether a run stepped at once must go on in a task after a step: a write
        of the step waits its turn (more are waiting than the ``deferred`` before it;
        the run must outlast it), or what the step set off cancelled the run (a
        restart), which then ends before its next step. Home Assistant's runs wait at
        every call and block, so both hold there."""
        return self.runtime.states.deferred_writes != deferred or bool(
            eager and eager.cancel_requested
        )

    def _ended_by(self, error: Exception, run: Run) -> RunResult:
        """How an error raised by a step ends the run (a stop step's is no failure)."""
        if isinstance(error, StopRun):
            return RunResult(error.execution, error.error, error.response, run.variables)
        if isinstance(error, HomeloomError):
            _LOGGER.error("%s %s: %s", self._options.domain, self.name, error)
            return RunResult("error", str(error))
        _LOGGER.exception("%s %s failed", self._options.domain, self.name, exc_info=error)
        return RunResult("error", f"{type(error).__name__}: {error}")

    def _prepare_variables(self, run: Run) -> None:
        """The script's ``variables``, rendered as defaults of the run's. A field's
        ``default`` is not applied: Home Assistant's UI shows it, its runs ignore it
        (2024.3, and still: core PR 128622 applied it in 2024.11's beta, PR 129591
        reverted that before the release)."""
        engine = get_template_engine(self.runtime)
        variables = run.variables
        for name, value in self._options.variables.items():
            key = str(name)
            if key not in variables:  # defaults: what the caller passed wins (as HA)
                variables[key] = engine.render_complex(value, variables)

    async def stop(self, scope_key: str | None = None) -> bool:
        """Cancel runs, all of them or those of one scope, and wait for them to end
        (see :func:`stop_runs`); True when the run making this call was one of them."""
        if self._scopes is None:
            return False
        scopes = (
            [self._scopes[scope_key]] if scope_key in self._scopes else list(self._scopes.values())
        )
        return await stop_runs(scopes)
