"""Action steps, each compiled once into an async callable run against a :class:`Run`.

Variables follow Home Assistant's scoping: a nested block (choose, if, repeat,
parallel, sequence) works on a copy, so what it defines does not leak out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from homeloom.orchestrator import Context, HomeloomError, Runtime, ServiceNotFound, in_a_task

from ._checkpoints import Resume, get_checkpoints
from ._conditions import ConditionCheck, compile_condition, compile_conditions
from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError, fail
from ._templates import TemplateEngine, TemplateError, get_template_engine
from ._trace import trace_path, trace_set_result, trace_update_result
from ._triggers import attach_triggers, validate_triggers

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["Run", "Sequence", "Step", "StopRun", "compile_sequence", "compile_steps"]

_LOGGER = logging.getLogger(__name__)
Sequence = Callable[["Run"], Coroutine[Any, Any, None]]
Step = Callable[["Run"], Coroutine[Any, Any, None]]


class ServiceGate(Protocol):
    """Decides whether a call runs now (autonomy)."""

    def acts_alone(self, domain: str, service: str, target: Mapping[str, Any]) -> bool:
        """True when the call surely runs at once: the quick answer, asked first."""
        ...

    async def __call__(
        self, run: Run, domain: str, service: str, data: dict[str, Any], target: dict[str, Any]
    ) -> bool:
        """The whole decision, which may wait for a person; False: not carried out."""
        ...


EVENT_CONVERSATION_RESPONSE = "homeloom_conversation_response"
STEP_KINDS = (
    "action",
    "service",
    "delay",
    "wait_template",
    "wait_for_trigger",
    "event",
    "condition",
    "choose",
    "if",
    "repeat",
    "parallel",
    "sequence",
    "variables",
    "stop",
    "scene",
    "device_id",
    "set_conversation_response",
)


class StopRun(Exception):
    """Ends a run early: a stop step, a failed condition step, a wait that timed out."""

    def __init__(self, execution: str, error: str | None = None, response: Any = None) -> None:
        self.execution = execution
        self.error = error
        self.response = response
        super().__init__(error or execution)


class Run:
    """One run's state: its variables (the current scope), context and script."""

    __slots__ = ("context", "id", "resumed_wait", "runtime", "script", "variables")

    def __init__(
        self,
        runtime: Runtime,
        script: Script,
        variables: dict[str, Any],
        context: Context,
        run_id: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.script = script
        self.variables = variables
        self.context = context
        self.id = run_id or context.id
        # Set for the first step of a run resumed in a wait_for_trigger after a restart.
        self.resumed_wait: Resume | None = None

    def scoped(self) -> Run:
        return Run(self.runtime, self.script, dict(self.variables), self.context, self.id)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def compile_steps(runtime: Runtime, configs: Any, path: str, script: Script) -> list[Step]:
    items = _as_list(configs)
    steps: list[Step] = []
    issues = []
    for index, config in enumerate(items):
        try:
            steps.append(compile_step(runtime, config, f"{path}/{index}", script))
        except ScenarioConfigError as err:
            issues.extend(err.issues)
    if issues:
        raise ScenarioConfigError(issues)
    return steps


def compile_sequence(runtime: Runtime, configs: Any, path: str, script: Script) -> Sequence:
    steps = compile_steps(runtime, configs, path, script)

    async def run_sequence(run: Run) -> None:
        for step in steps:
            await step(run)

    return run_sequence


def _kind(config: Mapping[str, Any]) -> str | None:
    for kind in STEP_KINDS:
        if kind in config:
            return kind
    if "service_template" in config:
        return "service"
    if any(key in config for key in ("and", "or", "not")):
        return "condition"
    return None


def compile_step(runtime: Runtime, config: Any, path: str, script: Script) -> Step:
    if isinstance(config, str):
        config = {"condition": "template", "value_template": config}
    if not isinstance(config, Mapping):
        raise fail(config, None, path, f"an action must be a mapping, got {config!r}")
    kind = _kind(config)
    if kind is None:
        raise fail(
            config,
            None,
            path,
            "unknown action; valid keys: " + ", ".join(k for k in STEP_KINDS if k != "service"),
        )
    engine = get_template_engine(runtime)
    builder = _BUILDERS["service" if kind == "action" else kind]
    inner = builder(runtime, engine, config, path, script)
    enabled = config.get("enabled", True)
    continue_on_error = bool(config.get("continue_on_error", False))
    needs_task = kind not in _NEVER_WAITING

    async def step(run: Run) -> None:
        if needs_task:
            await in_a_task()
        with trace_path(path):
            if enabled is not True:
                on = enabled
                if engine.is_template(on):
                    on = engine.template(str(on)).render(run.variables)
                if on is False or str(on).lower() == "false":
                    trace_set_result(enabled=False)
                    return
            try:
                await inner(run)
            except HomeloomError as err:
                if not continue_on_error or isinstance(err, ServiceNotFound | TemplateError):
                    raise
                _LOGGER.warning("%s: %s (continuing)", path, err)
                trace_update_result(error=str(err), continued=True)

    return step


Builder = Callable[[Runtime, TemplateEngine, Mapping[str, Any], str, "Script"], Step]
# Steps that never wait by themselves: a run started eagerly goes through them in
# the caller's turn (a service call hands over when its handler is a coroutine).
_NEVER_WAITING = frozenset(
    {
        "action",
        "service",
        "scene",
        "device_id",
        "condition",
        "choose",
        "if",
        "sequence",
        "variables",
        "stop",
        "event",
        "repeat",
    }
)


def _render(engine: TemplateEngine, value: Any, run: Run) -> Any:
    return engine.render_complex(value, run.variables)


def _render_none(run: Run) -> None:
    return None


def _renderer(engine: TemplateEngine, value: Any) -> Callable[[Run], Any]:
    """How to render ``value`` for a run, decided once: what holds no template is as written."""
    if value is None:  # a key left out: one renderer shared by every step
        return _render_none
    if engine.contains_template(value):
        return lambda run: engine.render_complex(value, run.variables)
    return lambda run: value


def _duration(engine: TemplateEngine, value: Any, run: Run) -> timedelta:
    try:
        return parse_duration(_render(engine, value, run))
    except DurationError as err:
        raise StopRun("error", str(err)) from None


def _check_duration(engine: TemplateEngine, config: Mapping[str, Any], key: str, path: str) -> None:
    raw = config.get(key)
    if raw is None or engine.is_template(raw):
        return
    if isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values()):
        return
    try:
        parse_duration(raw)
    except DurationError as err:
        raise fail(config, key, f"{path}.{key}", str(err)) from None


# --- service calls ----------------------------------------------------------------------


def _service(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    name = config.get("action") or config.get("service") or config.get("service_template")
    if not isinstance(name, str) or not name:
        raise fail(config, "action", f"{path}.action", "expected a service name like light.turn_on")
    if not engine.is_template(name) and "." not in name:
        raise fail(
            config, "action", f"{path}.action", f"{name!r} is not a service: use domain.service"
        )
    data: dict[str, Any] = {}
    for key in ("data_template", "data"):
        value = config.get(key)
        if value is not None and not isinstance(value, Mapping) and not engine.is_template(value):
            raise fail(config, key, f"{path}.{key}", f"'{key}' must be a mapping")
        if isinstance(value, Mapping):
            data.update(value)
    templated_data = config.get("data") if engine.is_template(config.get("data")) else None
    target = config.get("target")
    legacy_entity = config.get("entity_id")
    response_variable = config.get("response_variable")

    render_name, render_data = _renderer(engine, name), _renderer(engine, data)
    render_target, render_legacy = _renderer(engine, target), _renderer(engine, legacy_entity)
    # A name written out (nearly always) is split once, here.
    fixed_name = None if engine.is_template(name) else name.strip().lower().partition(".")

    async def call(run: Run) -> None:
        if fixed_name is not None:
            domain, _, service = fixed_name
        else:
            domain, _, service = str(render_name(run)).strip().lower().partition(".")
        payload = dict(_render(engine, templated_data, run) or {}) if templated_data else {}
        payload.update(render_data(run))
        targets = dict(render_target(run) or {}) if target is not None else {}
        if legacy_entity is not None:
            targets.setdefault("entity_id", render_legacy(run))
        trace_set_result(
            params={
                "domain": domain,
                "service": service,
                "service_data": payload,
                "target": targets,
            },
            running_script=False,
        )
        gate = run.script.gate
        if gate is not None and not gate.acts_alone(domain, service, targets):
            await in_a_task()  # the decision may wait for a person
            if not await gate(run, domain, service, payload, targets):
                return
        response = await runtime.services.call(
            domain,
            service,
            payload,
            target=targets,
            context=run.context,
            return_response=response_variable is not None,
        )
        if response_variable is not None:
            run.variables[str(response_variable)] = response
            trace_update_result(response=response)

    return call


def _scene(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    return _service(
        runtime,
        engine,
        {"action": "scene.turn_on", "target": {"entity_id": config["scene"]}},
        path,
        script,
    )


def _device(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    domain, kind, entity = config.get("domain"), config.get("type"), config.get("entity_id")
    if not (domain and kind and entity):
        raise fail(config, "device_id", path, "a device action needs domain, type and entity_id")
    return _service(
        runtime,
        engine,
        {"action": f"{domain}.{kind}", "target": {"entity_id": entity}},
        path,
        script,
    )


# --- waiting ---------------------------------------------------------------------------


async def _wait_future(run: Run, future: asyncio.Future[Any], limit: timedelta | None) -> bool:
    """Wait for ``future`` (parked), at most ``limit``; True when it completed."""
    cancel = None
    if limit is not None:

        def expire(_: Any) -> None:
            if not future.done():
                future.set_result(_TIMED_OUT)

        cancel = run.runtime.scheduler.call_later(max(limit.total_seconds(), 0), expire)
    try:
        with run.runtime.tasks.parked():
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


def _delay(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    _check_duration(engine, config, "delay", path)
    raw = config["delay"]

    async def delay(run: Run) -> None:
        duration = _duration(engine, raw, run)
        trace_set_result(delay=duration.total_seconds(), done=False)
        with _kept_across_restarts(run, path, runtime.now() + duration, "delay"):
            await runtime.scheduler.sleep(duration.total_seconds())
        trace_update_result(done=True)

    return delay


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "on", "yes", "enable", "1")
    return bool(value) if isinstance(value, bool | int | float) else False


def _wait_template(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    _check_duration(engine, config, "timeout", path)
    template = engine.template(str(config["wait_template"]))
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise fail(config, "wait_template", f"{path}.wait_template", str(err)) from None
    continue_on_timeout = config.get("continue_on_timeout", True)

    async def wait(run: Run) -> None:
        timeout = _duration(engine, config["timeout"], run) if "timeout" in config else None
        start = runtime.now()
        value, info = template.render_with_info(run.variables)
        if _truthy(value):
            run.variables["wait"] = {
                "remaining": timeout.total_seconds() if timeout else None,
                "completed": True,
            }
            trace_set_result(wait=run.variables["wait"])
            return
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        untrack: list[Any] = []

        def check(_: Any = None) -> None:
            result, new_info = template.render_with_info(run.variables)
            if _truthy(result) and not future.done():
                future.set_result(True)
            elif set(new_info.entities) != tracked[0]:
                retrack(new_info.entities)

        tracked: list[set[str]] = [set()]

        def retrack(entities: set[str]) -> None:
            for undo in untrack:
                undo()
            untrack.clear()
            tracked[0] = set(entities)
            if entities:
                untrack.append(runtime.states.track(entities, check))

        retrack(info.entities)
        if info.has_time:
            untrack.append(runtime.scheduler.call_every(60, check))
        try:
            completed = await _wait_future(run, future, timeout)
        finally:
            for undo in untrack:
                undo()
        remaining = None
        if timeout is not None:
            remaining = max((timeout - (runtime.now() - start)).total_seconds(), 0.0)
        run.variables["wait"] = {"remaining": remaining, "completed": completed}
        trace_set_result(wait=run.variables["wait"], timeout=not completed)
        if not completed and continue_on_timeout is False:
            raise StopRun("aborted")

    return wait


def _wait_for_trigger(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    _check_duration(engine, config, "timeout", path)
    triggers = validate_triggers(
        runtime, config["wait_for_trigger"], path=f"{path}.wait_for_trigger"
    )
    continue_on_timeout = config.get("continue_on_timeout", True)

    async def wait(run: Run) -> None:
        resumed, run.resumed_wait = run.resumed_wait, None
        if resumed is not None:
            deadline = resumed.deadline
            timeout = max(deadline - runtime.now(), timedelta()) if deadline else None
        else:
            timeout = _duration(engine, config["timeout"], run) if "timeout" in config else None
        start = runtime.now()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def triggered(variables: dict[str, Any], context: Context | None) -> None:
            if not future.done():
                future.set_result(variables.get("trigger"))

        detach = await attach_triggers(
            runtime, triggers, triggered, name=path, variables=run.variables
        )
        deadline = start + timeout if timeout is not None else None
        try:
            with _kept_across_restarts(run, path, deadline, "wait"):
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
        if not completed and continue_on_timeout is False:
            raise StopRun("aborted")

    return wait


# --- flow --------------------------------------------------------------------------------


def _condition_step(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    check = compile_condition(runtime, config, path=path)

    async def condition(run: Run) -> None:
        if not check(run.variables):
            raise StopRun("aborted")

    return condition


def _conditions_of(runtime: Runtime, value: Any, path: str) -> ConditionCheck:
    return compile_conditions(runtime, value, path=path)


def _choose(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    options = []
    for index, option in enumerate(_as_list(config["choose"])):
        where = f"{path}/choose/{index}"
        if not isinstance(option, Mapping) or "sequence" not in option:
            raise fail(config, "choose", where, "each choice needs 'conditions' and 'sequence'")
        conditions = option.get("conditions", option.get("condition"))
        options.append(
            (
                _conditions_of(runtime, conditions, f"{where}/conditions"),
                compile_sequence(runtime, option["sequence"], f"{where}/sequence", script),
            )
        )
    default = (
        compile_sequence(runtime, config["default"], f"{path}/default", script)
        if "default" in config
        else None
    )

    async def choose(run: Run) -> None:
        for index, (check, sequence) in enumerate(options):
            if check(run.variables):
                trace_set_result(choice=index)
                await sequence(run.scoped())
                return
        if default is not None:
            trace_set_result(choice="default")
            await default(run.scoped())

    return choose


def _if(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    if "then" not in config:
        raise fail(config, "if", f"{path}.then", "an 'if' needs 'then'")
    check = _conditions_of(runtime, config["if"], f"{path}/if")
    then = compile_sequence(runtime, config["then"], f"{path}/then", script)
    otherwise = (
        compile_sequence(runtime, config["else"], f"{path}/else", script)
        if "else" in config
        else None
    )

    async def branch(run: Run) -> None:
        if check(run.variables):
            trace_set_result(choice="then")
            await then(run.scoped())
        elif otherwise is not None:
            trace_set_result(choice="else")
            await otherwise(run.scoped())

    return branch


def _repeat(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    spec = config["repeat"]
    if not isinstance(spec, Mapping) or "sequence" not in spec:
        raise fail(
            config,
            "repeat",
            f"{path}.repeat",
            "repeat needs 'sequence' and one of count, while, until, for_each",
        )
    forms = [key for key in ("count", "while", "until", "for_each") if key in spec]
    if len(forms) != 1:
        raise fail(
            spec,
            None,
            f"{path}.repeat",
            "repeat needs exactly one of count, while, until, for_each",
        )
    form = forms[0]
    sequence = compile_sequence(runtime, spec["sequence"], f"{path}/repeat/sequence", script)
    check = (
        _conditions_of(runtime, spec[form], f"{path}/repeat/{form}")
        if form in ("while", "until")
        else None
    )

    async def iterate(run: Run, index: int, item: Any = None, last: bool | None = None) -> None:
        scope = run.scoped()
        repeat: dict[str, Any] = {"first": index == 1, "index": index}
        if last is not None:
            repeat["last"] = last
        if form == "for_each":
            repeat["item"] = item
        scope.variables["repeat"] = repeat
        await sequence(scope)

    async def repeat_step(run: Run) -> None:
        if form == "count":
            count = int(float(_render(engine, spec["count"], run)))
            for index in range(1, count + 1):
                await iterate(run, index, last=index == count)
            trace_set_result(iterations=count)
            return
        if form == "for_each":
            items = _render(engine, spec["for_each"], run)
            if isinstance(items, str):
                items = [items]
            items = list(items or [])
            for index, item in enumerate(items, start=1):
                await iterate(run, index, item, last=index == len(items))
            return
        assert check is not None
        index = 0
        while True:
            index += 1
            probe = run.scoped()
            probe.variables["repeat"] = {"first": index == 1, "index": index}
            if form == "while" and not check(probe.variables):
                break
            await iterate(run, index)
            probe.variables["repeat"] = {"first": index == 1, "index": index}
            if form == "until" and check(probe.variables):
                break
            await asyncio.sleep(0)  # a tight loop must not starve the house

    return repeat_step


def _parallel(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    branches: list[Step] = []
    for index, item in enumerate(_as_list(config["parallel"])):
        where = f"{path}/parallel/{index}"
        if (
            isinstance(item, Mapping)
            and set(item) <= {"sequence", "alias", "enabled"}
            and "sequence" in item
        ):
            branches.append(
                compile_sequence(runtime, item["sequence"], f"{where}/sequence", script)
            )
        else:
            branches.append(compile_step(runtime, item, where, script))

    async def parallel(run: Run) -> None:
        tasks = [
            runtime.create_task(branch(run.scoped()), name=f"{path} branch {index}")
            for index, branch in enumerate(branches)
        ]
        try:
            with runtime.tasks.parked():
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    return parallel


def _sequence(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    sequence = compile_sequence(runtime, config["sequence"], f"{path}/sequence", script)

    async def nested(run: Run) -> None:
        await sequence(run.scoped())

    return nested


def _variables(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    values = config["variables"]
    if not isinstance(values, Mapping):
        raise fail(config, "variables", f"{path}.variables", "'variables' must be a mapping")

    async def assign(run: Run) -> None:
        changed: dict[str, Any] = {}
        for key, value in values.items():
            rendered = _render(engine, value, run)
            run.variables[str(key)] = rendered
            changed[str(key)] = rendered
        trace_set_result(variables=changed)

    return assign


def _event(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    event_type = config["event"]
    data = {**(config.get("event_data_template") or {}), **(config.get("event_data") or {})}

    async def fire(run: Run) -> None:
        name = str(_render(engine, event_type, run))
        payload = _render(engine, data, run)
        trace_set_result(event=name, event_data=payload)
        runtime.bus.fire(name, payload, run.context)

    return fire


def _stop(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    reason = str(config.get("stop") or "")
    is_error = bool(config.get("error", False))
    response_variable = config.get("response_variable")

    async def stop(run: Run) -> None:
        trace_set_result(stop=reason, error=is_error)
        if is_error:
            raise StopRun("aborted", reason)
        response = run.variables.get(str(response_variable)) if response_variable else None
        raise StopRun("finished", None, response)

    return stop


def _conversation_response(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> Step:
    """Say something to the person whose sentence started the run (``conversation.process``)."""
    render = _renderer(engine, config["set_conversation_response"])

    async def respond(run: Run) -> None:
        text = "" if (said := render(run)) is None else str(said)
        trace_set_result(response=text)
        runtime.bus.fire(EVENT_CONVERSATION_RESPONSE, {"text": text}, run.context)

    return respond


_BUILDERS: dict[str, Builder] = {
    "service": _service,
    "delay": _delay,
    "wait_template": _wait_template,
    "wait_for_trigger": _wait_for_trigger,
    "event": _event,
    "condition": _condition_step,
    "choose": _choose,
    "if": _if,
    "repeat": _repeat,
    "parallel": _parallel,
    "sequence": _sequence,
    "variables": _variables,
    "stop": _stop,
    "scene": _scene,
    "device_id": _device,
    "set_conversation_response": _conversation_response,
}
