"""Traces: the record of one scenario run, the answer to "why did this happen?".

The engine writes into the trace of the current run through context variables,
so conditions, triggers and steps record themselves without passing the trace
around. Each element is keyed by its path in the scenario (``trigger/0``,
``condition/1``, ``action/2/then/0``), as Home Assistant's traces are.
"""

from __future__ import annotations

import itertools
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from homeloom.orchestrator import Clock, Context

__all__ = [
    "Trace",
    "TraceStep",
    "current_trace",
    "trace_path",
    "trace_set_result",
    "trace_update_result",
]

_run_ids = itertools.count(1)


@dataclass(slots=True)
class TraceStep:
    """One visit of one element of the scenario (a condition, an action step...)."""

    path: str
    timestamp: datetime
    variables: dict[str, Any] = field(default_factory=dict)  # what changed at this step
    result: dict[str, Any] | None = None
    error: str | None = None
    finished: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "timestamp": self.timestamp.isoformat()}
        if self.variables:
            data["changed_variables"] = self.variables
        if self.result is not None:
            data["result"] = self.result
        if self.error is not None:
            data["error"] = self.error
        if self.finished is not None:
            data["duration_ms"] = round((self.finished - self.timestamp).total_seconds() * 1000, 3)
        return data


@dataclass(slots=True)
class Trace:
    """One run of one scenario or script, from its trigger to its end."""

    domain: str  # "automation" or "script"
    item_id: str
    context: Context
    clock: Clock
    trigger: str | None = None
    run_id: str = field(default_factory=lambda: str(next(_run_ids)))
    started: datetime | None = None
    finished: datetime | None = None
    state: str = "running"  # running, stopped
    script_execution: str | None = None  # finished, failed_conditions, cancelled, error...
    error: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, list[TraceStep]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock.now()

    def add_step(self, path: str, variables: dict[str, Any] | None = None) -> TraceStep:
        step = TraceStep(path=path, timestamp=self.clock.now(), variables=variables or {})
        self.steps.setdefault(path, []).append(step)
        return step

    def finish(self, execution: str, error: str | None = None) -> None:
        self.state = "stopped"
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
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "context": {
                "id": self.context.id,
                "parent_id": self.context.parent_id,
                "user_id": self.context.user_id,
            },
            "variables": self.variables,
            "steps": {path: [s.as_dict() for s in visits] for path, visits in self.steps.items()},
        }


current_trace: ContextVar[Trace | None] = ContextVar("homeloom_trace", default=None)
_current_step: ContextVar[TraceStep | None] = ContextVar("homeloom_trace_step", default=None)
_current_path: ContextVar[tuple[str, ...]] = ContextVar("homeloom_trace_path", default=())


class trace_path:  # lowercase: it is used like a function, ``with trace_path(...)``
    """Enter one element of the scenario; records a step when a trace is active.

    ``parts`` extend the current path, or, with ``absolute``, are the whole path.
    A class rather than a generator: it is on every step of every run.
    """

    __slots__ = ("_own", "_path_token", "_step", "_step_token", "_trace", "_variables")

    def __init__(
        self, *parts: str | int, variables: dict[str, Any] | None = None, absolute: bool = False
    ) -> None:
        own = _split(parts)
        self._own = own if absolute else (*_current_path.get(), *own)
        self._variables = variables

    def __enter__(self) -> None:
        path = self._own
        self._path_token = _current_path.set(path)
        trace = self._trace = current_trace.get()
        self._step = trace.add_step(_joined(path), self._variables) if trace is not None else None
        self._step_token = _current_step.set(self._step)

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        step = self._step
        if step is not None:
            if isinstance(error, Exception) and step.error is None:
                step.error = str(error)
            assert self._trace is not None
            step.finished = self._trace.clock.now()
        _current_step.reset(self._step_token)
        _current_path.reset(self._path_token)


@lru_cache(maxsize=4096)
def _split(parts: tuple[str | int, ...]) -> tuple[str, ...]:
    return tuple(piece for part in parts for piece in str(part).split("/"))


@lru_cache(maxsize=4096)
def _joined(path: tuple[str, ...]) -> str:
    return "/".join(path)


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
