"""What the ``state`` and ``numeric_state`` triggers share: ``for:`` checks and waits."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from homeloom.orchestrator import Context, Runtime, Unsubscribe

from ._durations import DurationError, parse_positive_duration
from ._errors import fail
from ._templates import TemplateError, get_template_engine
from ._trigger_waits import NO_WAIT, ForWait, rendered_duration, written_duration
from ._triggers import TRIGGER_VARIABLES, Fire

_LOGGER = logging.getLogger(__name__)
_NO_VARIABLES: Mapping[str, Any] = MappingProxyType({})


def _check_for(runtime: Runtime, config: Mapping[str, Any]) -> None:
    raw = config.get("for")
    if raw is None:
        return
    engine = get_template_engine(runtime)
    if engine.is_template(raw) or (
        isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values())
    ):
        return
    try:
        parse_positive_duration(raw)
    except DurationError as err:
        raise fail(config, "for", f"{config['_path']}.for", str(err)) from None


class _EntityTrigger:
    """What the state and numeric_state triggers share: their callback, detaching,
    and the ``for:`` waits, which exist only when there is a ``for:``.

    It keeps what it reads of its configuration, not the configuration: a large house
    keeps one per trigger, and a dict weighs more than the trigger.
    """

    __slots__ = ("duration", "fire", "runtime", "untrack", "variables", "waits")
    platform: ClassVar[str]  # as written in the configuration, for the log

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        self.runtime = runtime
        self.fire = fire
        # The ``for:`` as kept: NO_WAIT for a zero written as such, else as written.
        self.duration = written_duration(runtime, config.get("for"))
        self.waits = (
            ForWait(runtime, config.get("_checkpoint")) if self.duration is not None else None
        )
        self.untrack: Unsubscribe | None = None
        # The automation's trigger variables, which a ``for:`` (and numeric_state's
        # value_template) is rendered with; most have none, and share one empty mapping.
        self.variables: Mapping[str, Any] = config.get(TRIGGER_VARIABLES) or _NO_VARIABLES

    def detach(self) -> None:
        """Detaching ends every pending wait. Turned off or reloaded, the scenario forgets
        them (a later start must not resume a wait that was ended); only a house going
        down keeps them for its next start."""
        if self.untrack is not None:
            self.untrack()
        waits = self.waits
        if waits is not None:
            if self.runtime.stopping:
                waits.cancel_all()
            else:
                for entity_id in list(waits.pending):
                    waits.cancel(entity_id)

    def _wait_for(
        self,
        waits: ForWait,
        data: dict[str, Any],
        context: Context,
        value: Any = True,
        unlike: bool = False,
    ) -> None:
        """A change that starts a ``for:``: fires once it has lasted, unless a later change
        breaks it first (see :meth:`ForWait.keep`: it holds while the entity's value is
        ``value``, or with ``unlike`` is not)."""
        entity_id = data["entity_id"]
        try:
            duration = rendered_duration(
                self.runtime, self.duration, {**self.variables, "trigger": data}
            )
        except (DurationError, TemplateError) as err:
            _LOGGER.error("%s trigger on %s: 'for': %s", self.platform, entity_id, err)
            return
        if duration is None or duration is NO_WAIT:
            data["for"] = duration
            self.fire(data, context)
            return
        data["for"] = duration
        waits.start(
            entity_id, duration, _FireLater(self, data, context), value=value, unlike=unlike
        )


class _FireLater:
    """A ``for:`` that has lasted: fires with the change that started it (as Home
    Assistant does: ``to_state`` is the state reached then, not the current one)."""

    __slots__ = ("context", "data", "trigger")

    def __init__(self, trigger: _EntityTrigger, data: dict[str, Any], context: Context) -> None:
        self.trigger, self.data, self.context = trigger, data, context

    def __call__(self) -> None:
        self.trigger.fire(self.data, self.context)
