"""What every compiled condition shares: its error, its traced call, and reading its config."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import HomeloomError, Runtime, valid_entity_id

from ._durations import DurationError, parse_positive_duration
from ._errors import fail
from ._templates import TemplateEngine, TemplateError
from ._trace import TraceStep, current_trace, finish_step
from ._triggers import written_entity_ids

__all__ = ["Builder", "ConditionCheck", "ConditionError"]

_LOGGER = logging.getLogger(__name__)
ConditionCheck = Callable[[Mapping[str, Any]], bool]


class ConditionError(HomeloomError):
    """A condition could not be evaluated."""


def _entity_ids(config: Mapping[str, Any], path: str, key: str = "entity_id") -> list[str]:
    raw = config.get(key)
    if isinstance(raw, list | tuple) and not raw:
        # Home Assistant takes an empty list as no entities (an optional blueprint input's
        # ``default: []``): state and numeric_state conditions then pass, as all of none.
        return []
    ids = written_entity_ids(raw)
    if not ids:
        raise fail(config, key, f"{path}.{key}", f"'{key}' is required: one or more entity ids")
    for entity_id in ids:
        if not valid_entity_id(entity_id):
            raise fail(config, key, f"{path}.{key}", f"{entity_id!r} is not an entity id")
    return ids


def _duration(config: Mapping[str, Any], key: str, path: str, engine: TemplateEngine) -> Any:
    """A fixed duration, or a callable rendering a templated one."""
    raw = config.get(key)
    if raw is None:
        return None
    if engine.is_template(raw) or (
        isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values())
    ):

        def render(variables: Mapping[str, Any]) -> timedelta:
            # Negative is an error, as in Home Assistant, not a time in the future.
            return parse_positive_duration(engine.render_complex(raw, variables))

        return render
    try:
        return parse_positive_duration(raw)
    except DurationError as err:
        raise fail(config, key, f"{path}.{key}", str(err)) from None


class _Condition:
    """A compiled condition: checked against the variables, traced at its path.

    An object rather than closures: a large house keeps thousands, and a few
    slots weigh a fraction of functions with their cells. Each kind implements
    :meth:`check`; an evaluation error makes the condition false.
    """

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, variables: Mapping[str, Any], raising: bool = False) -> bool:
        """Whether it holds; an evaluation error makes it false, or with ``raising``
        (a member of and/or/not, which weigh the errors as Home Assistant) is raised
        as :class:`ConditionError` once traced."""
        trace = current_trace.get()
        step = TraceStep(self.path, trace) if trace is not None else None
        # What the check notes (the value it saw, the limits), then its result: the
        # step's result, as Home Assistant's traces show a condition.
        noted: dict[str, Any] = {}
        try:
            result = self.check(variables, noted)
        except (ConditionError, TemplateError, DurationError) as err:
            noted = {"result": False, "error": str(err)}
            result = False
            if raising:
                if step is not None and trace is not None:
                    step.result = noted
                    step.finished_at = trace.clock.monotonic() - trace.monotonic_start
                raise ConditionError(str(err)) from None
            # The scenario too: a path alone (condition/0) does not say whose.
            whose = f"{trace.domain} {trace.item_id}: " if trace is not None else ""
            _LOGGER.warning("%scondition %s: %s", whose, self.path, err)
        except Exception as err:
            if step is not None:
                step.error = str(err)
                finish_step(step, trace)
            raise
        else:
            noted["result"] = result
        if step is not None and trace is not None:
            step.result = noted
            # As finish_step, inline: every trigger of a scenario with a condition comes here.
            step.finished_at = trace.clock.monotonic() - trace.monotonic_start
        return result

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        """Whether the condition holds; what the trace should show of it goes in ``noted``."""
        raise NotImplementedError


class _Traced(_Condition):
    """A condition kind still written as a plain check function."""

    __slots__ = ("inner",)

    def __init__(self, path: str, inner: ConditionCheck) -> None:
        super().__init__(path)
        self.inner = inner

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        return self.inner(variables)


Builder = Callable[[Runtime, TemplateEngine, Mapping[str, Any], str], ConditionCheck]
