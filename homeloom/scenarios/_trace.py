"""Traces: the record of one scenario run, the answer to "why did this happen?".

The engine writes into the trace of the current run through context variables,
so conditions, triggers and steps record themselves without passing the trace
around. Each element is keyed by its path in the scenario (``trigger/0``,
``condition/1``, ``action/2/then/0``), as Home Assistant's traces are.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import Clock, Context

__all__ = [
    "Trace",
    "TraceStep",
    "current_step",
    "current_trace",
    "finish_step",
    "trace_path",
    "trace_set_result",
    "trace_update_result",
    "trace_warning",
]

# The iterator's own method: each run's id made in C, without a call of Python's.
_next_run_id: Callable[[], str] = map(str, itertools.count(1)).__next__


class TraceStep:
    """One visit of one element of the scenario (a condition, an action step...).

    Its times are kept as seconds after the run started, on the monotonic clock,
    and turned into timestamps when the trace is shown: a wall-clock read costs a
    datetime each, and a run makes several steps.
    """

    __slots__ = ("error", "finished_at", "path", "result", "started_at", "variables")

    def __init__(self, path: str, trace: Trace) -> None:
        """A visit of ``path`` beginning now, recorded in ``trace``: made here rather
        than by a method of the trace, one call fewer on every step of every run."""
        self.path = path
        self.started_at = trace.clock.monotonic() - trace.monotonic_start
        trace.visits.append(self)
        self.variables: dict[str, Any] | None = None  # what changed at this step
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self.finished_at: float | None = None

    def as_dict(self, run_started: datetime) -> dict[str, Any]:
        timestamp = run_started + timedelta(seconds=self.started_at)
        data: dict[str, Any] = {"path": self.path, "timestamp": timestamp.isoformat()}
        if self.variables:
            data["changed_variables"] = self.variables
        if self.result is not None:
            data["result"] = self.result
        if self.error is not None:
            data["error"] = self.error
        if self.finished_at is not None:
            data["duration_ms"] = round((self.finished_at - self.started_at) * 1000, 3)
        return data


class Trace:
    """One run of one scenario or script, from its trigger to its end.

    A plain class with slots, not a dataclass: one is made for every trigger.
    """

    __slots__ = (
        "clock",
        "context",
        "domain",
        "error",
        "finished",
        "item_id",
        "monotonic_start",
        "run_id",
        "script_execution",
        "started",
        "trigger",
        "variables",
        "visits",
    )

    def __init__(
        self,
        domain: str,  # "automation" or "script"
        item_id: str,
        context: Context,
        clock: Clock,
        trigger: str | None = None,
    ) -> None:
        self.domain = domain
        self.item_id = item_id
        self.context = context
        self.clock = clock
        self.trigger = trigger
        self.run_id = _next_run_id()
        self.started: datetime = clock.now()
        self.monotonic_start = clock.monotonic()
        self.finished: datetime | None = None
        self.script_execution: str | None = None  # finished, failed_conditions, cancelled...
        self.error: str | None = None
        self.variables: dict[str, Any] = {}
        # Every visit, in order: one list, grouped by path only when the trace is read
        # (``steps``). A house keeps the last runs of every scenario, and each container
        # kept is one more for the collector to go through.
        self.visits: list[TraceStep] = []

    @property
    def steps(self) -> dict[str, list[TraceStep]]:
        """The visits of each element, by path, in the order they were first visited."""
        steps: dict[str, list[TraceStep]] = {}
        for step in self.visits:
            visits = steps.get(step.path)
            if visits is None:
                steps[step.path] = [step]
            else:
                visits.append(step)
        return steps

    @property
    def state(self) -> str:
        """Running, or stopped once finished: read from ``finished`` rather than kept
        beside it, one slot fewer in each trace kept."""
        return "running" if self.finished is None else "stopped"

    def finish(self, execution: str | None, error: str | None = None) -> None:
        self.script_execution = execution
        self.error = error
        self.finished = self.clock.now()

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "item_id": self.item_id,
            "run_id": self.run_id,
            "trigger": self.trigger,
            "state": self.state,
            "script_execution": self.script_execution,
            "error": self.error,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "context": {
                "id": self.context.id,
                "parent_id": self.context.parent_id,
                "user_id": self.context.user_id,
            },
            "variables": self.variables,
            "steps": {
                path: [step.as_dict(self.started) for step in visits]
                for path, visits in self.steps.items()
            },
        }


current_trace: ContextVar[Trace | None] = ContextVar("homeloom_trace", default=None)
_current_step: ContextVar[TraceStep | None] = ContextVar("homeloom_trace_step", default=None)


class trace_path:  # lowercase: it is used like a function, ``with trace_path(...)``
    """Enter one element of the scenario at its whole ``path`` (``action/2/then/0``);
    records a visit when a trace is active.

    A class rather than a generator: it is on every step of every run.
    """

    __slots__ = ("_path", "_step", "_token", "_trace")

    def __init__(self, path: str) -> None:
        self._path = path

    def __enter__(self) -> TraceStep | None:
        """The step recorded (None without a trace): its result may be set on it directly."""
        trace = self._trace = current_trace.get()
        step = self._step = TraceStep(self._path, trace) if trace is not None else None
        self._token = _current_step.set(step)
        return step

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        step, trace = self._step, self._trace
        if step is not None and trace is not None:
            if isinstance(error, Exception) and step.error is None:
                step.error = str(error)
            step.finished_at = trace.clock.monotonic() - trace.monotonic_start
        _current_step.reset(self._token)


def current_step() -> TraceStep | None:
    """The step being run, as ``trace_path`` entered it (None without a trace)."""
    return _current_step.get()


def finish_step(step: TraceStep | None, trace: Trace | None) -> None:
    """Note when ``step`` ended, as leaving its ``trace_path`` does."""
    if step is not None and trace is not None:
        step.finished_at = trace.clock.monotonic() - trace.monotonic_start


def trace_set_result(**result: Any) -> None:
    """Set the result of the step being run (replacing any earlier result)."""
    step = _current_step.get()
    if step is not None:
        step.result = result  # keyword arguments arrive in a dict of their own


def trace_update_result(**result: Any) -> None:
    """Add to the result of the step being run."""
    step = _current_step.get()
    if step is not None:
        if step.result is None:
            step.result = result
        else:
            step.result.update(result)


def trace_warning(warning: str) -> None:
    """Note ``warning`` in the result of the step the current run is at (the last one
    it visited: a call step notes it while preparing its call, before the step's
    ``trace_path`` or ``now`` would make it the current step)."""
    trace = current_trace.get()
    if trace is not None and trace.visits:
        step = trace.visits[-1]
        # A new result: the one it has may be shared between runs (a fixed call's).
        step.result = {**(step.result or {}), "warning": warning}


def format_trace(name: str, trace: dict[str, Any]) -> str:
    """A stored trace as readable text: what triggered the run, each step, how it ended."""
    lines = [
        f"{name} — run {trace.get('run_id')} started {trace.get('started')}",
        f"  trigger: {trace.get('trigger') or 'manual'}",
    ]
    context = trace.get("context") or {}
    if context.get("user_id"):
        lines.append(f"  by user: {context['user_id']}")
    for path, visits in (trace.get("steps") or {}).items():
        for visit in visits:
            result = visit.get("result") or {}
            params = result.get("params")
            if params:
                target = params.get("target") or {}
                detail = f"{params['domain']}.{params['service']} {target} {params['service_data']}"
            else:
                detail = ", ".join(f"{key}={value}" for key, value in result.items())
            duration = visit.get("duration_ms")
            timing = f" ({duration} ms)" if duration is not None else ""
            error = f"  ERROR: {visit['error']}" if visit.get("error") else ""
            lines.append(f"  {path}: {detail}{timing}{error}")
    ending = trace.get("script_execution") or trace.get("state")
    lines.append(f"  ended {trace.get('finished')}: {ending}")
    if trace.get("error"):
        lines.append(f"  error: {trace['error']}")
    return "\n".join(lines)
