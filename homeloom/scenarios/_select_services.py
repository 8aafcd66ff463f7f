"""``select.select_next``, ``select_previous``, ``select_first`` and ``select_last``.

Home Assistant's select entities carry these out in their base class, each one by
choosing an option and selecting it as ``select_option`` would; so here, for every
select, whatever provides it (a template select, a utility meter's tariffs, a
device): its provider is asked for ``select_option`` with the option worked out by
:func:`offset_option`, which ``input_select`` shares.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, StrictBool

from homeloom.orchestrator import Runtime, ServiceCall, ServiceValidationError

__all__ = ["MOVES", "offset_option", "publish_current_option", "setup_select_moves"]

DOMAIN = "select"
MOVES = ("select_next", "select_previous", "select_first", "select_last")
_CURRENT_OPTIONS = "select_current_options"


class _Cycle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A true boolean, as Home Assistant's schema asks: "off" or 0 is refused.
    cycle: StrictBool = True


def offset_option(options: Sequence[str], current: str | None, move: str, cycle: bool) -> str:
    """The option ``move`` goes to from ``current``, as Home Assistant's select entity:
    with no current option, the next is the first and the previous the last; one not
    listed counts as the first; past either end, ``cycle`` wraps around, else stays."""
    if move == "select_first" or (move == "select_next" and current is None):
        return options[0]
    if move == "select_last" or current is None:
        return options[-1]
    index = options.index(current) if current in options else 0
    index += 1 if move == "select_next" else -1
    if cycle:
        return options[index % len(options)]
    return options[max(0, min(index, len(options) - 1))]


def publish_current_option(
    runtime: Runtime, entity_id: str, read: Callable[[], str | None]
) -> None:
    """For a select whose current option may be one not listed (a template select's
    rendered text, whose state is then ``unknown``): the moves read it with ``read``,
    as Home Assistant's select reads its ``current_option``, not its state."""
    readers = runtime.components.setdefault(_CURRENT_OPTIONS, {})
    readers[entity_id] = read


def setup_select_moves(runtime: Runtime) -> None:
    """Register the four moves on ``select`` entities (idempotent)."""
    for move in MOVES:
        schema = _Cycle if move in ("select_next", "select_previous") else None
        handler = _mover(runtime)
        runtime.services.register(
            DOMAIN, move, handler, schema=schema, target="required", entity_domains=(DOMAIN,)
        )


def _mover(runtime: Runtime) -> Callable[[ServiceCall], Awaitable[None] | None]:
    def move(call: ServiceCall) -> Awaitable[None] | None:
        waiting = [
            answer
            for entity_id in call.entity_ids
            if (answer := _select(runtime, call, entity_id)) is not None
        ]
        if not waiting:
            return None
        return _all(waiting)

    return move


def _select(runtime: Runtime, call: ServiceCall, entity_id: str) -> Awaitable[None] | None:
    state = runtime.states.get(entity_id)
    if state is None or state.state == "unavailable":
        return None  # as Home Assistant, which passes an unavailable entity by
    options = [str(option) for option in state.attributes.get("options") or []]
    if not options:
        raise ServiceValidationError(DOMAIN, call.service, "", f"{entity_id} has no options")
    read = runtime.components.get(_CURRENT_OPTIONS, {}).get(entity_id)
    current = read() if read is not None else state.state if state.state in options else None
    option = offset_option(options, current, call.service, bool(call.data.get("cycle", True)))
    chosen = replace(
        call, service="select_option", data={"option": option}, entity_ids=(entity_id,)
    )
    return runtime.services.dispatch_to_providers(chosen)


async def _all(waiting: list[Awaitable[None]]) -> None:
    for answer in waiting:
        await answer
