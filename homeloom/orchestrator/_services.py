"""Services: the only way anything changes a device."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ._context import Context
from ._eager import in_a_task
from ._errors import AdapterError, EntityNotFound, ServiceNotFound, ServiceValidationError
from ._events import EVENT_CALL_SERVICE, EventBus
from ._registry import Registries, slugify
from ._states import StateStore, valid_entity_id
from .types import ServiceHandler, ServiceResponse, Unsubscribe

_LOGGER = logging.getLogger(__name__)

TARGET_KEYS = ("entity_id", "area_id", "device_id", "floor_id", "label_id")
ENTITY_MATCH_ALL = "all"
DEFAULT_COMMAND_TIMEOUT = 10.0

TargetMode = Literal["none", "optional", "required"]
ResponseMode = Literal["none", "optional", "only"]
EntityCommandHandler = Callable[[str, str, Mapping[str, Any], Context], Awaitable[None] | None]
"""``(entity_id, service, data, context)``: carries one command out on one entity; a
coroutine when it has to wait (a device), else done when it returns (a helper)."""


@dataclass(slots=True)  # not frozen, for the cost of making one per call (see Context)
class ServiceCall:
    """A validated request to run ``domain.service``."""

    domain: str
    service: str
    data: Mapping[str, Any]
    context: Context
    entity_ids: tuple[str, ...] = ()
    return_response: bool = False
    target: Mapping[str, Any] = field(default_factory=dict)  # as given, before resolution

    @property
    def name(self) -> str:
        return f"{self.domain}.{self.service}"


NextHandler = Callable[[ServiceCall], Awaitable[ServiceResponse | None]]
CallObserver = Callable[[ServiceCall], None]
"""Sees every call about to run (the simulator records calls with it)."""
Middleware = Callable[[ServiceCall, NextHandler], Awaitable[ServiceResponse | None]]


@dataclass(frozen=True, slots=True)
class Service:
    domain: str
    service: str
    handler: ServiceHandler
    schema: type[BaseModel] | None = None
    target: TargetMode = "none"
    entity_domains: tuple[str, ...] = ()
    supports_response: ResponseMode = "none"
    description: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.schema is not None:
            for name, info in self.schema.model_fields.items():
                fields[name] = {
                    "required": info.is_required(),
                    "description": info.description or "",
                }
        return {
            "description": self.description,
            "fields": fields,
            "target": self.target,
            "entity_domains": list(self.entity_domains),
            "response": self.supports_response,
        }


class ServiceRegistry:
    def __init__(self, bus: EventBus, states: StateStore, registries: Registries) -> None:
        self._bus = bus
        self._states = states
        self._registries = registries
        self._services: dict[str, dict[str, Service]] = {}
        self._middleware: list[Middleware] = []
        self._providers: dict[str, EntityCommandHandler] = {}
        self._provider_timeouts: dict[str, float] = {}
        self._observers: list[CallObserver] = []
        # When stubbed, every call (known service or not) is observed and answered as a
        # no-op: ``homeloom simulate --stub-services`` replays scenarios touching nothing.
        self.stubbed = False
        # How long to wait on a provider; the runtime sets it to its clock's timeout.
        self.timeout: Callable[[float], AbstractAsyncContextManager[Any]] = asyncio.timeout
        # Carries out commands on entities nothing else provides (the simulator's devices).
        self.default_provider: EntityCommandHandler | None = None
        self._fallbacks: dict[str, Callable[[str], None]] = {}
        # Counts registrations and removals: a FixedCall checks it to know that the
        # service it resolved is still the one registered.
        self.generation = 0

    # --- registration ----------------------------------------------------------

    def register(
        self,
        domain: str,
        service: str,
        handler: ServiceHandler,
        *,
        schema: type[BaseModel] | None = None,
        target: TargetMode = "none",
        entity_domains: Iterable[str] = (),
        supports_response: ResponseMode = "none",
        description: str = "",
    ) -> Unsubscribe:
        entry = Service(
            domain.lower(),
            service.lower(),
            handler,
            schema,
            target,
            tuple(entity_domains),
            supports_response,
            description,
        )
        self._services.setdefault(entry.domain, {})[entry.service] = entry
        self.generation += 1

        def unregister() -> None:
            services = self._services.get(entry.domain, {})
            if services.get(entry.service) is entry:
                del services[entry.service]
                self.generation += 1

        return unregister

    def register_entity_service(
        self,
        domain: str,
        service: str,
        *,
        schema: type[BaseModel] | None = None,
        description: str = "",
        entity_domains: Iterable[str] | None = None,
    ) -> Unsubscribe:
        """A service carried out entity by entity, by whatever provides each entity."""
        return self.register(
            domain,
            service,
            self.dispatch_to_providers,
            schema=schema,
            target="required",
            entity_domains=tuple(entity_domains) if entity_domains is not None else (domain,),
            description=description,
        )

    def set_provider(
        self, entity_id: str, handler: EntityCommandHandler, *, timeout: float | None = None
    ) -> Unsubscribe:
        """Name what carries out commands on ``entity_id`` (an adapter, a helper)."""
        self._providers[entity_id] = handler
        self._provider_timeouts[entity_id] = timeout or DEFAULT_COMMAND_TIMEOUT

        def remove() -> None:
            if self._providers.get(entity_id) is handler:
                del self._providers[entity_id]

        return remove

    def provider_of(self, entity_id: str) -> EntityCommandHandler | None:
        return self._providers.get(entity_id)

    def add_middleware(self, middleware: Middleware) -> Unsubscribe:
        """Wrap every call; the first added is the outermost."""
        self._middleware.append(middleware)

        def remove() -> None:
            if middleware in self._middleware:
                self._middleware.remove(middleware)

        return remove

    # --- lookup ----------------------------------------------------------------

    def add_observer(self, observer: CallObserver) -> Unsubscribe:
        self._observers.append(observer)

        def remove() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return remove

    def set_fallback(self, domain: str, register: Callable[[str], None]) -> None:
        """For a domain whose services are named by residents (``notify.<anyone>``): asked
        for an unknown ``domain.service``, call ``register(service)`` and look again."""
        self._fallbacks[domain.lower()] = register

    def has(self, domain: str, service: str) -> bool:
        return service.lower() in self._services.get(domain.lower(), {})

    def get(self, domain: str, service: str) -> Service:
        services = self._services.get(domain)
        if services is not None:  # already lower case, as calls from scenarios are
            found = services.get(service)
            if found is not None:
                return found
        found = self._services.get(domain.lower(), {}).get(service.lower())
        fallback = self._fallbacks.get(domain.lower())
        if found is None and fallback is not None and slugify(service) == service.lower():
            fallback(service.lower())
            found = self._services.get(domain.lower(), {}).get(service.lower())
        if found is None:
            raise ServiceNotFound(domain, service)
        return found

    def all(self) -> dict[str, dict[str, Service]]:
        return {domain: dict(services) for domain, services in self._services.items()}

    # --- calling ---------------------------------------------------------------

    async def call(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        target: Mapping[str, Any] | None = None,
        context: Context | None = None,
        return_response: bool = False,
    ) -> ServiceResponse | None:
        call = self.prepare(
            domain, service, data, target=target, context=context, return_response=return_response
        )
        return await self.run(call)

    def prepare(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        target: Mapping[str, Any] | None = None,
        context: Context | None = None,
        return_response: bool = False,
    ) -> ServiceCall:
        """Validate a call and resolve its target, without running it."""
        if self.stubbed:
            return self._stub_call(domain, service, data, target, context, return_response)
        entry = self.get(domain, service)
        payload = dict(data) if data else {}
        targets: dict[str, Any] = dict(target) if target else {}
        if payload:  # target keys given as data (entity_id: ...) join the target
            for key in TARGET_KEYS:
                if key in payload:
                    value = payload.pop(key)
                    if key in targets:
                        targets[key] = _as_list(targets[key], entry, key) + _as_list(
                            value, entry, key
                        )
                    else:
                        targets[key] = value
        entity_ids: tuple[str, ...] = ()
        if entry.target != "none":
            has_target = False
            for key, value in targets.items():  # usually one key: cheaper than each of TARGET_KEYS
                if key in TARGET_KEYS and value not in (None, [], ""):
                    has_target = True
                    break
            if has_target:
                entity_ids = self.resolve_target(entry, targets)
            elif entry.target == "required":
                raise ServiceValidationError(
                    entry.domain,
                    entry.service,
                    "target",
                    "needs a target: entity_id, area_id, device_id or label_id",
                    invalid_data=True,
                )
        elif any(targets.get(key) for key in TARGET_KEYS):
            # Some services (notify, scripts) accept entity_id as plain data.
            payload.update({k: v for k, v in targets.items() if v is not None})
        if return_response and entry.supports_response == "none":
            raise ServiceValidationError(
                entry.domain, entry.service, "response_variable", "this service returns no response"
            )
        if entry.schema is not None:
            payload = _validate(entry, payload)
        return ServiceCall(
            entry.domain,
            entry.service,
            payload,
            context or Context(),
            entity_ids,
            return_response,
            {key: value for key, value in targets.items() if value not in (None, [], "")},
        )

    def _stub_call(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None,
        target: Mapping[str, Any] | None,
        context: Context | None,
        return_response: bool,
    ) -> ServiceCall:
        payload = dict(data or {})
        targets: dict[str, list[Any]] = {}
        for source in (target or {}, payload):
            for key in TARGET_KEYS:
                value = source.get(key)
                if value not in (None, [], ""):
                    values = value if isinstance(value, list) else str(value).split(",")
                    targets.setdefault(key, []).extend(str(v).strip() for v in values)
        for key in TARGET_KEYS:
            payload.pop(key, None)
        return ServiceCall(
            domain.lower(),
            service.lower(),
            payload,
            context or Context(),
            tuple(targets.get("entity_id", ())),
            return_response,
            targets,
        )

    async def run(self, call: ServiceCall) -> ServiceResponse | None:
        """Run a prepared call through the middleware chain to its handler."""
        answered, outcome = self.run_at_once(call)
        response: ServiceResponse | None = outcome if answered else await outcome
        return response

    def run_at_once(self, call: ServiceCall) -> tuple[bool, Any]:
        """Run a prepared call as far as it goes without waiting.

        ``(True, response)`` when it is done: its handler is a plain function, or
        the registry is stubbed. ``(False, awaitable)`` when the rest must be
        awaited (a coroutine handler, not yet begun, or middleware, which may wait):
        a scenario run goes on at once after the former, in a task after the latter.
        """
        for observer in self._observers:
            observer(call)
        if self._bus.wants(EVENT_CALL_SERVICE):
            event_data: dict[str, Any] = {
                "domain": call.domain,
                "service": call.service,
                "service_data": {**call.data, "entity_id": list(call.entity_ids)}
                if call.entity_ids
                else dict(call.data),
            }
            self._bus.fire(EVENT_CALL_SERVICE, event_data, call.context)
        if self.stubbed:
            return True, {} if call.return_response else None
        if self._middleware:
            return False, self._through_middleware(call)
        result = self._invoke(call)
        if result is not None and inspect.isawaitable(result):
            return False, self._answer_of(call, result)
        if call.return_response:
            return True, result if result is not None else {}
        return True, None

    async def _through_middleware(self, call: ServiceCall) -> ServiceResponse | None:
        await in_a_task()  # middleware may wait (limits) or time out
        handler: NextHandler = self._invoke_awaited
        for middleware in reversed(self._middleware):
            handler = _wrap(middleware, handler)
        response = await handler(call)
        if call.return_response:
            return response if response is not None else {}
        return None

    async def _answer_of(
        self, call: ServiceCall, pending: Awaitable[ServiceResponse | None]
    ) -> ServiceResponse | None:
        # Not yet begun: a coroutine handler runs in a task (an eagerly started run is
        # handed to one here).
        await in_a_task()
        response = await pending
        if call.return_response:
            return response if response is not None else {}
        return None

    def _invoke(self, call: ServiceCall) -> Any:
        """Call the handler: its answer, or the awaitable of a coroutine handler."""
        services = self._services.get(call.domain)
        entry = services.get(call.service) if services is not None else None
        if entry is None:  # not as prepared: looked up again, with get()'s errors
            entry = self.get(call.domain, call.service)
        for entity_id in call.entity_ids:
            self._states.expect_answer(entity_id, call.context)
        return entry.handler(call)

    async def _invoke_awaited(self, call: ServiceCall) -> ServiceResponse | None:
        """The innermost handler of the middleware chain."""
        result = self._invoke(call)
        if result is not None and inspect.isawaitable(result):
            await in_a_task()
            result = await result
        response: ServiceResponse | None = result
        return response

    def dispatch_to_providers(self, call: ServiceCall) -> Awaitable[None] | None:
        """Carry out an entity service on each target.

        A provider that answers at once (a helper) does so here, so a run calling it
        needs no task; the answers still to come (a device's) are awaited together,
        each within its entity's timeout. The first error, in target order, is raised
        once every provider has answered.
        """
        errors: list[tuple[int, BaseException]] = []
        waiting: list[tuple[int, str, Awaitable[None]]] = []
        for position, entity_id in enumerate(call.entity_ids):
            provider = self._providers.get(entity_id)
            if provider is None and entity_id in self._states:
                provider = self.default_provider
            try:
                if provider is None:
                    raise EntityNotFound(entity_id)
                answer = provider(entity_id, call.service, call.data, call.context)
            except Exception as err:
                errors.append((position, err))
                continue
            if answer is not None:
                waiting.append((position, entity_id, answer))
        if waiting:
            return self._answers(call, waiting, errors)
        if errors:
            raise errors[0][1]
        return None

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
            raise min(errors, key=lambda found: found[0])[1]

    async def _in_time(self, entity_id: str, call: ServiceCall, answer: Awaitable[None]) -> None:
        timeout = self._provider_timeouts.get(entity_id, DEFAULT_COMMAND_TIMEOUT)
        try:
            async with self.timeout(timeout):
                await answer
        except TimeoutError:
            adapter = self._registries.entities.get(entity_id)
            name = adapter.adapter if adapter and adapter.adapter else entity_id
            raise AdapterError(
                name, f"{call.name} on {entity_id} got no answer within {timeout:g} s"
            ) from None

    def resolve_target(self, entry: Service, target: Mapping[str, Any]) -> tuple[str, ...]:
        """Turn ``entity_id``/``area_id``/``device_id``/``label_id`` into entity ids."""
        registries = self._registries
        found: dict[str, None] = {}
        explicit = _as_list(target.get("entity_id"), entry, "entity_id")
        domains = entry.entity_domains
        if ENTITY_MATCH_ALL in explicit:
            for domain in domains:
                found.update(dict.fromkeys(self._states.entity_ids(domain)))
            explicit = [e for e in explicit if e != ENTITY_MATCH_ALL]
        for entity_id in explicit:
            entity_id = entity_id.strip().lower()
            if not valid_entity_id(entity_id):
                raise ServiceValidationError(
                    entry.domain,
                    entry.service,
                    "entity_id",
                    f"{entity_id!r} is not an entity id",
                    invalid_data=True,
                )
            if entity_id not in self._states and entity_id not in registries.entities:
                raise EntityNotFound(entity_id)
            if domains and entity_id.partition(".")[0] not in domains:
                raise ServiceValidationError(
                    entry.domain,
                    entry.service,
                    "entity_id",
                    f"{entity_id} is not of a domain this service acts on ({', '.join(domains)})",
                )
            found[entity_id] = None
        if len(target) == 1 and "entity_id" in target:
            return tuple(found)  # by entity id alone, as most calls are
        implied: list[str] = []
        for area_id in _as_list(target.get("area_id"), entry, "area_id"):
            area = registries.area_by_name_or_id(area_id)
            if area is None:
                raise ServiceValidationError(
                    entry.domain, entry.service, "area_id", f"area {area_id!r} is not known"
                )
            implied.extend(registries.entities_in_area(area.id))
        for thing_id in _as_list(target.get("device_id"), entry, "device_id"):
            if thing_id not in registries.things:
                raise ServiceValidationError(
                    entry.domain, entry.service, "device_id", f"device {thing_id!r} is not known"
                )
            implied.extend(registries.entities_of_thing(thing_id))
        for label in _as_list(target.get("label_id"), entry, "label_id"):
            implied.extend(registries.entities_with_label(label))
        for entity_id in implied:
            if not domains or entity_id.partition(".")[0] in domains:
                found[entity_id] = None
        return tuple(found)


def _as_list(value: Any, entry: Service, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ServiceValidationError(
        entry.domain,
        entry.service,
        key,
        f"must be a string or a list of strings, got {value!r}",
        invalid_data=True,
    )


def _validate(entry: Service, payload: dict[str, Any]) -> dict[str, Any]:
    assert entry.schema is not None  # checked by the caller; narrows the type only
    try:
        model = entry.schema.model_validate(payload)
    except ValidationError as exc:
        error = exc.errors()[0]
        field_name = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            allowed = ", ".join(entry.schema.model_fields) or "none"
            message = f"is not a field of this service (valid fields: {allowed})"
        raise ServiceValidationError(
            entry.domain, entry.service, field_name, message, invalid_data=True
        ) from None
    return model.model_dump(exclude_unset=True, exclude_none=False)


def _wrap(middleware: Middleware, inner: NextHandler) -> NextHandler:
    async def wrapped(call: ServiceCall) -> ServiceResponse | None:
        return await middleware(call, inner)

    return wrapped
