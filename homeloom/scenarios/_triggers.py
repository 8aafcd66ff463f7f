"""Triggers: what starts a scenario. Both generations (``platform:`` and ``trigger:``).

State triggers listen through the state store's per-entity index, so a state
write costs only the listeners of that entity. Each attached trigger calls
``callback({"trigger": data, **variables}, context)``.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from homeloom.orchestrator import (
    EVENT_HOMELOOM_START,
    EVENT_HOMELOOM_STOP,
    Context,
    Event,
    Runtime,
    State,
    Unsubscribe,
    valid_entity_id,
)

from ._checkpoints import get_checkpoints
from ._conditions import in_zone
from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError, fail, issue_at
from ._templates import TemplateEngine, TemplateError, get_template_engine

__all__ = ["TriggerCallback", "attach_triggers", "validate_triggers"]

_LOGGER = logging.getLogger(__name__)
TriggerCallback = Callable[[dict[str, Any], Context | None], Awaitable[None] | None]
Fire = Callable[[dict[str, Any], Context | None], None]
Attach = Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe]

_UNSUPPORTED = {
    "tag": "tag triggers are not supported",
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@functools.cache
def _all_platforms() -> dict[str, tuple[Attach, Validate]]:
    """Every trigger platform, those of the other trigger modules included (which
    import this one, hence the late import), gathered once."""
    from ._trigger_calendar import CALENDAR_PLATFORMS
    from ._trigger_mqtt import MQTT_PLATFORMS
    from ._trigger_time import TIME_PLATFORMS
    from ._trigger_webhook import WEBHOOK_PLATFORMS

    return {
        **_PLATFORMS,
        **TIME_PLATFORMS,
        **MQTT_PLATFORMS,
        **WEBHOOK_PLATFORMS,
        **CALENDAR_PLATFORMS,
    }


def validate_triggers(
    runtime: Runtime, configs: Any, *, path: str = "triggers"
) -> list[dict[str, Any]]:
    """Each trigger with its ``platform`` named; every problem reported with its place."""
    platforms = _all_platforms()
    result: list[dict[str, Any]] = []
    issues = []
    items = _as_list(configs)
    for index, config in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(config, Mapping):
            issues.append(issue_at(items, index, where, "a trigger must be a mapping"))
            continue
        platform = config.get("platform", config.get("trigger"))
        if platform is None:
            issues.append(issue_at(config, None, where, "missing 'trigger' (or 'platform')"))
            continue
        platform = str(platform)
        key = "platform" if "platform" in config else "trigger"
        if platform in _UNSUPPORTED:
            issues.append(issue_at(config, key, f"{where}.{key}", _UNSUPPORTED[platform]))
            continue
        if platform not in platforms:
            valid = ", ".join(sorted(platforms))
            issues.append(
                issue_at(
                    config, key, f"{where}.{key}", f"unknown trigger {platform!r}; valid: {valid}"
                )
            )
            continue
        normalised = {**config, "platform": platform, "_index": index, "_path": where}
        normalised.pop("trigger", None)
        try:
            platforms[platform][1](runtime, normalised)
        except ScenarioConfigError as err:
            issues.extend(err.issues)
            continue
        result.append(normalised)
    if issues:
        raise ScenarioConfigError(issues)
    return result


async def attach_triggers(
    runtime: Runtime,
    configs: list[dict[str, Any]],
    callback: TriggerCallback,
    *,
    name: str,
    variables: Mapping[str, Any] | None = None,
    checkpoint: str | None = None,
) -> Unsubscribe:
    """Attach every enabled trigger; returns one callable detaching them all.

    With ``checkpoint`` (a scenario key), counting ``for:`` durations are saved and
    resume after a restart.
    """
    platforms = _all_platforms()
    engine = get_template_engine(runtime)
    detach: list[Unsubscribe] = []
    for config in configs:
        enabled = config.get("enabled", True)
        if engine.is_template(enabled):
            enabled = engine.template(enabled).render(variables or {})
        if enabled is False or str(enabled).lower() == "false":
            continue
        fire = _Firer(runtime, engine, config, callback, name)
        if checkpoint is not None and config.get("for") is not None:  # only a for: is saved
            key = f"{checkpoint}:{config['_index']}"
            if config.get("_checkpoint") != key:  # else stamped by the owner, kept as is
                config = {**config, "_checkpoint": key}
        detach.append(platforms[config["platform"]][0](runtime, config, fire))
    if len(detach) == 1:  # the usual single trigger: nothing to gather
        return detach[0]

    def detach_all() -> None:
        for undo in detach:
            undo()

    return detach_all


class _Firer:
    """Hands one attached trigger's data to its scenario, with the trigger's own fields.

    An object rather than a closure: a large house keeps one per trigger, and a few
    slots weigh a fraction of a function with its cells.
    """

    __slots__ = ("base", "callback", "engine", "name", "runtime", "trigger_variables")

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        callback: TriggerCallback,
        name: str,
    ) -> None:
        index = config["_index"]
        self.runtime = runtime
        self.engine = engine
        self.callback = callback
        self.name = name
        self.base = {
            "id": str(config.get("id", index)),
            "idx": str(index),
            "alias": config.get("alias"),
            "platform": config["platform"],
        }
        self.trigger_variables = config.get("variables")

    def __call__(self, data: dict[str, Any], context: Context | None) -> None:
        trigger = {**self.base, **data}
        variables: dict[str, Any] = {"trigger": trigger}
        if self.trigger_variables:
            try:
                rendered = self.engine.render_complex(dict(self.trigger_variables), variables)
            except TemplateError as err:
                _LOGGER.error("%s: trigger variables: %s", self.name, err)
                return
            variables.update(rendered)
        result = self.callback(variables, context)
        if result is not None:
            self.runtime.create_task(_await(result), name=f"run {self.name}")


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable


def _entity_ids(config: Mapping[str, Any], key: str = "entity_id") -> list[str]:
    ids = [
        str(v).strip().lower() for item in _as_list(config.get(key)) for v in str(item).split(",")
    ]
    ids = [sys.intern(i) for i in ids if i]  # the same entity's id shared by its scenarios
    if not ids:
        raise fail(config, key, f"{config['_path']}.{key}", f"'{key}' is required")
    for entity_id in ids:
        if not valid_entity_id(entity_id):
            raise fail(
                config, key, f"{config['_path']}.{key}", f"{entity_id!r} is not an entity id"
            )
    return ids


def duration_of(
    runtime: Runtime, config: Mapping[str, Any], variables: Mapping[str, Any]
) -> timedelta | None:
    raw = config.get("for")
    if raw is None:
        return None
    engine = get_template_engine(runtime)
    return parse_duration(engine.render_complex(raw, variables))


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
        parse_duration(raw)
    except DurationError as err:
        raise fail(config, "for", f"{config['_path']}.for", str(err)) from None


class _ForWait:
    """Pending ``for:`` durations, one per entity: each fires unless cancelled first.

    With a checkpoint key, each is saved so it can resume after a restart. Made only
    for a trigger that has a ``for:``.
    """

    __slots__ = ("checkpoint", "checkpoints", "pending", "runtime")

    def __init__(self, runtime: Runtime, checkpoint: str | None = None) -> None:
        self.runtime = runtime
        self.pending: dict[str, Unsubscribe] = {}
        self.checkpoints = get_checkpoints(runtime) if checkpoint else None
        self.checkpoint = checkpoint

    def start(
        self, key: str, duration: timedelta, action: Callable[[], None], *, save: bool = True
    ) -> None:
        self.cancel(key)
        now = self.runtime.now()
        if save and self.checkpoints is not None:
            self.checkpoints.save_for(
                f"{self.checkpoint}:{key}", started=now, deadline=now + duration
            )

        def due(_: Any) -> None:
            self.pending.pop(key, None)
            self._forget(key)
            action()

        self.pending[key] = self.runtime.scheduler.call_later(
            max(duration.total_seconds(), 0.0), due
        )

    def saved(self, key: str) -> tuple[datetime, datetime] | None:
        if self.checkpoints is None:
            return None
        found: tuple[datetime, datetime] | None = self.checkpoints.pending_for(
            f"{self.checkpoint}:{key}"
        )
        return found

    def _forget(self, key: str) -> None:
        if self.checkpoints is not None:
            self.checkpoints.drop_for(f"{self.checkpoint}:{key}")

    def cancel(self, key: str) -> None:
        undo = self.pending.pop(key, None)
        if undo is not None:
            undo()
            self._forget(key)

    def cancel_all(self) -> None:
        """Detaching (a stop, a reload): keep the saved waits for the next start."""
        for undo in self.pending.values():
            undo()
        self.pending.clear()


# --- state ----------------------------------------------------------------------------


def _state_values(value: Any, attribute: Any) -> tuple[Any, ...] | None:
    """The accepted values of from/to; None means any. States are strings, and the same
    states (``("on",)``) one tuple shared by every trigger."""
    if value is None:
        return None
    values = _as_list(value)
    if attribute:
        return tuple(values)
    return shared(tuple("on" if v is True else "off" if v is False else str(v) for v in values))


_SHARED: dict[Any, Any] = {}
_T = TypeVar("_T")


def shared(value: _T) -> _T:
    """One object for all equal immutable values (hashable): the same accepted states,
    the same service name, met in thousands of scenarios."""
    return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]


def _validate_state(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _entity_ids(config)
    _check_for(runtime, config)
    for key in ("from", "to"):
        other = f"not_{key}"
        if key in config and other in config and config[key] is not None:
            raise fail(
                config, other, f"{config['_path']}.{other}", f"use either '{key}' or '{other}'"
            )


class _StateTrigger:
    """One attached state trigger, called with each change of its entities.

    An object rather than nested closures, holding only what the trigger needs:
    a large house keeps one per trigger. The accepted values are tuples (an empty
    one shared), and the ``for:`` waits exist only when there is a ``for:``.
    """

    __slots__ = (
        "any_keys",
        "attribute",
        "config",
        "fire",
        "from_values",
        "not_from",
        "not_to",
        "runtime",
        "to_values",
        "untrack",
        "waits",
    )

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        self.runtime = runtime
        self.config = config
        self.fire = fire
        attribute = self.attribute = config.get("attribute")
        self.from_values = _state_values(config.get("from"), attribute)
        self.to_values = _state_values(config.get("to"), attribute)
        self.not_from = _state_values(config.get("not_from"), attribute) or ()
        self.not_to = _state_values(config.get("not_to"), attribute) or ()
        # With no from/to at all, attribute changes count too; any from/to key (even null) not.
        self.any_keys = any(key in config for key in ("from", "to", "not_from", "not_to"))
        self.waits = (
            _ForWait(runtime, config.get("_checkpoint")) if config.get("for") is not None else None
        )
        self.untrack: Unsubscribe | None = None

    def attach(self, entity_ids: list[str]) -> Unsubscribe:
        if self.waits is not None:
            for entity_id in entity_ids:
                self._resume_saved(entity_id, self.waits)
        # Without an attribute or a duration, only changes to an accepted state matter.
        only_to = None
        if not self.attribute and "for" not in self.config and self.to_values is not None:
            only_to = shared(frozenset(self.to_values))  # the store keeps the set it is given
        untrack = self.untrack = self.runtime.states.track(entity_ids, self, to_states=only_to)
        return untrack if self.waits is None else self.detach

    def detach(self) -> None:
        if self.untrack is not None:
            self.untrack()
        if self.waits is not None:
            self.waits.cancel_all()

    def _accepts_to(self, value: Any) -> bool:
        """Whether a new value (a state, or the attribute) is one the trigger goes to."""
        if self.to_values is not None and value not in self.to_values:
            return False
        return value not in self.not_to

    def __call__(self, event: Event) -> None:
        event_data = event.data
        old, new = event_data["old_state"], event_data["new_state"]
        entity_id = event_data["entity_id"]
        waits = self.waits
        if new is None:
            if waits is not None:
                waits.cancel(entity_id)
            return
        attribute = self.attribute
        if attribute:
            old_value = old.attributes.get(attribute) if old is not None else None
            new_value = new.attributes.get(attribute)
            if old_value == new_value and (old is not None):
                return
            if attribute not in new.attributes and self.to_values is None and not self.not_to:
                return
        else:
            old_value = old.state if old is not None else None
            new_value = new.state
            if self.any_keys and old is not None and old_value == new_value:
                # Only the attributes changed: a wait ends if its state is no longer accepted.
                if waits is not None and not self._accepts_to(new_value):
                    waits.cancel(entity_id)  # nothing when it was not waiting
                return
        if waits is not None and entity_id in waits.pending:
            waits.cancel(entity_id)
        if self.from_values is not None and (old is None or old_value not in self.from_values):
            return
        if old is not None and old_value in self.not_from:
            return
        if not self._accepts_to(new_value):
            return
        data = {
            "entity_id": entity_id,
            "from_state": old,
            "to_state": new,
            "for": None,
            "attribute": attribute,
            "description": f"state of {entity_id}",
        }
        if waits is None:
            self.fire(data, event.context)
            return
        try:
            duration = duration_of(self.runtime, self.config, {"trigger": data})
        except (DurationError, TemplateError) as err:
            _LOGGER.error("state trigger on %s: 'for': %s", entity_id, err)
            return
        if duration is None:
            self.fire(data, event.context)
            return
        data["for"] = duration
        waits.start(entity_id, duration, _FireLater(self, data, new, event.context))

    def _resume_saved(self, entity_id: str, waits: _ForWait) -> None:
        saved = waits.saved(entity_id)
        if saved is None:
            return
        started, deadline = saved
        runtime = self.runtime
        current = runtime.states.get(entity_id)
        if (
            current is None
            or not self._accepts_to(_state_value(current, self.attribute))
            or current.last_changed > started
        ):
            waits._forget(entity_id)
            return
        data = {
            "entity_id": entity_id,
            "from_state": None,
            "to_state": current,
            "for": deadline - started,
            "attribute": self.attribute,
            "description": f"state of {entity_id}",
        }
        waits.start(entity_id, deadline - runtime.now(), lambda: self.fire(data, None), save=False)


def _state_value(state: State, attribute: Any) -> Any:
    return state.attributes.get(attribute) if attribute else state.state


class _FireLater:
    """A ``for:`` that has lasted: fires with the entity's state at that moment."""

    __slots__ = ("context", "data", "new", "trigger")

    def __init__(
        self,
        trigger: _StateTrigger | _NumericTrigger,
        data: dict[str, Any],
        new: State,
        context: Context,
    ) -> None:
        self.trigger, self.data, self.new, self.context = trigger, data, new, context

    def __call__(self) -> None:
        current = self.trigger.runtime.states.get(self.data["entity_id"])
        self.trigger.fire({**self.data, "to_state": current or self.new}, self.context)


def _attach_state(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    entity_ids = _entity_ids(config)
    return _StateTrigger(runtime, config, fire).attach(entity_ids)


# --- numeric_state --------------------------------------------------------------------


def _validate_numeric(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _entity_ids(config)
    _check_for(runtime, config)
    if config.get("above") is None and config.get("below") is None:
        raise fail(config, None, config["_path"], "numeric_state needs 'above', 'below' or both")
    for key in ("above", "below"):
        raw = config.get(key)
        if raw is None or isinstance(raw, int | float) or valid_entity_id(str(raw).strip().lower()):
            continue
        raise fail(
            config, key, f"{config['_path']}.{key}", f"{raw!r} is neither a number nor an entity id"
        )


class _NumericTrigger:
    """One attached numeric_state trigger, called with each change of its entities.

    An object for the same reason as :class:`_StateTrigger`: one per trigger, few
    slots, and ``for:`` waits only when there is a ``for:``.
    """

    __slots__ = (
        "above",
        "armed",
        "attribute",
        "below",
        "config",
        "fire",
        "runtime",
        "template",
        "untrack",
        "waits",
    )

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        self.runtime = runtime
        self.config = config
        self.fire = fire
        self.attribute = config.get("attribute")
        self.above, self.below = config.get("above"), config.get("below")
        engine = get_template_engine(runtime)
        self.template = (
            engine.template(str(config["value_template"])) if config.get("value_template") else None
        )
        self.waits = (
            _ForWait(runtime, config.get("_checkpoint")) if config.get("for") is not None else None
        )
        self.armed: set[str] = set()
        self.untrack: Unsubscribe | None = None

    def attach(self, entity_ids: list[str]) -> Unsubscribe:
        states = self.runtime.states
        self.armed = {
            entity_id for entity_id in entity_ids if not self._in_range(states.get(entity_id))
        }
        untrack = self.untrack = states.track(entity_ids, self)
        return untrack if self.waits is None else self.detach

    def detach(self) -> None:
        if self.untrack is not None:
            self.untrack()
        if self.waits is not None:
            self.waits.cancel_all()

    def _limit(self, raw: Any) -> float | None:
        if isinstance(raw, int | float):
            return float(raw)
        ref = self.runtime.states.get(str(raw).strip().lower())
        try:
            return float(ref.state) if ref is not None else None
        except ValueError:
            return None

    def _in_range(self, state: State | None) -> bool:
        if state is None:
            return False
        raw: Any = state.attributes.get(self.attribute) if self.attribute else state.state
        if self.template is not None:
            try:
                raw = self.template.render({"state": state})
            except TemplateError as err:
                _LOGGER.warning("numeric_state value_template: %s", err)
                return False
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return False
        if self.above is not None:
            above = self._limit(self.above)
            if above is None or not number > above:
                return False
        if self.below is not None:
            below = self._limit(self.below)
            if below is None or not number < below:
                return False
        return True

    def __call__(self, event: Event) -> None:
        entity_id, new = event.data["entity_id"], event.data["new_state"]
        waits = self.waits
        if not self._in_range(new):
            self.armed.add(entity_id)
            if waits is not None:
                waits.cancel(entity_id)
            return
        if entity_id not in self.armed:
            return
        self.armed.discard(entity_id)
        data = {
            "entity_id": entity_id,
            "from_state": event.data["old_state"],
            "to_state": new,
            "above": _as_number(self.above),
            "below": _as_number(self.below),
            "attribute": self.attribute,
            "for": None,
            "description": f"numeric state of {entity_id}",
        }
        if waits is None:
            self.fire(data, event.context)
            return
        try:
            duration = duration_of(self.runtime, self.config, {"trigger": data})
        except (DurationError, TemplateError) as err:
            _LOGGER.error("numeric_state trigger on %s: 'for': %s", entity_id, err)
            return
        if duration is None:
            self.fire(data, event.context)
            return
        data["for"] = duration
        waits.start(entity_id, duration, _FireLater(self, data, new, event.context))


def _attach_numeric(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    entity_ids = _entity_ids(config)
    return _NumericTrigger(runtime, config, fire).attach(entity_ids)


def _as_number(value: Any) -> Any:
    """A numeric limit as Home Assistant reports it in trigger data: a float."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


# --- events, start and stop -----------------------------------------------------------

_EVENT_ALIASES = {
    "homeassistant_start": EVENT_HOMELOOM_START,
    "homeassistant_started": "homeloom_started",
    "homeassistant_stop": EVENT_HOMELOOM_STOP,
}


def _validate_event(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if not _as_list(config.get("event_type")):
        raise fail(
            config, "event_type", f"{config['_path']}.event_type", "'event_type' is required"
        )
    for key in ("event_data", "context"):
        if key in config and not isinstance(config[key], Mapping):
            raise fail(config, key, f"{config['_path']}.{key}", f"'{key}' must be a mapping")


def _subset(wanted: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    for key, value in wanted.items():
        if key not in actual:
            return False
        got = actual[key]
        if isinstance(value, Mapping) and isinstance(got, Mapping):
            if not _subset(value, got):
                return False
        elif got != value and str(got) != str(value):
            return False
    return True


def _attach_event(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    engine = get_template_engine(runtime)
    types = [str(engine.render_complex(t, {})) for t in _as_list(config.get("event_type"))]
    wanted_data = config.get("event_data") or {}
    wanted_context = config.get("context") or {}

    def on_event(event: Event) -> None:
        if wanted_data and not _subset(wanted_data, event.data):
            return
        if wanted_context:
            ctx = event.context.as_dict()
            for key, value in wanted_context.items():
                if ctx.get(key) not in _as_list(value):
                    return
        data = {
            "event": {
                "event_type": event.event_type,
                "data": dict(event.data),
                "origin": "LOCAL",
                "time_fired": event.time_fired,
                "context": event.context.as_dict(),
            },
            "description": f"event '{event.event_type}'",
        }
        fire(data, event.context)

    undo = [runtime.bus.listen(_EVENT_ALIASES.get(t, t), on_event) for t in types]

    def detach() -> None:
        for unlisten in undo:
            unlisten()

    return detach


def _validate_homeassistant(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if config.get("event") not in ("start", "shutdown"):
        raise fail(config, "event", f"{config['_path']}.event", "expected 'start' or 'shutdown'")


def _attach_homeassistant(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    starting = config["event"] == "start"
    event_type = EVENT_HOMELOOM_START if starting else EVENT_HOMELOOM_STOP
    description = "Home Assistant starting" if starting else "Home Assistant stopping"

    def on_event(event: Event) -> None:
        fire({"event": event.as_dict(), "description": description}, event.context)

    if starting and runtime.running:
        # Attached after start (a reload): Home Assistant runs start triggers only at start.
        return lambda: None
    return runtime.bus.listen_once(event_type, on_event)


# --- zone and device ------------------------------------------------------------------


def _validate_zone(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _entity_ids(config)
    _entity_ids(config, "zone")
    if config.get("event", "enter") not in ("enter", "leave"):
        raise fail(config, "event", f"{config['_path']}.event", "expected 'enter' or 'leave'")


def _attach_zone(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    zone_id = _entity_ids(config, "zone")[0]
    entering = config.get("event", "enter") == "enter"
    verb = "entering" if entering else "leaving"

    def on_change(event: Event) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        zone = runtime.states.get(zone_id)
        if zone is None or old is None or new is None:
            return
        was, now = in_zone(old, zone), in_zone(new, zone)
        if (entering and not was and now) or (not entering and was and not now):
            fire(
                {
                    "entity_id": event.data["entity_id"],
                    "from_state": old,
                    "to_state": new,
                    "zone": zone,
                    "event": "enter" if entering else "leave",
                    "description": f"{event.data['entity_id']} {verb} {zone.name}",
                },
                event.context,
            )

    return runtime.states.track(_entity_ids(config), on_change)


_DEVICE_TO = {
    "turned_on": "on",
    "turned_off": "off",
    "opened": "open",
    "closed": "closed",
    "opening": "opening",
    "closing": "closing",
    "locked": "locked",
    "unlocked": "unlocked",
    "motion": "on",
    "no_motion": "off",
    "occupied": "on",
    "not_occupied": "off",
    "open": "on",
    "not_opened": "off",
    "enters": "home",
    "leaves": "not_home",
    "changed_states": None,
}


def _device_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A device trigger as the state or numeric_state trigger it stands for."""
    kind = str(config.get("type", ""))
    domain = str(config.get("domain", ""))
    if domain == "mqtt":
        # A button's announced trigger (``homeassistant/device_automation``), by discovery id.
        return {**config, "platform": "mqtt_device"}
    if domain == "sensor" and kind not in _DEVICE_TO:
        # Sensor device triggers ("temperature", "battery_level"...) compare the value.
        return {**config, "platform": "numeric_state"}
    if kind in _DEVICE_TO:
        to = _DEVICE_TO[kind]
    elif domain == "binary_sensor" and kind:
        # Binary sensors name the "on" side (smoke, moist, plugged) and "no_"/"not_" the off.
        to = "off" if kind.startswith(("no_", "not_")) else "on"
    else:
        raise fail(
            config,
            "type",
            f"{config['_path']}.type",
            f"unknown device trigger type {kind!r} for domain {domain or '(none)'}; "
            f"valid: {', '.join(_DEVICE_TO)}, a binary_sensor's condition such as smoke "
            "or no_smoke, or a sensor's measurement such as temperature",
        )
    return {**config, "platform": "state", "to": to}


def _device_platform(config: Mapping[str, Any]) -> tuple[Attach, Validate]:
    from ._trigger_mqtt import MQTT_DEVICE_TRIGGER

    platform = str(_device_config(config)["platform"])
    return MQTT_DEVICE_TRIGGER if platform == "mqtt_device" else _PLATFORMS[platform]


def _validate_device(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _device_platform(config)[1](runtime, _device_config(config))


def _attach_device(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    return _device_platform(config)[0](runtime, _device_config(config), fire)


def _sentences(config: Mapping[str, Any]) -> list[Any]:
    from ._conversation import compile_sentence

    commands = _as_list(config.get("command"))
    if not commands or not all(isinstance(c, str) and c.strip() for c in commands):
        raise fail(config, "command", f"{config['_path']}.command", "'command' lists sentences")
    try:
        return [compile_sentence(str(command)) for command in commands]
    except ValueError as err:
        raise fail(config, "command", f"{config['_path']}.command", str(err)) from None


def _validate_conversation(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _sentences(config)


def _attach_conversation(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    from ._conversation import get_conversation

    def heard(data: dict[str, Any], context: Context) -> None:
        fire({**data, "description": f"said {data['sentence']!r}"}, context)

    return get_conversation(runtime).listen(_sentences(config), heard)


Validate = Callable[[Runtime, Mapping[str, Any]], None]
_PLATFORMS: dict[str, tuple[Attach, Validate]] = {
    "state": (_attach_state, _validate_state),
    "numeric_state": (_attach_numeric, _validate_numeric),
    "event": (_attach_event, _validate_event),
    "homeassistant": (_attach_homeassistant, _validate_homeassistant),
    "zone": (_attach_zone, _validate_zone),
    "device": (_attach_device, _validate_device),
    "conversation": (_attach_conversation, _validate_conversation),
}
