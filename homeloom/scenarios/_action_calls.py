"""Steps that act on the house: service calls (and the scene and device shorthands
built as calls), events fired on the bus, and a conversation response (those two are
in ``_action_events``); the table of their builders."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Coroutine, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from homeloom.orchestrator import (
    FixedCall,
    HomeloomError,
    Runtime,
    ServiceCall,
    ServiceNotFound,
    in_a_task,
)

from ._action_call_values import (
    CallRenderError,
    _entity_ids,
    _renderable,
    _service_named,
    _Templated,
)
from ._action_events import EVENT_CONVERSATION_RESPONSE, _ConversationResponse, _Event
from ._actions import ActionStep, Builder, Run, render
from ._device_automations import device_step
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

_LOGGER = logging.getLogger(__name__)

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
                    rendered = targets["entity_id"]
                    if rendered is not None and not isinstance(rendered, str | list):
                        # Home Assistant splits a text or walks a list (none is "none"):
                        # a number or a boolean rendered there fails the call.
                        raise ValueError(f"rendered invalid entity ids: {rendered!r}")
                    entity_ids = _entity_ids(rendered)
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


def _params(
    domain: str, service: str, payload: Mapping[str, Any], targets: Mapping[str, Any]
) -> dict[str, Any]:
    """What a call step's trace shows of the call."""
    return {"domain": domain, "service": service, "service_data": payload, "target": targets}


def _scene(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str, script: Script
) -> ActionStep:
    scene = config["scene"]
    if not isinstance(scene, str) or not scene.lower().startswith("scene."):
        message = f"{scene!r} is not a scene: write its entity id, such as scene.evening"
        raise fail(config, "scene", f"{path}.scene", message)
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
    return device_step(runtime, engine, config, path, script, _ServiceCall)


CALL_BUILDERS: dict[str, Builder] = {
    "service": _service_call,
    "event": _Event,
    "scene": _scene,
    "device_id": _device,
    "set_conversation_response": _ConversationResponse,
}
