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
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, final

from homeloom.orchestrator import Context, HomeloomError, Runtime, ServiceNotFound, in_a_task

from ._checkpoints import Resume, get_checkpoints
from ._conditions import ConditionCheck, compile_condition, compile_conditions
from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError, fail
from ._templates import TemplateEngine, TemplateError, get_template_engine
from ._trace import trace_path, trace_set_result, trace_update_result
from ._triggers import attach_triggers, shared, validate_triggers

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


class _Sequence:
    """Steps run one after the other (a nested block's, a branch's)."""

    __slots__ = ("steps",)

    def __init__(self, steps: list[Step]) -> None:
        self.steps = tuple(steps)

    async def __call__(self, run: Run) -> None:
        for step in self.steps:
            await step(run)


def compile_sequence(runtime: Runtime, configs: Any, path: str, script: Script) -> Sequence:
    return _Sequence(compile_steps(runtime, configs, path, script))


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
    step = builder(runtime, engine, config, path, script)
    # The options every step has, from the step as written (a scene is built as a call).
    step.enabled = config.get("enabled", True)
    step.continue_on_error = bool(config.get("continue_on_error", False))
    return step


class _Step:
    """One compiled action step, run against a :class:`Run` and traced at its path.

    An object rather than nested closures: a large house keeps thousands of steps,
    and a few slots weigh a fraction of functions with their cells. This class does
    what every step does (a task when the step may wait, the trace path, ``enabled``,
    ``continue_on_error``); each kind implements :meth:`act`.
    """

    __slots__ = ("continue_on_error", "enabled", "engine", "path", "runtime")
    # Whether the step may wait by itself: a run started eagerly goes through the
    # steps that never wait in the caller's turn (a service call hands over when its
    # handler is a coroutine).
    may_wait: ClassVar[bool] = True

    def __init__(self, runtime: Runtime, engine: TemplateEngine, path: str) -> None:
        self.runtime = runtime
        self.engine = engine
        self.path = path
        self.enabled: Any = True
        self.continue_on_error = False

    async def __call__(self, run: Run) -> None:
        if self.may_wait:
            await in_a_task()
        with trace_path(self.path):
            if self.enabled is not True:
                on = self.enabled
                if self.engine.is_template(on):
                    on = self.engine.template(str(on)).render(run.variables)
                if on is False or str(on).lower() == "false":
                    trace_set_result(enabled=False)
                    return
            try:
                await self.act(run)
            except HomeloomError as err:
                if not self.continue_on_error or isinstance(err, ServiceNotFound | TemplateError):
                    raise
                _LOGGER.warning("%s: %s (continuing)", self.path, err)
                trace_update_result(error=str(err), continued=True)

    async def act(self, run: Run) -> None:
        raise NotImplementedError


Builder = Callable[[Runtime, TemplateEngine, Mapping[str, Any], str, "Script"], _Step]


def _render(engine: TemplateEngine, value: Any, run: Run) -> Any:
    return engine.render_complex(value, run.variables)


@final
class _Templated:
    """A configured value that holds templates: rendered for each run. A value that
    holds none is kept as written, and used as it is."""

    __slots__ = ("engine", "value")

    def __init__(self, engine: TemplateEngine, value: Any) -> None:
        self.engine = engine
        self.value = value

    def render(self, run: Run) -> Any:
        return self.engine.render_complex(self.value, run.variables)


def _renderable(engine: TemplateEngine, value: Any) -> Any:
    """``value`` as written, or a :class:`_Templated` when it holds a template."""
    return _Templated(engine, value) if engine.contains_template(value) else value


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

_NO_DATA: Mapping[str, Any] = MappingProxyType({})  # shared by every call without data


class _ServiceCall(_Step):
    """A service call. The name, data and target are kept as written unless they hold
    templates (see :class:`_Templated`); a name written out is split once, here."""

    __slots__ = ("data", "legacy_entity", "name", "response_variable", "target", "templated_data")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        name = config.get("action") or config.get("service") or config.get("service_template")
        if not isinstance(name, str) or not name:
            raise fail(
                config, "action", f"{path}.action", "expected a service name like light.turn_on"
            )
        if not engine.is_template(name) and "." not in name:
            raise fail(
                config, "action", f"{path}.action", f"{name!r} is not a service: use domain.service"
            )
        data: dict[str, Any] = {}
        for key in ("data_template", "data"):
            value = config.get(key)
            if (
                value is not None
                and not isinstance(value, Mapping)
                and not engine.is_template(value)
            ):
                raise fail(config, key, f"{path}.{key}", f"'{key}' must be a mapping")
            if isinstance(value, Mapping):
                data.update(value)
        self.name: tuple[str, str, str] | _Templated = (
            _Templated(engine, name)
            if engine.is_template(name)
            else shared(name.strip().lower().partition("."))
        )
        self.data: Mapping[str, Any] | _Templated = _renderable(engine, data) if data else _NO_DATA
        self.templated_data = config.get("data") if engine.is_template(config.get("data")) else None
        target = config.get("target")
        self.target = _renderable(engine, target) if target is not None else None
        legacy_entity = config.get("entity_id")
        self.legacy_entity = (
            _renderable(engine, legacy_entity) if legacy_entity is not None else None
        )
        self.response_variable = config.get("response_variable")

    async def act(self, run: Run) -> None:
        name = self.name
        if type(name) is _Templated:
            domain, _, service = str(name.render(run)).strip().lower().partition(".")
        else:
            domain, _, service = name
        payload = (
            dict(_render(self.engine, self.templated_data, run) or {})
            if self.templated_data
            else {}
        )
        data = self.data
        payload.update(data.render(run) if type(data) is _Templated else data)
        target = self.target
        if target is None:
            targets = {}
        else:
            targets = dict((target.render(run) if type(target) is _Templated else target) or {})
        legacy = self.legacy_entity
        if legacy is not None:
            targets.setdefault(
                "entity_id", legacy.render(run) if type(legacy) is _Templated else legacy
            )
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
        response_variable = self.response_variable
        response = await self.runtime.services.call(
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


def _scene(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> _Step:
    return _ServiceCall(
        runtime,
        engine,
        {"action": "scene.turn_on", "target": {"entity_id": config["scene"]}},
        path,
        script,
    )


def _device(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> _Step:
    domain, kind, entity = config.get("domain"), config.get("type"), config.get("entity_id")
    if not (domain and kind and entity):
        raise fail(config, "device_id", path, "a device action needs domain, type and entity_id")
    return _ServiceCall(
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


class _Delay(_Step):
    """Waits a duration (kept across a restart at the top level)."""

    __slots__ = ("delay",)

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        _check_duration(engine, config, "delay", path)
        self.delay = config["delay"]

    async def act(self, run: Run) -> None:
        runtime = self.runtime
        duration = _duration(self.engine, self.delay, run)
        trace_set_result(delay=duration.total_seconds(), done=False)
        with _kept_across_restarts(run, self.path, runtime.now() + duration, "delay"):
            await runtime.scheduler.sleep(duration.total_seconds())
        trace_update_result(done=True)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "on", "yes", "enable", "1")
    return bool(value) if isinstance(value, bool | int | float) else False


class _WaitTemplate(_Step):
    """Waits until a template renders true, re-rendered as the entities it reads change."""

    __slots__ = ("config", "template")

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        _check_duration(engine, config, "timeout", path)
        self.config = config
        self.template = engine.template(str(config["wait_template"]))
        try:
            self.template.ensure_valid()
        except TemplateError as err:
            raise fail(config, "wait_template", f"{path}.wait_template", str(err)) from None

    async def act(self, run: Run) -> None:
        runtime, template, config = self.runtime, self.template, self.config
        timeout = _duration(self.engine, config["timeout"], run) if "timeout" in config else None
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
        if not completed and config.get("continue_on_timeout", True) is False:
            raise StopRun("aborted")


class _WaitForTrigger(_Step):
    """Waits until one of its triggers fires (kept across a restart at the top level)."""

    __slots__ = ("config", "triggers")

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        _check_duration(engine, config, "timeout", path)
        self.config = config
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
                _duration(self.engine, config["timeout"], run) if "timeout" in config else None
            )
        start = runtime.now()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def triggered(variables: dict[str, Any], context: Context | None) -> None:
            if not future.done():
                future.set_result(variables.get("trigger"))

        detach = await attach_triggers(
            runtime, self.triggers, triggered, name=self.path, variables=run.variables
        )
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
        if not completed and config.get("continue_on_timeout", True) is False:
            raise StopRun("aborted")


# --- flow --------------------------------------------------------------------------------


class _ConditionStep(_Step):
    """A condition as a step: the run stops when it does not hold."""

    __slots__ = ("check",)
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        self.check = compile_condition(runtime, config, path=path)

    async def act(self, run: Run) -> None:
        if not self.check(run.variables):
            raise StopRun("aborted")


def _conditions_of(runtime: Runtime, value: Any, path: str) -> ConditionCheck:
    return compile_conditions(runtime, value, path=path)


class _Choose(_Step):
    """The sequence of the first option whose conditions hold, else the default."""

    __slots__ = ("default", "options")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
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
        self.options = tuple(options)
        self.default = (
            compile_sequence(runtime, config["default"], f"{path}/default", script)
            if "default" in config
            else None
        )

    async def act(self, run: Run) -> None:
        for index, (check, sequence) in enumerate(self.options):
            if check(run.variables):
                trace_set_result(choice=index)
                await sequence(run.scoped())
                return
        if self.default is not None:
            trace_set_result(choice="default")
            await self.default(run.scoped())


class _If(_Step):
    """``then`` when the conditions hold, else ``else`` (if any)."""

    __slots__ = ("check", "otherwise", "then")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        if "then" not in config:
            raise fail(config, "if", f"{path}.then", "an 'if' needs 'then'")
        self.check = _conditions_of(runtime, config["if"], f"{path}/if")
        self.then = compile_sequence(runtime, config["then"], f"{path}/then", script)
        self.otherwise = (
            compile_sequence(runtime, config["else"], f"{path}/else", script)
            if "else" in config
            else None
        )

    async def act(self, run: Run) -> None:
        if self.check(run.variables):
            trace_set_result(choice="then")
            await self.then(run.scoped())
        elif self.otherwise is not None:
            trace_set_result(choice="else")
            await self.otherwise(run.scoped())


class _Repeat(_Step):
    """A sequence repeated: a number of times, for each item, while or until."""

    __slots__ = ("check", "form", "sequence", "spec")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
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
        self.spec = spec
        self.form = form = forms[0]
        self.sequence = compile_sequence(
            runtime, spec["sequence"], f"{path}/repeat/sequence", script
        )
        self.check = (
            _conditions_of(runtime, spec[form], f"{path}/repeat/{form}")
            if form in ("while", "until")
            else None
        )

    async def _iterate(
        self, run: Run, index: int, item: Any = None, last: bool | None = None
    ) -> None:
        scope = run.scoped()
        repeat: dict[str, Any] = {"first": index == 1, "index": index}
        if last is not None:
            repeat["last"] = last
        if self.form == "for_each":
            repeat["item"] = item
        scope.variables["repeat"] = repeat
        await self.sequence(scope)

    async def act(self, run: Run) -> None:
        form, check = self.form, self.check
        if form == "count":
            count = int(float(_render(self.engine, self.spec["count"], run)))
            for index in range(1, count + 1):
                await self._iterate(run, index, last=index == count)
            trace_set_result(iterations=count)
            return
        if form == "for_each":
            items = _render(self.engine, self.spec["for_each"], run)
            if isinstance(items, str):
                items = [items]
            items = list(items or [])
            for index, item in enumerate(items, start=1):
                await self._iterate(run, index, item, last=index == len(items))
            return
        assert check is not None
        index = 0
        while True:
            index += 1
            probe = run.scoped()
            probe.variables["repeat"] = {"first": index == 1, "index": index}
            if form == "while" and not check(probe.variables):
                break
            await self._iterate(run, index)
            probe.variables["repeat"] = {"first": index == 1, "index": index}
            if form == "until" and check(probe.variables):
                break
            await asyncio.sleep(0)  # a tight loop must not starve the house


class _Parallel(_Step):
    """Branches run at the same time, each in its own task; done when all are."""

    __slots__ = ("branches",)

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
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
        self.branches = tuple(branches)

    async def act(self, run: Run) -> None:
        runtime = self.runtime
        tasks = [
            runtime.create_task(branch(run.scoped()), name=f"{self.path} branch {index}")
            for index, branch in enumerate(self.branches)
        ]
        try:
            with runtime.tasks.parked():
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()


class _NestedSequence(_Step):
    """A ``sequence`` step: its steps, in a scope of their own."""

    __slots__ = ("sequence",)
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        self.sequence = compile_sequence(runtime, config["sequence"], f"{path}/sequence", script)

    async def act(self, run: Run) -> None:
        await self.sequence(run.scoped())


class _Variables(_Step):
    """Sets variables in the current scope, each rendered in turn."""

    __slots__ = ("values",)
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        values = config["variables"]
        if not isinstance(values, Mapping):
            raise fail(config, "variables", f"{path}.variables", "'variables' must be a mapping")
        self.values = values

    async def act(self, run: Run) -> None:
        changed: dict[str, Any] = {}
        for key, value in self.values.items():
            rendered = _render(self.engine, value, run)
            run.variables[str(key)] = rendered
            changed[str(key)] = rendered
        trace_set_result(variables=changed)


class _Event(_Step):
    """Fires an event on the bus."""

    __slots__ = ("data", "event_type")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        self.event_type = config["event"]
        self.data = {
            **(config.get("event_data_template") or {}),
            **(config.get("event_data") or {}),
        }

    async def act(self, run: Run) -> None:
        name = str(_render(self.engine, self.event_type, run))
        payload = _render(self.engine, self.data, run)
        trace_set_result(event=name, event_data=payload)
        self.runtime.bus.fire(name, payload, run.context)


class _Stop(_Step):
    """Ends the run: finished (with a response) or with an error."""

    __slots__ = ("is_error", "reason", "response_variable")
    may_wait = False

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        self.reason = str(config.get("stop") or "")
        self.is_error = bool(config.get("error", False))
        self.response_variable = config.get("response_variable")

    async def act(self, run: Run) -> None:
        trace_set_result(stop=self.reason, error=self.is_error)
        if self.is_error:
            raise StopRun("aborted", self.reason)
        variable = self.response_variable
        response = run.variables.get(str(variable)) if variable else None
        raise StopRun("finished", None, response)


class _ConversationResponse(_Step):
    """Say something to the person whose sentence started the run (``conversation.process``)."""

    __slots__ = ("text",)

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        super().__init__(runtime, engine, path)
        self.text = _renderable(engine, config["set_conversation_response"])

    async def act(self, run: Run) -> None:
        said = self.text.render(run) if type(self.text) is _Templated else self.text
        text = "" if said is None else str(said)
        trace_set_result(response=text)
        self.runtime.bus.fire(EVENT_CONVERSATION_RESPONSE, {"text": text}, run.context)


_BUILDERS: dict[str, Builder] = {
    "service": _ServiceCall,
    "delay": _Delay,
    "wait_template": _WaitTemplate,
    "wait_for_trigger": _WaitForTrigger,
    "event": _Event,
    "condition": _ConditionStep,
    "choose": _Choose,
    "if": _If,
    "repeat": _Repeat,
    "parallel": _Parallel,
    "sequence": _NestedSequence,
    "variables": _Variables,
    "stop": _Stop,
    "scene": _scene,
    "device_id": _device,
    "set_conversation_response": _ConversationResponse,
}
