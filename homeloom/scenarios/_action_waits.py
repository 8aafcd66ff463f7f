"""Steps that wait: a delay, a template that turns true, a trigger; those at the top
level of a script are kept across a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Context, Runtime

from ._actions import ActionStep, Builder, Run, StopRun, boolean_option, render
from ._checkpoints import get_checkpoints
from ._durations import DurationError, parse_duration
from ._errors import fail
from ._templates import TemplateEngine, TemplateError, get_template_engine
from ._trace import trace_set_result, trace_update_result
from ._trigger_template import watch_template
from ._trigger_unattached import left_out_reason
from ._triggers import attach_triggers, validate_triggers

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["WAIT_BUILDERS"]

_LOGGER = logging.getLogger(__name__)


def _positive(value: Any) -> timedelta:
    """A duration that is not negative, as a delay or a timeout must be."""
    duration = parse_duration(value)
    if duration < timedelta():
        raise DurationError(f"a duration must not be negative, got {value!r}")
    return duration


def _duration(engine: TemplateEngine, value: Any, run: Run, key: str) -> timedelta:
    """A delay's or timeout's (``key``'s) duration for this run; one that does not
    render to a duration is logged and aborts the run, as in Home Assistant."""
    try:
        return _positive(render(engine, value, run))
    except (DurationError, TemplateError) as err:
        _LOGGER.error("%s: error rendering the %s: %s", run.script.name, key, err)
        raise StopRun("aborted", str(err)) from None


def _check_duration(engine: TemplateEngine, config: Mapping[str, Any], key: str, path: str) -> None:
    if key not in config:
        return
    raw = config[key]  # written empty (none) is refused, as Home Assistant does
    if raw is not None and engine.is_template(raw):
        return
    if isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values()):
        return
    try:
        _positive(raw)
    except DurationError as err:
        raise fail(config, key, f"{path}.{key}", str(err)) from None


async def _wait_future(run: Run, future: asyncio.Future[Any], limit: timedelta | None) -> bool:
    """Wait for ``future`` (parked), at most ``limit``; True when it completed."""
    cancel = None
    # Busy again from the timeout on (see Scheduler.sleep_until): a run whose wait times
    # out at the instant another run's timer fires goes on at that instant.
    with run.runtime.tasks.parked_until_woken() as unpark:
        if limit is not None:

            def expire(_: Any) -> None:
                if not future.done():
                    unpark()
                    future.set_result(_TIMED_OUT)

            cancel = run.runtime.scheduler.call_later(max(limit.total_seconds(), 0), expire)
        try:
            result = await future
        finally:
            if cancel is not None:
                cancel()
    return result is not _TIMED_OUT


_TIMED_OUT = object()


@contextmanager
def _kept_across_restarts(
    run: Run, path: str, deadline: datetime | None, kind: str
) -> Iterator[None]:
    """While a top-level delay or wait runs, keep it in the database so that a restart
    resumes it; a shutdown keeps it, anything else that ends the wait drops it."""
    runtime, script = run.runtime, run.script
    checkpoints = get_checkpoints(runtime) if path.count("/") == 1 else None
    if checkpoints is None:
        yield
        return
    key = f"{script.domain}.{script.item_id}:{run.id}"
    checkpoints.save_delay(
        key,
        scenario=script.item_id,
        step=int(path.rsplit("/", 1)[1]),
        deadline=deadline,
        variables=run.variables,
        context=run.context.as_dict(),
        kind=kind,
    )
    kept = False
    try:
        yield
    except asyncio.CancelledError:
        kept = runtime.stopping
        raise
    finally:
        if not kept:
            checkpoints.drop_delay(key)


class _Delay(ActionStep):
    """Waits a duration (kept across a restart at the top level)."""

    __slots__ = ("alias", "delay")

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        engine = self.engine
        _check_duration(engine, config, "delay", path)
        self.delay = config["delay"]
        self.alias = config.get("alias")

    async def act(self, run: Run) -> None:
        runtime = self.runtime
        duration = _duration(self.engine, self.delay, run, "delay")
        run.script.waits(self.alias, "delay", duration)
        trace_set_result(delay=duration.total_seconds(), done=False)
        with _kept_across_restarts(run, self.path, runtime.now() + duration, "delay"):
            await runtime.scheduler.sleep(duration.total_seconds())
        trace_update_result(done=True)


class _WaitTemplate(ActionStep):
    """Waits until a template renders true, re-rendered as what it reads changes (the
    entities it named, those of the domains it read, the time)."""

    __slots__ = ("config", "continue_on_timeout", "template")

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        engine = self.engine
        _check_duration(engine, config, "timeout", path)
        self.config = config
        self.continue_on_timeout = boolean_option(config, "continue_on_timeout", True, path)
        if config["wait_template"] is None:
            raise fail(config, "wait_template", f"{path}.wait_template", "a template is required")
        self.template = engine.template(str(config["wait_template"]))
        try:
            self.template.ensure_valid()
        except TemplateError as err:
            raise fail(config, "wait_template", f"{path}.wait_template", str(err)) from None

    async def act(self, run: Run) -> None:
        runtime, template, config = self.runtime, self.template, self.config
        timeout = (
            _duration(self.engine, config["timeout"], run, "timeout")
            if "timeout" in config
            else None
        )
        start = runtime.now()
        # As in Home Assistant: true at once only if it renders "true"; once waiting,
        # it is watched as a template trigger is, and turning true ends the wait.
        text = template.render(run.variables, parse_result=False)
        if str(text).strip().lower() == "true":
            run.variables["wait"] = {
                "remaining": timeout.total_seconds() if timeout is not None else None,
                "completed": True,
            }
            trace_set_result(wait=run.variables["wait"])
            return
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def turned_true() -> None:
            if not future.done():
                future.set_result(True)

        label = f"{run.script.name} {self.path}: wait template"
        unwatch = watch_template(runtime, template.source, run.variables, turned_true, label)
        run.script.waits(config.get("alias"), "wait template")
        try:
            completed = await _wait_future(run, future, timeout)
        finally:
            unwatch()
        remaining = None
        if timeout is not None:
            remaining = max((timeout - (runtime.now() - start)).total_seconds(), 0.0)
        run.variables["wait"] = {"remaining": remaining, "completed": completed}
        trace_set_result(wait=run.variables["wait"], timeout=not completed)
        if not completed and not self.continue_on_timeout:
            raise StopRun("aborted")


class _WaitForTrigger(ActionStep):
    """Waits until one of its triggers fires (kept across a restart at the top level)."""

    __slots__ = ("config", "continue_on_timeout", "triggers")

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime, engine = self.runtime, self.engine
        _check_duration(engine, config, "timeout", path)
        self.config = config
        self.continue_on_timeout = boolean_option(config, "continue_on_timeout", True, path)
        self.triggers = validate_triggers(
            runtime, config["wait_for_trigger"], path=f"{path}.wait_for_trigger"
        )

    async def act(self, run: Run) -> None:
        runtime, config = self.runtime, self.config
        resumed, run.resumed_wait = run.resumed_wait, None
        if resumed is not None:
            deadline = resumed.deadline
            timeout = max(deadline - runtime.now(), timedelta()) if deadline else None
        else:
            timeout = (
                _duration(self.engine, config["timeout"], run, "timeout")
                if "timeout" in config
                else None
            )
        start = runtime.now()
        if not _any_enabled(runtime, self.triggers, run.variables):
            _nothing_to_wait_for(run, timeout)
            return
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def triggered(variables: dict[str, Any], context: Context | None) -> None:
            if not future.done():
                future.set_result(variables.get("trigger"))

        # Named as its script and step, for what a trigger logs (one left out, say).
        name = f"{run.script.name} {self.path}"
        detach = attach_triggers(
            runtime, self.triggers, triggered, name=name, variables=run.variables
        )
        if not _any_enabled(runtime, self.triggers, run.variables, attached=True):
            # Each enabled trigger was left out (and logged so, as it was attached): as
            # Home Assistant, nothing is waited for either.
            detach()
            _nothing_to_wait_for(run, timeout)
            return
        run.script.waits(config.get("alias"), "wait for trigger")
        deadline = start + timeout if timeout is not None else None
        try:
            with _kept_across_restarts(run, self.path, deadline, "wait"):
                completed = await _wait_future(run, future, timeout)
        finally:
            detach()
        trigger = future.result() if completed else None
        remaining = None
        if timeout is not None:
            remaining = max((timeout - (runtime.now() - start)).total_seconds(), 0.0)
        run.variables["wait"] = {"remaining": remaining, "trigger": trigger}
        trace_set_result(
            wait={"remaining": remaining, "completed": completed}, timeout=not completed
        )
        if not completed and not self.continue_on_timeout:
            raise StopRun("aborted")


def _nothing_to_wait_for(run: Run, timeout: timedelta | None) -> None:
    """As Home Assistant: with nothing to wait for, the wait goes on at once (not a
    timeout: continue_on_timeout is not asked), the whole timeout remaining."""
    remaining = timeout.total_seconds() if timeout is not None else None
    run.variables["wait"] = {"remaining": remaining, "trigger": None}
    trace_set_result(wait={"remaining": remaining, "completed": False})


def _any_enabled(
    runtime: Runtime,
    triggers: list[dict[str, Any]],
    variables: Mapping[str, Any],
    *,
    attached: bool = False,
) -> bool:
    """Whether any of a wait's triggers is enabled (as ``attach_triggers`` reads it);
    with ``attached``, enabled and not left out when attached (``_trigger_unattached``)."""
    for config in triggers:
        if attached and left_out_reason(runtime, config) is not None:
            continue
        enabled = config.get("enabled", True)
        if enabled is True:
            return True
        engine = get_template_engine(runtime)
        if engine.is_template(enabled):
            enabled = engine.template(enabled).render(variables)
        if not (enabled is False or str(enabled).lower() == "false"):
            return True
    return False


WAIT_BUILDERS: dict[str, Builder] = {
    "delay": _Delay,
    "wait_template": _WaitTemplate,
    "wait_for_trigger": _WaitForTrigger,
}
