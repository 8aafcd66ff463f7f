"""Steps that act on the house: service calls (and the scene and device shorthands
built as calls), events fired on the bus, and a conversation response."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Coroutine, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, final

from homeloom.orchestrator import (
    FixedCall,
    HomeloomError,
    Runtime,
    ServiceCall,
    ServiceNotFound,
    in_a_task,
    valid_entity_id,
)

from ._actions import ActionStep, Builder, Run, render
from ._device_automations import device_action
from ._errors import fail
from ._templates import TemplateEngine, TemplateError
from ._trace import (
    Trace,
    TraceStep,
    current_step,
    current_trace,
    finish_step,
    trace_set_result,
)
from ._triggers import shared

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["CALL_BUILDERS", "EVENT_CONVERSATION_RESPONSE", "CallRenderError"]

EVENT_CONVERSATION_RESPONSE = "homeloom_conversation_response"
_LOGGER = logging.getLogger(__name__)


class CallRenderError(HomeloomError):
    """A call's service name, target or data did not render. Unlike a template error
    elsewhere, ``continue_on_error`` goes past it: Home Assistant turns these into
    a general error of the call (``async_prepare_call_from_config``)."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"Error rendering {part} template: {reason}")


@final
class _Templated:
    """A configured value that holds templates: rendered for each run. A value that
    holds none is kept as written, and used as it is."""

    __slots__ = ("engine", "value")

    def __init__(self, engine: TemplateEngine, value: Any) -> None:
        self.engine = engine
        self.value = value

    def render(self, run: Run) -> Any:
        return self.engine.render_complex(self.value, run.variables)


def _renderable(engine: TemplateEngine, value: Any) -> Any:
    """``value`` as written, or a :class:`_Templated` when it holds a template."""
    return _Templated(engine, value) if engine.contains_template(value) else value


_NO_DATA: Mapping[str, Any] = MappingProxyType({})  # shared by every call without data


def _has_rare_options(engine: TemplateEngine, config: Mapping[str, Any]) -> bool:
    """Whether a call is written with what few calls have (see :class:`_RareServiceCall`)."""
    return (
        config.get("entity_id") is not None
        or config.get("response_variable") is not None
        or engine.is_template(config.get("data"))
        or engine.is_template(config.get("data_template"))
    )


class _ServiceCall(ActionStep):
    """A service call. The name, data and target are kept as written unless they hold
    templates (see :class:`_Templated`); a name written out is split once, here.

    What few calls are written with (a legacy ``entity_id``, ``response_variable``,
    ``data`` or ``data_template`` as one template) is None here, kept by a
    :class:`_RareServiceCall`:
    a large house keeps thousands of calls without them.
    """

    __slots__ = ("data", "fixed", "name", "shown", "target")
    may_wait = False
    # Whether the step is a _RareServiceCall: told by its class, so that what
    # ``_service_call`` found is not looked for again in each call's build.
    rare: ClassVar[bool] = False
    legacy_entity: Any = None
    response_variable: Any = None
    templated_data: Any = None

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        engine = self.engine
        name = config.get("action") or config.get("service") or config.get("service_template")
        if not isinstance(name, str) or not name:
            raise fail(
                config, "action", f"{path}.action", "expected a service name like light.turn_on"
            )
        templated_name = engine.is_template(name)
        if not templated_name and "." not in name:
            raise fail(
                config, "action", f"{path}.action", f"{name!r} is not a service: use domain.service"
            )
        data: dict[str, Any] = {}
        data_parts = []  # as written, in Home Assistant's order: data_template's keys win
        for key in ("data", "data_template"):
            if key not in config:
                continue
            value = config[key]  # as Home Assistant: written empty (none) is refused
            if not isinstance(value, Mapping) and not engine.is_template(value):
                raise fail(config, key, f"{path}.{key}", f"'{key}' must be a mapping")
            data_parts.append(value)
        templated_parts = any(not isinstance(part, Mapping) for part in data_parts)
        if not templated_parts:  # mappings only: merged once, here
            for part in data_parts:
                data.update(part)
        self.name: tuple[str, str, str] | _Templated = (
            _Templated(engine, name)
            if templated_name
            else shared(name.strip().lower().partition("."))
        )
        self.data: Mapping[str, Any] | _Templated = _renderable(engine, data) if data else _NO_DATA
        target = config.get("target")
        unknown_registry_id = False
        if (
            isinstance(target, Mapping)
            and "entity_id" in target
            and not engine.contains_template(target["entity_id"])
        ):
            try:
                target = {**target, "entity_id": _entity_ids(target["entity_id"])}
            except ValueError as err:
                raise fail(config, "target", f"{path}.target", str(err)) from None
            try:  # Home Assistant registry ids made entity ids once, here
                target["entity_id"] = self.runtime.registries.with_entity_ids(target["entity_id"])
            except ValueError:
                # One no registry knows fails each run, as in Home Assistant: checked
                # on every run as a templated target is.
                unknown_registry_id = True
        if target is None:
            self.target: Any = None
        elif unknown_registry_id:
            self.target = _Templated(engine, target)
        else:
            self.target = _renderable(engine, target)
        # Nothing templated: the same call on every run, validated once (see FixedCall).
        # True until the first run makes it: most steps of a large house seldom run.
        fixed = (
            not templated_name
            and type(self.data) is not _Templated
            and type(self.target) is not _Templated
        )
        if self.rare:
            # One part a template: each part rendered in turn on every run, as a mapping.
            self.templated_data = tuple(data_parts) if templated_parts else None
            legacy_entity = config.get("entity_id")
            if legacy_entity is not None:
                # Checked as written, never rendered: Home Assistant refuses a template here.
                try:
                    legacy_entity = _entity_ids(legacy_entity, registry_ids=False)
                except ValueError as err:
                    reason = str(err)
                    if engine.contains_template(legacy_entity):
                        reason += " (a template is not accepted here: template target.entity_id)"
                    raise fail(config, "entity_id", f"{path}.entity_id", reason) from None
            self.legacy_entity = legacy_entity
            self.response_variable = config.get("response_variable")
            fixed = fixed and not self.templated_data
        self.fixed: FixedCall | bool = fixed
        # What the trace of each run of a fixed call shows: the same every time, so one
        # result shared by the traces, read only (see ``_prepared``).
        self.shown: dict[str, Any] | None = None

    def _targets(self, run: Run) -> dict[str, Any]:
        """The target as the run sees it: ``target``, its rendered ``entity_id`` checked
        and split as Home Assistant does, and the legacy ``entity_id`` over it."""
        target = self.target
        try:
            if target is None:
                targets = {}
            elif type(target) is _Templated:
                targets = dict(target.render(run) or {})
                if "entity_id" in targets:
                    entity_ids = _entity_ids(targets["entity_id"])
                    targets["entity_id"] = self.runtime.registries.with_entity_ids(entity_ids)
            else:
                targets = dict(target)
            legacy = self.legacy_entity
            if legacy is not None:
                targets["entity_id"] = legacy
        except TemplateError as err:
            raise CallRenderError("service target", str(err)) from err
        except ValueError as err:
            raise CallRenderError("service target", str(err)) from err
        return targets

    def _request(self, run: Run) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
        """The domain, service, data and target of this run's call, rendered; a template
        that fails raises :class:`CallRenderError`."""
        name = self.name
        if type(name) is _Templated:
            domain, service = _service_named(name, run)
        else:
            domain, _, service = name
        data = self.data
        try:
            payload = self._templated_payload(run) if self.templated_data else {}
            payload.update(data.render(run) if type(data) is _Templated else data)
        except TemplateError as err:
            raise CallRenderError("data", str(err)) from err
        targets = self._targets(run)
        if payload and targets:  # as Home Assistant: the target's keys over the data's
            for key in targets:
                payload.pop(key, None)
        return domain, service, payload, targets

    def _templated_payload(self, run: Run) -> dict[str, Any]:
        """``data`` then ``data_template``, one of them written as one template, each
        rendered: each must give a mapping, the later one's keys over the earlier's."""
        payload: dict[str, Any] = {}
        for part in self.templated_data:
            rendered = render(self.engine, part, run)
            if not isinstance(rendered, Mapping):  # none or empty text too, as Home Assistant
                raise CallRenderError("data", "Result is not a Dictionary")
            payload.update(rendered)
        return payload

    def _prepared(
        self,
        run: Run,
        domain: str,
        service: str,
        payload: Mapping[str, Any],
        targets: Mapping[str, Any],
    ) -> ServiceCall:
        """The call validated, its target resolved (once, for a call written out)."""
        services = self.runtime.services
        fixed = self.fixed
        if fixed is True:
            fixed = self.fixed = FixedCall(
                services,
                self.runtime.states,
                domain,
                service,
                dict(payload),  # copies of its own: the trace keeps these
                dict(targets),
                return_response=self.response_variable is not None,
            )
            if self.response_variable is None:  # else each run's result gets its response
                params = _params(domain, service, fixed.data, fixed.target)
                self.shown = {"params": params, "running_script": False}
        if isinstance(fixed, FixedCall):
            return fixed.prepare(run.context)
        return services.prepare(
            domain,
            service,
            payload,
            target=targets,
            context=run.context,
            return_response=self.response_variable is not None,
        )

    def _answered(self, run: Run, response: Any, step: TraceStep | None) -> None:
        response_variable = self.response_variable
        if response_variable is not None:
            run.variables[str(response_variable)] = response
            if step is not None:
                if step.result is None:
                    step.result = {"response": response}
                else:
                    step.result["response"] = response

    async def act(self, run: Run) -> None:
        domain, service, payload, targets = self._request(run)
        trace_set_result(params=_params(domain, service, payload, targets), running_script=False)
        gate = run.script.gate
        if gate is not None and not gate.acts_alone(domain, service, targets):
            await in_a_task()  # the decision may wait for a person
            if not await gate(run, domain, service, payload, targets):
                return
        call = self._prepared(run, domain, service, payload, targets)
        self._answered(run, await self.runtime.services.run(call), current_step())

    def now(self, run: Run) -> Coroutine[Any, Any, None] | None:
        """The call made at once, traced as ``__call__`` traces it, when its service
        answers at once; a coroutine for what is left when it does not."""
        if self.enabled is not True:
            return self(run)
        fixed = self.fixed
        if type(fixed) is FixedCall:  # written without templates: as on every run before
            domain, service, targets = fixed.domain, fixed.service, fixed.target
            payload: Mapping[str, Any] = fixed.data
        else:
            try:
                domain, service, payload, targets = self._request(run)
            except CallRenderError as err:  # traced and handled as ``__call__`` would
                trace = current_trace.get()
                step = TraceStep(self.path, trace) if trace is not None else None
                finish_step(step, trace)
                self._failed(err, step)
                return None
        gate = run.script.gate
        if gate is not None and not gate.acts_alone(domain, service, targets):
            return self(run)  # the decision may wait for a person (rendered again there)
        trace = current_trace.get()
        step = TraceStep(self.path, trace) if trace is not None else None
        try:
            if step is not None:
                shown = self.shown
                step.result = (
                    shown
                    if shown is not None
                    else {
                        "params": _params(domain, service, payload, targets),
                        "running_script": False,
                    }
                )
            call = (
                fixed.prepare(run.context)  # as _prepared does for it, without the call
                if type(fixed) is FixedCall
                else self._prepared(run, domain, service, payload, targets)
            )
            answered, outcome = self.runtime.services.run_at_once(call)
            if not answered:
                return self._answer_later(run, outcome, step, trace)
            if self.response_variable is not None:  # else nothing to note (most calls)
                self._answered(run, outcome, step)
        except Exception as err:
            finish_step(step, trace)
            self._failed(err, step)
            return None
        finish_step(step, trace)
        return None

    async def _answer_later(
        self, run: Run, pending: Awaitable[Any], step: TraceStep | None, trace: Trace | None
    ) -> None:
        """The rest of a call begun at once: the answer awaited, then traced."""
        try:
            self._answered(run, await pending, step)
        except Exception as err:
            finish_step(step, trace)
            self._failed(err, step)
            return
        finish_step(step, trace)

    def _failed(self, error: Exception, step: TraceStep | None) -> None:
        """As ``__call__`` handles an error: raised again, or noted and the run goes on."""
        if (
            not isinstance(error, HomeloomError)
            or not self.continue_on_error
            or error.invalid_data
            or isinstance(error, ServiceNotFound | TemplateError)
        ):
            if step is not None and step.error is None:
                step.error = str(error)
            raise error
        _LOGGER.warning("%s: %s (continuing)", self.path, error)
        if step is not None:  # a new result: the one it had may be shared (``shown``)
            step.result = {**(step.result or {}), "error": str(error), "continued": True}


class _RareServiceCall(_ServiceCall):
    """A :class:`_ServiceCall` written with a legacy ``entity_id``, a
    ``response_variable`` or ``data`` as one template."""

    __slots__ = ("legacy_entity", "response_variable", "templated_data")
    rare = True


def _service_call(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> ActionStep:
    kind = _RareServiceCall if _has_rare_options(engine, config) else _ServiceCall
    return kind(runtime, engine, config, path, script)


def _service_named(name: _Templated, run: Run) -> tuple[str, str]:
    """The domain and service a templated name renders to."""
    try:
        rendered = str(name.render(run)).strip().lower()
    except TemplateError as err:
        raise CallRenderError("service name", str(err)) from err
    if not valid_entity_id(rendered):  # a service is named as an entity is (cv.service)
        raise CallRenderError("service name", f"rendered invalid service {rendered!r}")
    domain, _, service = rendered.partition(".")
    return domain, service


_REGISTRY_ID = re.compile(r"^[0-9a-f]{32}$")


def _entity_ids(value: Any, *, registry_ids: bool = True) -> Any:
    """Entity ids as Home Assistant reads a call's ``entity_id``: ``all`` or ``none``
    in any case, or ids (a list, or a text split at commas), each an entity id (made
    lower case) or (in a target) a registry id (kept as written); raises
    :class:`ValueError` on anything else. One id written as it should be is kept as it is."""
    if isinstance(value, str):
        if valid_entity_id(value):  # one id, written as it should be: kept as it is
            return value
        lowered = value.lower()
        if lowered in ("all", "none"):
            return lowered
        value = [part.strip() for part in value.split(",")]
    elif not isinstance(value, list):
        value = [value]
    ids = []
    for item in value:
        if item is None or isinstance(item, Mapping | list):
            raise ValueError(f"invalid entity ids: {value!r}")
        entity_id = str(item).lower()
        if not (valid_entity_id(entity_id) or (registry_ids and _REGISTRY_ID.match(entity_id))):
            raise ValueError(f"invalid entity ids: {value!r}")
        # A registry id as written: Home Assistant looks it up heeding case.
        ids.append(entity_id if valid_entity_id(entity_id) else str(item))
    return ids


def _params(
    domain: str, service: str, payload: Mapping[str, Any], targets: Mapping[str, Any]
) -> dict[str, Any]:
    """What a call step's trace shows of the call."""
    return {"domain": domain, "service": service, "service_data": payload, "target": targets}


def _scene(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> ActionStep:
    return _ServiceCall(
        runtime,
        engine,
        {"action": "scene.turn_on", "target": {"entity_id": config["scene"]}},
        path,
        script,
    )


def _device(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> ActionStep:
    # As the service call Home Assistant's device action makes (_device_automations).
    service, entity_id, data = device_action(config, path, runtime.registries)
    call = {"action": service, "target": {"entity_id": entity_id}, "data": data}
    return _ServiceCall(runtime, engine, call, path, script)


class _Event(ActionStep):
    """Fires an event on the bus.

    As Home Assistant: ``event_data`` then ``event_data_template`` are rendered, each on
    its own, the second's keys over the first's; one that fails to render is logged
    and left out, and the event fires all the same.
    """

    __slots__ = ("data", "event_type")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        # Taken as written, braces and all: Home Assistant renders only the data.
        self.event_type = str(config["event"])
        self.data = tuple(
            config[key] for key in ("event_data", "event_data_template") if config.get(key)
        )

    async def act(self, run: Run) -> None:
        name = self.event_type
        payload: dict[str, Any] = {}
        for data in self.data:
            try:
                payload.update(render(self.engine, data, run))
            except TemplateError as err:
                _LOGGER.error("%s: Error rendering event data template: %s", self.path, err)
        trace_set_result(event=name, event_data=payload)
        self.runtime.bus.fire(name, payload, run.context)


class _ConversationResponse(ActionStep):
    """Say something to the person whose sentence started the run (``conversation.process``)."""

    __slots__ = ("text",)

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        engine = self.engine
        self.text = _renderable(engine, config["set_conversation_response"])

    async def act(self, run: Run) -> None:
        said = self.text.render(run) if type(self.text) is _Templated else self.text
        text = "" if said is None else str(said)
        trace_set_result(response=text)
        self.runtime.bus.fire(EVENT_CONVERSATION_RESPONSE, {"text": text}, run.context)


CALL_BUILDERS: dict[str, Builder] = {
    "service": _service_call,
    "event": _Event,
    "scene": _scene,
    "device_id": _device,
    "set_conversation_response": _ConversationResponse,
}
