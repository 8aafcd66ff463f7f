"""Entity services carried out entity by entity, by whatever provides each entity."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from ._errors import AdapterError, EntityNotFound
from ._registry import Registries
from ._service_call import EntityCommandHandler, ServiceCall
from ._states import StateStore
from .types import Unsubscribe

# Works an entity's state out again; an awaitable when that takes a while.
Refresher = Callable[[], Awaitable[None] | None]

DEFAULT_COMMAND_TIMEOUT = 10.0

_LOGGER = logging.getLogger(__name__)


class _Unprovided(EntityNotFound):
    """A target nothing carries commands out on (an entity Home Assistant's registry
    lists, not set up here): passed by with a warning, as Home Assistant passes by an
    entity it has no object for."""


class EntityProviders:
    """The providers part of :class:`ServiceRegistry`, which sets these attributes."""

    _states: StateStore
    _registries: Registries
    _providers: dict[str, EntityCommandHandler]
    # None: carried out here (see set_provider's ``internal``).
    _provider_timeouts: dict[str, float | None]
    _refreshers: dict[str, Refresher]
    timeout: Callable[[float], AbstractAsyncContextManager[Any]]
    default_provider: EntityCommandHandler | None
    on_missing_targets: Callable[[str], None] | None

    def set_provider(
        self,
        entity_id: str,
        handler: EntityCommandHandler,
        *,
        timeout: float | None = None,
        internal: bool = False,
    ) -> Unsubscribe:
        """Name what carries out commands on ``entity_id`` (an adapter, a helper).

        ``internal``: its answers are work done here (a group calling its members), not
        the outside world's: awaited without a timeout, and not parked, so that
        ``idle()`` waits for them."""
        self._providers[entity_id] = handler
        self._provider_timeouts[entity_id] = (
            None if internal else timeout or DEFAULT_COMMAND_TIMEOUT
        )

        def remove() -> None:
            if self._providers.get(entity_id) is handler:
                del self._providers[entity_id]

        return remove

    def provider_of(self, entity_id: str) -> EntityCommandHandler | None:
        return self._providers.get(entity_id)

    def set_refresher(self, entity_id: str, refresh: Refresher) -> Unsubscribe:
        """Name what works out ``entity_id``'s state again when asked to
        (``homeassistant.update_entity``): a template entity renders its templates, a
        command line entity runs its command (and answers with an awaitable)."""
        self._refreshers[entity_id] = refresh

        def remove() -> None:
            if self._refreshers.get(entity_id) is refresh:
                del self._refreshers[entity_id]

        return remove

    def refresher_of(self, entity_id: str) -> Refresher | None:
        return self._refreshers.get(entity_id)

    def dispatch_to_providers(self, call: ServiceCall) -> Awaitable[None] | None:
        """Carry out an entity service on each target.

        A provider that answers at once (a helper) does so here, so a run calling it
        needs no task; the answers still to come (a device's) are awaited together,
        each within its entity's timeout. The first error, in target order, is raised
        once every provider has answered; a target nothing provides is only warned of.
        """
        errors: list[tuple[int, BaseException]] = []
        waiting: list[tuple[int, str, Awaitable[None]]] = []
        for position, entity_id in enumerate(call.entity_ids):
            provider = self._providers.get(entity_id)
            if provider is None and entity_id in self._states and not self._placeholder(entity_id):
                provider = self.default_provider
            try:
                if provider is None:
                    raise _Unprovided(entity_id)
                answer = provider(entity_id, call.service, call.data, call.context)
            except Exception as err:
                errors.append((position, err))
                continue
            if answer is not None:
                waiting.append((position, entity_id, answer))
        if waiting:
            return self._answers(call, waiting, errors)
        if errors:
            self._settle(call, errors)
        return None

    def _placeholder(self, entity_id: str) -> bool:
        """Whether the state is the unavailable one Home Assistant writes for an entity
        only its registry lists (see ``write_registry_only_states``): no entity to
        command, even where any state stands for a device (the simulator's)."""
        state = self._states.get(entity_id)
        entry = self._registries.entities.get(entity_id)
        return (
            state is not None
            and state.restored
            and entry is not None
            and entry.registry_id is not None
            and entry.adapter is None
        )

    async def _answers(
        self,
        call: ServiceCall,
        waiting: list[tuple[int, str, Awaitable[None]]],
        errors: list[tuple[int, BaseException]],
    ) -> None:
        if len(waiting) == 1 and not errors:
            _, entity_id, answer = waiting[0]
            await self._in_time(entity_id, call, answer)
            return
        results = await asyncio.gather(
            *(self._in_time(entity_id, call, answer) for _, entity_id, answer in waiting),
            return_exceptions=True,
        )
        for (position, _, _), result in zip(waiting, results, strict=True):
            if isinstance(result, BaseException):
                errors.append((position, result))
        if errors:
            self._settle(call, errors)

    def _settle(self, call: ServiceCall, errors: list[tuple[int, BaseException]]) -> None:
        """Warn of the targets nothing provides; raise the first other error, in target
        order."""
        unprovided = sorted(err.entity_id for _, err in errors if type(err) is _Unprovided)
        if unprovided:
            warning = (
                f"Referenced entities {', '.join(unprovided)} are missing or not currently"
                " available"
            )
            _LOGGER.warning("%s: %s", call.name, warning)
            if self.on_missing_targets is not None:
                self.on_missing_targets(warning)
        failures = [found for found in errors if type(found[1]) is not _Unprovided]
        if failures:
            raise min(failures, key=lambda found: found[0])[1]

    async def _in_time(self, entity_id: str, call: ServiceCall, answer: Awaitable[None]) -> None:
        timeout = self._provider_timeouts.get(entity_id, DEFAULT_COMMAND_TIMEOUT)
        if timeout is None:
            await answer
            return
        try:
            async with self.timeout(timeout):
                await answer
        except TimeoutError:
            adapter = self._registries.entities.get(entity_id)
            name = adapter.adapter if adapter and adapter.adapter else entity_id
            raise AdapterError(
                name, f"{call.name} on {entity_id} got no answer within {timeout:g} s"
            ) from None
