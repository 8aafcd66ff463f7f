"""Steps that direct the run: a condition, choose, if, repeat, parallel, a nested
sequence, variables and stop. A nested block runs in a scope of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime

from ._actions import (
    ActionStep,
    Builder,
    ConditionFailed,
    Run,
    Step,
    StopRun,
    compile_sequence,
    compile_step,
    render,
    sequence_of,
)
from ._conditions import ConditionCheck, compile_condition, compile_conditions, holds_or_fails
from ._errors import fail
from ._templates import TemplateError
from ._trace import trace_path, trace_set_result
from ._triggers import as_list

if TYPE_CHECKING:
    from ._script import Script

_LOGGER = logging.getLogger(__name__)

# A while/until loop whose iterations never wait would spin for ever, its trace growing;
# as Home Assistant since 2024.4 it is warned about, then stopped. Only iterations
# shorter than a second count, so a polling loop with a delay runs as long as it needs.
_QUICK_ITERATION = timedelta(seconds=1)
_WARN_AFTER = 5_000
_STOP_AFTER = 10_000

__all__ = ["FLOW_BUILDERS"]


class _ConditionStep(ActionStep):
    """A condition as a step: when it does not hold, the sequence it is in ends
    (see :class:`ConditionFailed`)."""

    __slots__ = ("check",)
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
        if self.engine.is_template(config.get("condition")):
            # A step's shorthand, `condition: "{{ ... }}"`: Home Assistant takes it
            # as a template condition here (in a conditions list it refuses it).
            config = {**config, "condition": "template", "value_template": config["condition"]}
        self.check = compile_condition(runtime, config, path=path)

    async def __call__(self, run: Run) -> None:
        # Raised once the step's trace is closed: a condition that does not hold is
        # no error of the step (its result says false), as in Home Assistant. The
        # conditions turn their own errors into false, so continue_on_error has
        # nothing to go past here.
        with trace_path(self.path):
            if self.enabled is not True and self.disabled(run):
                return
            held = self.check(run.variables)
        if not held:
            raise ConditionFailed


def _conditions_of(runtime: Runtime, value: Any, path: str) -> ConditionCheck:
    return compile_conditions(runtime, value, path=path)


_OPTION_KEYS = frozenset(("alias", "conditions", "sequence"))


class _Choose(ActionStep):
    """The sequence of the first option whose conditions hold, else the default."""

    __slots__ = ("default", "options")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
        options = []
        for index, option in enumerate(as_list(config["choose"])):
            where = f"{path}/choose/{index}"
            # As in Home Assistant 2024.3: both keys are needed and nothing else is
            # taken but an alias (no 'enabled' on an option).
            if (
                not isinstance(option, Mapping)
                or "sequence" not in option
                or "conditions" not in option
            ):
                raise fail(config, "choose", where, "each choice needs 'conditions' and 'sequence'")
            unknown = [str(key) for key in option if key not in _OPTION_KEYS]
            if unknown:
                raise fail(
                    option,
                    unknown[0],
                    f"{where}.{unknown[0]}",
                    f"unknown key {unknown[0]!r} in a choice;"
                    " valid keys: alias, conditions, sequence",
                )
            conditions = option["conditions"]
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
                await sequence(run.nested())
                return
        if self.default is not None:
            trace_set_result(choice="default")
            await self.default(run.nested())


class _If(ActionStep):
    """``then`` when the conditions hold, else ``else`` (if any)."""

    __slots__ = ("check", "otherwise", "then")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
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
            await self.then(run.nested())
        elif self.otherwise is not None:
            trace_set_result(choice="else")
            await self.otherwise(run.nested())


class _Repeat(ActionStep):
    """A sequence repeated: a number of times, for each item, while or until."""

    __slots__ = ("check", "form", "sequence", "spec")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
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
        items = spec.get("for_each")
        # As Home Assistant: a list, or a text holding a template; a plain text is
        # refused even when it reads as a list.
        if form == "for_each" and not (isinstance(items, list) or self.engine.is_template(items)):
            raise fail(
                spec,
                "for_each",
                f"{path}.repeat.for_each",
                f"for_each must be a list or a template, got {items!r}",
            )
        self.sequence = compile_sequence(
            runtime, spec["sequence"], f"{path}/repeat/sequence", script
        )
        self.check = (
            _conditions_of(runtime, spec[form], f"{path}/repeat/{form}")
            if form in ("while", "until")
            else None
        )

    def _abort(self, run: Run, message: str) -> StopRun:
        """What ends the run when the loop cannot go on: logged as an error, as Home
        Assistant logs it, besides the run's trace."""
        _LOGGER.error("%s: %s at %s", run.script.name, message, self.path)
        return StopRun("aborted", message)

    async def act(self, run: Run) -> None:
        # As Home Assistant 2024.3 does: ``repeat`` is set in the enclosing scope for
        # each iteration (each runs as a nested block), and put back as it was after.
        variables = run.variables
        saved = variables.get("repeat")
        try:
            await self._loop(run)
        finally:
            if saved:
                variables["repeat"] = saved
            else:
                variables.pop("repeat", None)

    async def _loop(self, run: Run) -> None:
        form, check, sequence, variables = self.form, self.check, self.sequence, run.variables
        if form == "count":
            try:
                count = int(float(render(self.engine, self.spec["count"], run)))
            except (TemplateError, ValueError) as err:  # as Home Assistant: aborted
                raise self._abort(run, f"error rendering the repeat count: {err}") from err
            for index in range(1, count + 1):
                variables["repeat"] = {"first": index == 1, "index": index, "last": index == count}
                await sequence(run.nested())
            trace_set_result(iterations=count)
            return
        if form == "for_each":
            try:
                items = render(self.engine, self.spec["for_each"], run)
            except (TemplateError, ValueError) as err:  # as Home Assistant: aborted
                raise self._abort(run, f"error rendering the repeat for_each: {err}") from err
            if not isinstance(items, list):
                raise self._abort(run, f"repeat for_each must be a list of items, got {items!r}")
            count = len(items)
            for index, item in enumerate(items, start=1):
                repeat = {"first": index == 1, "index": index, "last": index == count}
                if item is not None:
                    repeat["item"] = item
                variables["repeat"] = repeat
                await sequence(run.nested())
            return
        assert check is not None
        index = quick_in_a_row = 0
        while True:
            index += 1
            variables["repeat"] = {"first": index == 1, "index": index}
            if form == "while" and not check(variables):
                break
            began = self.runtime.now()
            await sequence(run.nested())
            # As Home Assistant: an until that cannot be evaluated ends the loop too.
            if form == "until" and holds_or_fails(check, variables) is not False:
                break
            if self.runtime.now() - began >= _QUICK_ITERATION:
                quick_in_a_row = 0
            else:
                quick_in_a_row += 1
                self._check_runaway(run, quick_in_a_row)
            await asyncio.sleep(0)  # a tight loop must not starve the house

    def _check_runaway(self, run: Run, quick_in_a_row: int) -> None:
        if quick_in_a_row == _WARN_AFTER:
            _LOGGER.warning(
                "%s: repeat at %s has run %d times in a row without waiting a second;"
                " it is stopped at %d (add a delay or a wait to the loop)",
                run.script.name,
                self.path,
                quick_in_a_row,
                _STOP_AFTER,
            )
        elif quick_in_a_row >= _STOP_AFTER:
            message = (
                f"repeat stopped after {quick_in_a_row} iterations in a row that each took"
                " under a second (a loop that never waits?)"
            )
            raise self._abort(run, message)


class _Parallel(ActionStep):
    """Branches run at the same time, each in its own task; done when all are."""

    __slots__ = ("branches",)

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
        branches: list[Step] = []
        for index, item in enumerate(as_list(config["parallel"])):
            where = f"{path}/parallel/{index}"
            if isinstance(item, list):  # a branch written as a list of steps, as there
                branches.append(compile_sequence(runtime, item, f"{where}/sequence", script))
            elif (
                isinstance(item, Mapping)
                and set(item) <= {"sequence", "alias", "enabled"}
                and "sequence" in item
            ):
                branches.append(
                    compile_sequence(runtime, item["sequence"], f"{where}/sequence", script)
                )
            else:  # a sequence of its own: a failed condition ends this branch only
                branches.append(sequence_of((compile_step(runtime, item, where, script),)))
        self.branches = tuple(branches)

    async def act(self, run: Run) -> None:
        # As Home Assistant gathers the branches: each runs to its end whatever the
        # others do, then the first branch (in order) that ended with an error or a
        # stop ends the step the same way. A run stopped from outside (restart,
        # turn_off) still ends so when a branch had already failed or stopped, as there:
        # a caller waiting on its script then stops with that error instead of going on.
        await self.runtime.tasks.run_together(
            [branch(run.scoped()) for branch in self.branches],
            name=f"{self.path} branch",
            failed_outlives_stop=True,
        )


class _NestedSequence(ActionStep):
    """A ``sequence`` step: its steps, in a scope of their own."""

    __slots__ = ("sequence",)
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        runtime = self.runtime
        self.sequence = compile_sequence(runtime, config["sequence"], f"{path}/sequence", script)

    async def act(self, run: Run) -> None:
        await self.sequence(run.nested())


class _Variables(ActionStep):
    """Sets variables in the current scope, each rendered in turn."""

    __slots__ = ("values",)
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        values = config["variables"]
        if not isinstance(values, Mapping):
            raise fail(config, "variables", f"{path}.variables", "'variables' must be a mapping")
        self.values = values

    async def act(self, run: Run) -> None:
        changed: dict[str, Any] = {}
        # A copy, as in Home Assistant: the enclosing block's variables stay as they were.
        run.variables = dict(run.variables)
        for key, value in self.values.items():
            rendered = render(self.engine, value, run)
            run.variables[str(key)] = rendered
            changed[str(key)] = rendered
        trace_set_result(variables=changed)


class _Stop(ActionStep):
    """Ends the run: finished (with a response) or with an error."""

    __slots__ = ("is_error", "reason", "response_variable")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        self.reason = str(config.get("stop") or "")
        self.is_error = bool(config.get("error", False))
        self.response_variable = config.get("response_variable")
        if "error" in config and self.response_variable is not None:
            raise fail(
                config,
                "response_variable",
                f"{path}.response_variable",
                "not allowed to add a response to an error stop action",
            )

    async def act(self, run: Run) -> None:
        trace_set_result(stop=self.reason, error=self.is_error)
        if self.is_error:
            raise StopRun("aborted", self.reason)
        variable = self.response_variable
        response = run.variables.get(str(variable)) if variable else None
        raise StopRun("finished", None, response)


FLOW_BUILDERS: dict[str, Builder] = {
    "condition": _ConditionStep,
    "choose": _Choose,
    "if": _If,
    "repeat": _Repeat,
    "parallel": _Parallel,
    "sequence": _NestedSequence,
    "variables": _Variables,
    "stop": _Stop,
}
