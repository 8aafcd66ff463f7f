"""Calls that are the same every time: validated once, rechecked cheaply afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._context import Context
from ._service_call import Service, ServiceCall, ValidatedData
from ._service_targets import ENTITY_MATCH_ALL, PartialTarget
from ._services import ServiceRegistry
from ._states import StateStore

__all__ = ["FixedCall"]

# Values a schema's validation hands back as they are: a validated payload made of these
# alone can be kept and copied shallowly, as a fresh validation would have built it.
_SCALARS = (str, int, float, bool, type(None))


class _Plan:
    """What ``ServiceRegistry.prepare`` worked out for a fixed call, and when."""

    __slots__ = ("entity_ids", "entry", "generation", "payload", "target")

    def __init__(
        self,
        generation: int,
        entry: Service,
        payload: dict[str, Any],
        entity_ids: tuple[str, ...],
        target: dict[str, Any],
    ) -> None:
        self.generation = generation
        self.entry = entry
        self.payload = payload
        self.entity_ids = entity_ids
        self.target = target


class FixedCall:
    """One ``domain.service`` call whose data and target never change (a scenario step
    written without templates), prepared for each run as ``ServiceRegistry.prepare``
    would prepare it, without its whole validation each time.

    ``prepare`` validates the call and resolves its target on every call. For a
    fixed call the outcome can only change when the services or the targeted
    entities do, so the first successful preparation is kept and later ones check
    just that: no service was registered or removed since (the registry's
    ``generation``), the registry is not stubbed, and every resolved entity still
    has a state. When any check fails the call is prepared in full again, so an
    entity that disappeared or a service re-registered is handled exactly as before
    (an error raised, the new handler used). Targets by area, device, label or
    ``all`` depend on more than that, and are always prepared in full.
    """

    __slots__ = (
        "_plan",
        "_registry",
        "_states",
        "data",
        "domain",
        "return_response",
        "service",
        "target",
    )

    def __init__(
        self,
        registry: ServiceRegistry,
        states: StateStore,
        domain: str,
        service: str,
        data: Mapping[str, Any],
        target: Mapping[str, Any],
        *,
        return_response: bool = False,
    ) -> None:
        self._registry = registry
        self._states = states
        self.domain = domain
        self.service = service
        self.data = data
        self.target = target
        self.return_response = return_response
        self._plan: _Plan | None = None

    def prepare(self, context: Context) -> ServiceCall:
        """The call for one run, validated; raises as ``ServiceRegistry.prepare`` does."""
        registry = self._registry
        plan = self._plan
        if plan is not None and plan.generation == registry.generation and not registry.stubbed:
            states = self._states
            for entity_id in plan.entity_ids:
                if entity_id not in states:
                    break
            else:
                entry = plan.entry
                # Fresh containers for each call, as prepare makes: a handler may change them.
                return ServiceCall(
                    entry.domain,
                    entry.service,
                    plan.payload.copy(),  # not dict(): a ValidatedData keeps the data given
                    context,
                    plan.entity_ids,
                    self.return_response,
                    plan.target.copy(),  # not dict(): a DataTargets stays one
                )
        self._plan = None
        call = registry.prepare(
            self.domain,
            self.service,
            self.data,
            target=self.target,
            context=context,
            return_response=self.return_response,
        )
        if not registry.stubbed:
            self._plan = self._plan_of(call)
        return call

    def _plan_of(self, call: ServiceCall) -> _Plan | None:
        """What to keep of a prepared call, or None when it cannot be kept."""
        registry = self._registry
        entry = registry.get(call.domain, call.service)
        # By entity id only, none of them ``all``: existing entities are all the
        # resolution depends on.
        for key in call.target:
            if key != "entity_id":
                return None
        explicit = call.target.get("entity_id")
        if isinstance(explicit, str):
            # The substring first: most ids hold no "all", and need no split.
            if ENTITY_MATCH_ALL in explicit and ENTITY_MATCH_ALL in (
                part.strip() for part in explicit.split(",")
            ):
                return None
        elif explicit is not None and ENTITY_MATCH_ALL in explicit:
            return None
        if type(call.entity_ids) is PartialTarget:
            return None  # each run warns again, and an entity that appears acts
        if entry.schema is not None:
            if not all(isinstance(value, _SCALARS) for value in call.data.values()):
                return None  # a nested value would be shared between calls
            if type(call.data) is ValidatedData:  # its copy() keeps the data as given
                return _Plan(
                    registry.generation,
                    entry,
                    call.data.copy(),
                    call.entity_ids,
                    call.target.copy(),
                )
        return _Plan(
            registry.generation, entry, dict(call.data), call.entity_ids, call.target.copy()
        )
