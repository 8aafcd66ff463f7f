"""Services: the only way anything changes a device."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from pydantic import BaseModel, ValidationError

from ._context import Context
from ._eager import in_a_task
from ._errors import ServiceNotFound, ServiceValidationError
from ._events import EVENT_CALL_SERVICE, EventBus
from ._registry import Registries, slugify
from ._service_call import (
    CallObserver,
    DataTargets,
    EntityCommandHandler,
    Middleware,
    NextHandler,
    ResponseMode,
    Service,
    ServiceCall,
    TargetMode,
    ValidatedData,
    given_data,
)
from ._service_providers import EntityProviders
from ._service_targets import TARGET_KEYS, TargetResolution, _as_list
from ._states import StateStore
from .types import ServiceHandler, ServiceResponse, Unsubscribe

_TARGET_KEY_SET = frozenset(TARGET_KEYS)


class ServiceRegistry(EntityProviders, TargetResolution):
    def __init__(self, bus: EventBus, states: StateStore, registries: Registries) -> None:
        self._bus = bus
        self._states = states
        self._registries = registries
        self._services: dict[str, dict[str, Service]] = {}
        self._middleware: list[Middleware] = []
        self._providers: dict[str, EntityCommandHandler] = {}
        self._provider_timeouts: dict[str, float | None] = {}
        self._refreshers: dict[str, Callable[[], Awaitable[None] | None]] = {}
        self._observers: list[CallObserver] = []
        # When stubbed, every call (known service or not) is observed and answered as a
        # no-op: ``homeloom simulate --stub-services`` replays scenarios touching nothing.
        self.stubbed = False
        # How long to wait on a provider; the runtime sets it to its clock's timeout.
        self.timeout: Callable[[float], AbstractAsyncContextManager[Any]] = asyncio.timeout
        # Carries out commands on entities nothing else provides (the simulator's devices).
        self.default_provider: EntityCommandHandler | None = None
        self._fallbacks: dict[str, Callable[[str], None]] = {}
        self.on_missing_targets: Callable[[str], None] | None = None
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
        if return_response and entry.supports_response == "none":
            # Refused before the call is made (by the script, in Home Assistant): not
            # shown to the observers, unlike the refusals below.
            raise ServiceValidationError(
                entry.domain, entry.service, "response_variable", "this service returns no response"
            )
        if not return_response and entry.supports_response == "only":
            # Home Assistant refuses it too, before the call (calendar.get_events...).
            raise ServiceValidationError(
                entry.domain,
                entry.service,
                "response_variable",
                "this service only answers: give the call a response_variable",
            )
        payload = dict(data) if data else {}
        targets: dict[str, Any] = dict(target) if target else {}
        if payload:
            for key in TARGET_KEYS:
                if key in payload:  # target keys given as data (entity_id: ...)
                    return self._prepare_data_targets(
                        entry, payload, target, context, return_response
                    )
        try:  # ends in a return: costs no jump when the call is accepted
            entity_ids: tuple[str, ...] = ()
            if entry.target != "none":
                has_target = False
                for key, value in targets.items():  # usually one key: cheaper than each key
                    # An empty list written or rendered (a blueprint's optional entities
                    # input, default []) is a target naming nothing, as in Home Assistant
                    # 2024.3: the call is made and acts on no entity, not refused.
                    if key in TARGET_KEYS and value not in (None, ""):
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
        except ServiceValidationError:
            if self._observers:
                self._show_refused(entry, payload, targets, context, return_response)
            raise

    def _show_refused(
        self,
        entry: Service,
        payload: dict[str, Any],
        targets: Mapping[str, Any],
        context: Context | None,
        return_response: bool,
    ) -> None:
        """Show the observers a call ``prepare`` refused, with its data as given: Home
        Assistant records a call before its schema reads it, so one it then refuses too."""
        call = ServiceCall(
            entry.domain,
            entry.service,
            payload,
            context or Context(),
            (),
            return_response,
            {key: value for key, value in targets.items() if value not in (None, [], "")},
        )
        for observer in self._observers:
            observer(call)

    def _prepare_data_targets(
        self,
        entry: Service,
        data: Mapping[str, Any],
        target: Mapping[str, Any] | None,
        context: Context | None,
        return_response: bool,
    ) -> ServiceCall:
        """``prepare`` for ``data`` (a copy of the caller's) holding target keys: they
        join the target (after its own ids), and the call keeps ``data`` as given for
        the ``call_service`` event. Apart, so that calls without them pay nothing."""
        payload = dict(data)
        targets: dict[str, Any] = dict(target) if target else {}
        for key in TARGET_KEYS:
            if key in payload:
                value = payload.pop(key)
                if key in targets:
                    targets[key] = _as_list(targets[key], entry, key) + _as_list(value, entry, key)
                else:
                    targets[key] = value
        call = self.prepare(
            entry.domain,
            entry.service,
            payload,
            target=targets,
            context=context,
            return_response=return_response,
        )
        call.target = DataTargets(call.target, data)
        return call

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
        given = None if _TARGET_KEY_SET.isdisjoint(payload) else dict(payload)
        targets: dict[str, list[Any]] = {}
        for source in (target or {}, payload):
            for key, value in source.items():  # in the order written, as the event shows
                if key in _TARGET_KEY_SET and value not in (None, [], ""):
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
            targets if given is None else DataTargets(targets, given),
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
                "service_data": _event_service_data(call),
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
        entity_ids = call.entity_ids
        for entity_id in entity_ids:
            self._states.expect_answer(entity_id, call.context)
        if len(entity_ids) < 2:
            return entry.handler(call)
        with self._states.holding_announcements():
            return entry.handler(call)

    async def _invoke_awaited(self, call: ServiceCall) -> ServiceResponse | None:
        """The innermost handler of the middleware chain."""
        result = self._invoke(call)
        if result is not None and inspect.isawaitable(result):
            await in_a_task()
            result = await result
        response: ServiceResponse | None = result
        return response


def _event_service_data(call: ServiceCall) -> dict[str, Any]:
    """``service_data`` of the ``call_service`` event, as Home Assistant fires it: the
    data as the caller gave it, before the service's schema (``"21"``, not ``21.0``;
    an ``entity_id`` among it as written), then the keys of
    the target, each a list as Home Assistant's checks of a target make it (the ids
    as they were given, not the entities they resolve to)."""
    given = call.target.given if type(call.target) is DataTargets else None
    service_data = dict(given if given is not None else given_data(call))
    for key, value in call.target.items():
        if given is None or key not in given:
            service_data[key] = _as_target_list(key, value)
    return service_data


def _as_target_list(key: str, value: Any) -> Any:
    """A target's value as Home Assistant keeps it: ``none`` (and ``all``, for entity
    ids) as they are, one id as a list of one."""
    kept_as_written = ("none", "all") if key == "entity_id" else ("none",)
    if isinstance(value, str) and value not in kept_as_written:
        return [value]
    return value


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
    validated = model.model_dump(exclude_unset=True, exclude_none=False)
    return ValidatedData(validated, payload) if _converted(validated, payload) else validated


def _converted(validated: Mapping[str, Any], given: Mapping[str, Any]) -> bool:
    """Whether a schema made the data other than given: other keys, or a value other or
    of another type (``21.0`` for ``21`` compares equal)."""
    if validated.keys() != given.keys():
        return True
    for key, value in validated.items():
        original = given[key]
        if type(value) is not type(original) or value != original:
            return True
    return False


def _wrap(middleware: Middleware, inner: NextHandler) -> NextHandler:
    async def wrapped(call: ServiceCall) -> ServiceResponse | None:
        return await middleware(call, inner)

    return wrapped
