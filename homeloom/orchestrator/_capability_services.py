"""Device commands as entity services, and the generic ``turn_on``/``turn_off``/``toggle``."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from ._capabilities import DOMAINS
from ._runtime import Runtime
from ._service_call import ServiceCall
from ._service_targets import group_members
from ._states import split_entity_id

_LOGGER = logging.getLogger(__name__)


def register_capability_services(runtime: Runtime) -> None:
    """Register every device command as an entity service, and ``homeassistant.turn_on``...

    Idempotent: a second call changes nothing.
    """
    services = runtime.services
    for spec in DOMAINS.values():
        for command, schema in spec.commands.items():
            if not services.has(spec.domain, command):
                services.register_entity_service(
                    spec.domain, command, schema=schema, description=f"{spec.domain} {command}"
                )
    for generic in ("turn_on", "turn_off", "toggle"):
        for domain in ("homeassistant", "homeloom"):
            if not services.has(domain, generic):
                services.register(
                    domain,
                    generic,
                    _generic(runtime, generic),
                    target="required",
                    entity_domains=(),
                    description=f"{generic} anything that can {generic}",
                )


def _generic(runtime: Runtime, command: str) -> Any:
    async def dispatch(call: ServiceCall) -> None:
        # As Home Assistant: groups replaced by their members, then domain by domain
        # in the order of the sorted ids, each domain's service judging its ids (and
        # warning of those missing); the ids of a domain without the service are passed
        # by with a warning (covers too: Home Assistant 2024.3 opens or closes none for
        # turn_on/turn_off). The domains' calls run together, as there (a scene's own
        # calls come after every domain's call has started).
        name = f"{call.domain}.{call.service}"
        if not call.entity_ids:
            _LOGGER.error("The service %s cannot be called without a target", name)
            return
        by_domain: dict[str, list[str]] = {}
        for entity_id in sorted(group_members(runtime.states, call.entity_ids)):
            by_domain.setdefault(split_entity_id(entity_id)[0], []).append(entity_id)
        unsupported: list[str] = []
        calls: list[Coroutine[Any, Any, Any]] = []
        for domain, entity_ids in by_domain.items():
            if domain == call.domain or not runtime.services.has(domain, command):
                unsupported.extend(entity_ids)
                continue
            calls.append(
                runtime.services.call(
                    domain,
                    command,
                    dict(call.data),
                    target={"entity_id": entity_ids},
                    context=call.context,
                )
            )
        if unsupported:
            _LOGGER.warning(
                "The service %s does not support entities %s", name, ", ".join(unsupported)
            )
        if len(calls) == 1:
            await calls[0]
        elif calls:
            await runtime.tasks.run_together(calls)

    return dispatch
