"""Action steps, each compiled once into an async callable run against a :class:`Run`.

This module holds what every step shares (:class:`Run`, :class:`StopRun`, the
:class:`ActionStep` base class) and the compile entry points; the steps
themselves are in ``_action_calls`` (service calls, events, a conversation
response), ``_action_waits`` (delay and the waits) and ``_action_flow``
(conditions, choose, if, repeat, parallel, sequence, variables, stop).

Variables follow Home Assistant 2024.3's scoping: a ``variables`` step works on a
copy, so what a nested block (choose, if, repeat, sequence) defines with it does
not leak out, while ``wait`` and a response written there do; a parallel branch
works on a copy of its own.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from homeloom.orchestrator import Context, HomeloomError, Runtime, ServiceNotFound, in_a_task

from ._checkpoints import Resume
from ._errors import ScenarioConfigError, fail
from ._platform_options import read_boolean
from ._templates import TemplateEngine, TemplateError, get_template_engine
from ._trace import trace_path, trace_set_result, trace_update_result
from ._triggers import as_list, read_enabled

if TYPE_CHECKING:
    from ._script import Script

__all__ = [
    "ConditionFailed",
    "Run",
    "Sequence",
    "Step",
    "StopRun",
    "boolean_option",
    "compile_sequence",
    "compile_steps",
    "sequence_of",
]

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


class ConditionFailed(StopRun):
    """A condition step that did not hold. As in Home Assistant, where each nested
    sequence runs as a script of its own, it ends only the sequence it is in (a
    block, an iteration, a branch); at the top level, the run ("aborted")."""

    def __init__(self) -> None:
        super().__init__("aborted")


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
        """A copy of the variables: a parallel branch's, which nothing leaks out of."""
        return Run(self.runtime, self.script, dict(self.variables), self.context, self.id)

    def nested(self) -> Run:
        """The same variables, as Home Assistant 2024.3 hands them to a nested block
        (choose, if, repeat, sequence): a ``variables`` step there starts a copy of
        its own, but what a wait or a response writes first lands in the enclosing
        scope and is seen after the block."""
        return Run(self.runtime, self.script, self.variables, self.context, self.id)


@functools.lru_cache(maxsize=4096)
def _step_path(path: str, index: int) -> str:
    """``action/0``: one string for every scenario's first step, found rather than made
    and interned again for each."""
    return sys.intern(f"{path}/{index}")


def compile_steps(runtime: Runtime, configs: Any, path: str, script: Script) -> list[ActionStep]:
    # A list as loaded is read as it is, not copied.
    items = configs if isinstance(configs, list) else as_list(configs)
    steps: list[ActionStep] = []
    issues = []
    for index, config in enumerate(items):
        where = _step_path(path, index)
        try:
            steps.append(compile_step(runtime, config, where, script))
        except ScenarioConfigError as err:
            issues.extend(err.issues)
    if issues:
        raise ScenarioConfigError(issues)
    return steps


class _Sequence:
    """Steps run one after the other (a nested block's, a branch's): a failed
    condition step ends them, and the enclosing sequence goes on."""

    __slots__ = ("steps",)

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps = tuple(steps)

    async def __call__(self, run: Run) -> None:
        try:
            for step in self.steps:
                await step(run)
        except ConditionFailed:
            return


def sequence_of(steps: Iterable[Step]) -> Sequence:
    """Steps already compiled as a nested sequence (a parallel branch of one step)."""
    return _Sequence(steps)


def compile_sequence(runtime: Runtime, configs: Any, path: str, script: Script) -> Sequence:
    return _Sequence(compile_steps(runtime, configs, path, script))


_BASE_KEYS = frozenset({"alias", "enabled", "continue_on_error"})
_CALL_KEYS = {"action", "service", "service_template", "data", "data_template", "entity_id"}
_WAIT_KEYS = {"timeout", "continue_on_timeout"}
# The keys each kind of step may have, as Home Assistant's schemas allow (any other is
# refused there, so a mistyped or misplaced key cannot silently do nothing); a condition
# step is checked by its condition, a device action takes its integration's keys.
_STEP_KEYS: dict[str, frozenset[str]] = {
    kind: _BASE_KEYS | keys
    for kind, keys in {
        "service": _CALL_KEYS | {"target", "response_variable", "metadata"},
        "delay": {"delay"},
        "wait_template": {"wait_template"} | _WAIT_KEYS,
        "wait_for_trigger": {"wait_for_trigger"} | _WAIT_KEYS,
        "event": {"event", "event_data", "event_data_template"},
        "choose": {"choose", "default"},
        "if": {"if", "then", "else"},
        "repeat": {"repeat"},
        "parallel": {"parallel"},
        "sequence": {"sequence"},
        "variables": {"variables"},
        "stop": {"stop", "error", "response_variable"},
        "scene": {"scene"},
        "set_conversation_response": {"set_conversation_response"},
    }.items()
}


def _check_keys(kind: str, config: Mapping[str, Any], path: str) -> None:
    """Refuse a key the step's kind does not have, and a call named twice."""
    allowed = _STEP_KEYS.get(kind)
    if allowed is None or allowed.issuperset(config):
        return
    for key in config:
        if key not in allowed:
            valid = ", ".join(sorted(allowed - {"metadata", "service_template"}))
            article = "an" if kind[0] in "aeiou" else "a"
            message = f"unknown key {key!r} in {article} {kind} step; valid: {valid}"
            raise fail(config, key, f"{path}.{key}", message)


def _check_call(config: Mapping[str, Any], path: str) -> None:
    names = [key for key in ("action", "service", "service_template") if key in config]
    if len(names) > 1:
        message = f"a call is named once: {' and '.join(names)} are both written"
        raise fail(config, names[1], f"{path}.{names[1]}", message)
    variable = config.get("response_variable")
    if variable is not None and not isinstance(variable, str):
        message = f"response_variable must be a variable name, got {variable!r}"
        raise fail(config, "response_variable", f"{path}.response_variable", message)


# The options of each kind of step Home Assistant reads as templates when it loads the
# automation: one that does not parse refuses the automation there, before any run.
# (Conditions, waits and triggers check their own.)
_TEMPLATE_OPTIONS: dict[str, tuple[str, ...]] = {
    "service": ("action", "service", "service_template", "data", "data_template", "target"),
    "variables": ("variables",),
    "event": ("event_data", "event_data_template"),
    "delay": ("delay",),
    "wait_template": ("timeout",),
    "wait_for_trigger": ("timeout",),
    "set_conversation_response": ("set_conversation_response",),
}


def _check_template_syntax(
    engine: TemplateEngine, kind: str, config: Mapping[str, Any], path: str
) -> None:
    keys = _TEMPLATE_OPTIONS.get(kind, ())
    repeat = config.get("repeat") if kind == "repeat" else None
    if isinstance(repeat, Mapping):  # its count and for_each; its conditions check theirs
        config, path, keys = repeat, f"{path}.repeat", ("count", "for_each")
    for key in keys:
        if key in config:
            refuse_unparsable(engine, config[key], config, key, path)


_ATOMS = frozenset({int, float, bool, type(None)})


def refuse_unparsable(
    engine: TemplateEngine, value: Any, config: Mapping[str, Any], key: str, path: str
) -> None:
    """Refuse a template inside ``value`` (keys included) that does not parse."""
    if isinstance(value, str):
        if engine.is_template(value):
            try:
                engine.template(value).ensure_valid()
            except TemplateError as err:
                raise fail(config, key, f"{path}.{key}", str(err)) from None
    elif type(value) in _ATOMS:  # no template in them: no ABC check (slow) either
        return
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_unparsable(engine, item, config, key, path)
    elif isinstance(value, Mapping):
        for item in value.items():
            refuse_unparsable(engine, item, config, key, path)


def _kind(config: Mapping[str, Any]) -> str | None:
    for kind in STEP_KINDS:
        if kind in config:
            return kind
    if "service_template" in config:
        return "service"
    if any(key in config for key in ("and", "or", "not")):
        return "condition"
    return None


def compile_step(runtime: Runtime, config: Any, path: str, script: Script) -> ActionStep:
    # dict first: a loaded mapping is one, and the ABC check costs more.
    if not isinstance(config, dict) and not isinstance(config, Mapping):
        # As Home Assistant 2024.3: a text is no step either (only a list of conditions
        # takes a template as a condition's shorthand); it refuses the automation or
        # script. A loaded text knows where it was written.
        message = f"a step must be a mapping (such as `action: light.turn_on`), got {config!r}"
        if isinstance(config, str):
            message += f"; as a condition: `condition: template`, `value_template: {config!r}`"
        raise fail(config, None, path, message)
    kind = _kind(config)
    if kind is None:
        raise fail(
            config,
            None,
            path,
            "unknown action; valid keys: " + ", ".join(k for k in STEP_KINDS if k != "service"),
        )
    kind = "service" if kind == "action" else kind
    _check_keys(kind, config, path)
    if kind == "service":
        _check_call(config, path)
    engine = get_template_engine(runtime)
    _check_template_syntax(engine, kind, config, path)
    builder = _builders()[kind]
    step = builder(runtime, engine, config, path, script)
    # The options every step has, from the step as written (a scene is built as a call);
    # the step starts with the defaults, kept as they are when not written.
    enabled = read_enabled(engine, config, path)
    if enabled is not True:
        step.enabled = enabled
    if boolean_option(config, "continue_on_error", False, path):
        step.continue_on_error = True
    return step


def boolean_option(config: Mapping[str, Any], key: str, default: bool, path: str) -> bool:
    """A yes-or-no option as Home Assistant reads one (``cv.boolean``, :func:`read_boolean`):
    a boolean, a number, or a word such as "off" or "yes"; anything else (a template too)
    is refused."""
    value = config.get(key, default)
    try:
        return read_boolean(value)
    except ValueError:
        message = f"{key} must be true or false, got {value!r}"
        raise fail(config, key, f"{path}.{key}", message) from None


class ActionStep:
    """One compiled action step, run against a :class:`Run` and traced at its path.

    An object rather than nested closures: a large house keeps thousands of steps,
    and a few slots weigh a fraction of functions with their cells. This class does
    what every step does (a task when the step may wait, the trace path, ``enabled``,
    ``continue_on_error``); each kind implements :meth:`build` and :meth:`act`.
    """

    __slots__ = ("continue_on_error", "enabled", "engine", "path", "runtime")
    # Whether the step may wait by itself: a run started eagerly goes through the
    # steps that never wait in the caller's turn (a service call hands over when its
    # handler is a coroutine).
    may_wait: ClassVar[bool] = True

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        path: str,
        script: Script,
    ) -> None:
        self.runtime = runtime
        self.engine = engine
        self.path = path
        self.enabled: Any = True
        self.continue_on_error = False
        self.build(config, path, script)

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        """Takes and checks the step's own options, each kind its own."""
        raise NotImplementedError

    async def __call__(self, run: Run) -> None:
        if self.may_wait:
            await in_a_task()
        with trace_path(self.path):
            if self.enabled is not True and self.disabled(run):
                return
            try:
                await self.act(run)
            except HomeloomError as err:
                if (
                    not self.continue_on_error
                    or err.invalid_data
                    or isinstance(err, ServiceNotFound | TemplateError)
                ):
                    raise
                _LOGGER.warning("%s: %s (continuing)", self.path, err)
                trace_update_result(error=str(err), continued=True)

    def disabled(self, run: Run) -> bool:
        """Whether ``enabled`` (written, not True) turns the step off for this run;
        noted in the trace when it does."""
        on = self.enabled
        if self.engine.is_template(on):
            on = self.engine.template(str(on)).render(run.variables)
        if on is False or str(on).lower() == "false":
            trace_set_result(enabled=False)
            return True
        return False

    async def act(self, run: Run) -> None:
        raise NotImplementedError

    def now(self, run: Run) -> Coroutine[Any, Any, None] | None:
        """Do the step at once, without a coroutine, when it can: None once done.

        Otherwise the step as a coroutine not yet begun (or what is left of it),
        which the script starts eagerly; this default is the whole step.
        """
        return self(run)


Builder = Callable[[Runtime, TemplateEngine, Mapping[str, Any], str, "Script"], ActionStep]


def render(engine: TemplateEngine, value: Any, run: Run) -> Any:
    return engine.render_complex(value, run.variables)


@functools.cache
def _builders() -> dict[str, Builder]:
    """Every step kind's builder, from the modules that hold the steps (which import
    this one, hence the late import), gathered once."""
    from ._action_calls import CALL_BUILDERS
    from ._action_flow import FLOW_BUILDERS
    from ._action_waits import WAIT_BUILDERS

    return {**CALL_BUILDERS, **WAIT_BUILDERS, **FLOW_BUILDERS}
