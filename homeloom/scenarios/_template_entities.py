"""Template entities: the ``template:`` integration's sensors and binary sensors, as in
Home Assistant 2024.3.

A block without ``trigger`` makes state-based entities: each template is rendered
again whenever an entity it read changes (what a render reads is recorded by the
template engine, as for a template trigger), and at the start of each minute when
it read the time. A block with ``trigger`` (and an optional ``action``) makes
trigger-based entities: ``unknown`` until a trigger fires, rendered only then, with
the ``trigger`` variable. Entity ids come from the name (``sensor.`` + its slug),
as Home Assistant makes them.

Set up after the house's own entities and the initial states are written, and
before automations are enabled: Home Assistant renders these at its start, before
automations attach, so automations never see a template entity's first state.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, Unsubscribe

from ._automation import entity_slug
from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError, issue_at
from ._script import Script
from ._template_states import RenderInfo, TemplateState
from ._templates import Template, TemplateError, as_boolean, get_template_engine
from ._triggers import attach_triggers, validate_triggers

__all__ = ["setup_template_entities"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "template"

_BLOCK_KEYS = frozenset({"unique_id", "trigger", "action", "sensor", "binary_sensor"})
# Entities Home Assistant's template integration makes and homeloom does not.
_NOT_PROVIDED = frozenset(
    {"number", "select", "button", "image", "weather", "sensors", "binary_sensors"}
)
_COMMON_KEYS = frozenset(
    {"state", "name", "unique_id", "icon", "picture", "attributes", "availability"}
)
_ENTITY_KEYS = {
    "sensor": _COMMON_KEYS | {"unit_of_measurement", "device_class", "state_class", "last_reset"},
    "binary_sensor": _COMMON_KEYS
    | {"unit_of_measurement", "device_class", "delay_on", "delay_off", "auto_off"},
}
_DELAY_KEYS = ("delay_on", "delay_off", "auto_off")
# Home Assistant writes a float state with the precision of the machine's epsilon.
_FLOAT_DIGITS = abs(math.floor(math.log10(2.220446049250313e-16))) - 1
_DATE_CLASSES = frozenset({"date", "timestamp"})
_UNSET = frozenset({"unknown", "unavailable"})


@dataclass(slots=True)
class _Definition:
    """One ``sensor:``/``binary_sensor:`` item, its templates compiled."""

    domain: str
    entity_id: str
    name: Template | None
    state: Template
    availability: Template | None
    icon: Template | None
    picture: Template | None
    attributes: dict[str, Template]
    # A fixed duration, a template rendering one, or absent.
    delays: dict[str, timedelta | Template] = field(default_factory=dict)
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None

    def fixed_attributes(self) -> dict[str, Any]:
        """What every state carries, available or not."""
        fixed: dict[str, Any] = {}
        if self.state_class is not None:
            fixed["state_class"] = self.state_class
        if self.unit is not None:
            fixed["unit_of_measurement"] = self.unit
        if self.device_class is not None:
            fixed["device_class"] = self.device_class
        return fixed


def setup_template_entities(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every entity of the ``template:`` block; a broken block is reported and
    skipped whole, as Home Assistant skips it."""
    block = config.get(DOMAIN)
    if block is None:
        return []
    items = block if isinstance(block, list) else [block]
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for index, item in enumerate(items):
        where = f"{DOMAIN}[{index}]"
        try:
            _setup_block(runtime, item, items, index, where, taken)
        except ScenarioConfigError as err:
            issues.extend(err.issues)
    return issues


def _setup_block(
    runtime: Runtime, item: Any, items: list[Any], index: int, where: str, taken: set[str]
) -> None:
    if not isinstance(item, Mapping):
        raise ScenarioConfigError([issue_at(items, index, where, "expected a mapping")])
    problems = [
        issue_at(item, key, f"{where}.{key}", _unknown_key_message(str(key)))
        for key in item
        if key not in _BLOCK_KEYS
    ]
    if problems:
        raise ScenarioConfigError(problems)
    triggers = None
    if "trigger" in item:
        triggers = validate_triggers(runtime, item["trigger"], path=f"{where}.trigger")
    elif "action" in item:
        raise ScenarioConfigError(
            [issue_at(item, "action", f"{where}.action", "'action' needs a 'trigger'")]
        )
    block_id = item.get("unique_id")
    definitions: list[_Definition] = []
    for domain in ("sensor", "binary_sensor"):
        entries = item.get(domain)
        if entries is None:
            continue
        entries = entries if isinstance(entries, list) else [entries]
        for number, entry in enumerate(entries):
            path = f"{where}.{domain}[{number}]"
            definitions.append(
                _definition(runtime, domain, entry, entries, number, path, block_id, taken)
            )
    if triggers is None:
        for definition in definitions:
            _StateBasedEntity(runtime, definition).start()
        return
    action = item.get("action")
    script = (
        Script(runtime, action if isinstance(action, list) else [action], name=where, item_id=where)
        if action is not None
        else None
    )
    entities = [_TriggerBasedEntity(runtime, definition) for definition in definitions]
    for entity in entities:
        entity.publish_first()
    block = _TriggerBlock(runtime, entities, script)
    attach_triggers(runtime, triggers, block.on_trigger, name=where)


def _unknown_key_message(key: str) -> str:
    if key in _NOT_PROVIDED:
        return f"template '{key}' entities are not provided by homeloom"
    return f"unknown key {key!r}; valid: {', '.join(sorted(_BLOCK_KEYS))}"


def _definition(
    runtime: Runtime,
    domain: str,
    entry: Any,
    entries: list[Any],
    number: int,
    path: str,
    block_id: Any,
    taken: set[str],
) -> _Definition:
    if not isinstance(entry, Mapping):
        raise ScenarioConfigError([issue_at(entries, number, path, "expected a mapping")])
    issues = [
        issue_at(entry, key, f"{path}.{key}", f"unknown key {key!r}")
        for key in entry
        if key not in _ENTITY_KEYS[domain]
    ]
    if "state" not in entry:
        issues.append(issue_at(entry, None, path, "missing 'state'"))
    if issues:
        raise ScenarioConfigError(issues)

    def compiled(key: str) -> Template | None:
        value = entry.get(key)
        if value is None:
            return None
        if isinstance(value, Mapping | list):
            raise ScenarioConfigError(
                [issue_at(entry, key, f"{path}.{key}", "expected a template (a text)")]
            )
        return _compile(runtime, entry, key, f"{path}.{key}", str(value))

    attributes = entry.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise ScenarioConfigError(
            [issue_at(entry, "attributes", f"{path}.attributes", "expected a mapping")]
        )
    state = compiled("state")
    assert state is not None
    definition = _Definition(
        domain=domain,
        entity_id="",
        name=compiled("name"),
        state=state,
        availability=compiled("availability"),
        icon=compiled("icon"),
        picture=compiled("picture"),
        attributes={
            str(key): _compile(runtime, attributes, key, f"{path}.attributes.{key}", str(value))
            for key, value in attributes.items()
        },
        unit=_text(entry.get("unit_of_measurement")),
        device_class=_text(entry.get("device_class")),
        state_class=_text(entry.get("state_class")),
    )
    for key in _DELAY_KEYS:
        if entry.get(key) is not None:
            definition.delays[key] = _delay(runtime, entry, key, f"{path}.{key}")
    definition.entity_id = _entity_id(domain, definition.name, entry, block_id, taken, runtime)
    return definition


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _compile(runtime: Runtime, container: Any, key: Any, path: str, source: str) -> Template:
    template = get_template_engine(runtime).template(source)
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise ScenarioConfigError([issue_at(container, key, path, str(err))]) from None
    return template


def _delay(runtime: Runtime, entry: Mapping[str, Any], key: str, path: str) -> timedelta | Template:
    value = entry[key]
    if get_template_engine(runtime).is_template(value):
        return _compile(runtime, entry, key, path, str(value))
    try:
        duration = parse_duration(value)
    except DurationError as err:
        raise ScenarioConfigError([issue_at(entry, key, path, str(err))]) from None
    if duration < timedelta(0):
        raise ScenarioConfigError([issue_at(entry, key, path, "a duration cannot be negative")])
    return duration


def _entity_id(
    domain: str,
    name: Template | None,
    entry: Mapping[str, Any],
    block_id: Any,
    taken: set[str],
    runtime: Runtime,
) -> str:
    """As Home Assistant names a new entity: from its name (rendered once, with no
    ``this``); without one, ``template_`` and its unique id, else ``unnamed_device``;
    ``_2``, ``_3``... when the id is taken."""
    shown: str | None = None
    if name is not None:
        try:
            shown = str(name.render({"this": None}, parse_result=False))
        except TemplateError:
            shown = None
    unique_id = entry.get("unique_id")
    if not shown and unique_id is not None:
        shown = f"template {block_id}-{unique_id}" if block_id else f"template {unique_id}"
    base = f"{domain}.{entity_slug(shown or 'Unnamed Device')}"
    entity_id, suffix = base, 2
    while entity_id in taken or runtime.states.get(entity_id) is not None:
        entity_id, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(entity_id)
    return entity_id


def _sensor_state(definition: _Definition, value: Any) -> str | None:
    """The text a sensor shows for a rendered value, or None (and an error logged) when
    Home Assistant would refuse to write it."""
    if value is None:
        return "unknown"
    if definition.device_class in _DATE_CLASSES:
        return _date_state(definition, value)
    numeric = definition.unit is not None or definition.state_class is not None
    if numeric and not isinstance(value, int | float):
        try:
            float(value)
        except (TypeError, ValueError):
            # As Home Assistant: the state is not written, the last one stays.
            _LOGGER.error(
                "%s has a unit or a state class, thus a numeric value, "
                "but rendered the non-numeric value %r",
                definition.entity_id,
                value,
            )
            return None
    if isinstance(value, float):
        return f"{value:.{_FLOAT_DIGITS}}"
    return str(value)


def _date_state(definition: _Definition, value: Any) -> str:
    """A ``date`` or ``timestamp`` sensor's value read as one, ``unknown`` when it is not."""
    text = str(value)
    try:
        if definition.device_class == "date":
            return date.fromisoformat(text).isoformat()
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        _LOGGER.warning("%s: %r is not a %s", definition.entity_id, text, definition.device_class)
        return "unknown"
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def _duration_of(value: Any) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    try:
        duration = parse_duration(value)
    except DurationError as err:
        _LOGGER.warning("template delay: %s", err)
        return None
    return duration if duration >= timedelta(0) else None


class _StateBasedEntity:
    """Renders its templates again when what they read changes (or each minute when
    they read the time) and writes the state they make."""

    def __init__(self, runtime: Runtime, definition: _Definition) -> None:
        self.runtime = runtime
        self.definition = definition
        self.entity_id = definition.entity_id
        self.tracked: frozenset[str] = frozenset()
        self.untrack: Unsubscribe | None = None
        self.untick: Unsubscribe | None = None
        self.delayed: Unsubscribe | None = None
        self.is_on: bool | None = None  # a binary sensor's state, None: unknown
        # As Home Assistant: renders caused by the entity's own change stop after a few.
        self.own_changes = 0
        self.last_name: str | None = None
        self.last_icon: str | None = None
        self.last_picture: str | None = None
        # As Home Assistant: a template reading whole domains (every state) renders at
        # most once a second (a minute) for changes of entities it did not name.
        self.named: frozenset[str] = frozenset()
        self.rate_limit: float | None = None
        self.rendered_at: datetime | None = None
        self.deferred: Unsubscribe | None = None

    def start(self) -> None:
        # As Home Assistant: the name, icon and picture are rendered once before the
        # rest, so an entity unavailable from the start has them.
        for kind in ("name", "icon", "picture"):
            self.render_shown(kind, _Reads(), {"this": None})
        self.update(None)

    def on_change(self, event: Event) -> None:
        if self.rate_limit is not None and event.data["entity_id"] not in self.named:
            assert self.rendered_at is not None
            due = self.rendered_at + timedelta(seconds=self.rate_limit)
            if due > self.runtime.now():
                if self.deferred is None:
                    self.deferred = self.runtime.scheduler.call_at(due, self.on_deferred)
                return
        self.update(event)

    def on_deferred(self, _: datetime) -> None:
        self.deferred = None
        self.update(None)

    def update(self, event: Event | None) -> None:
        if self.deferred is not None:
            self.deferred()
            self.deferred = None
        self.rendered_at = self.runtime.now()
        if event is not None and event.data["entity_id"] == self.entity_id:
            self.own_changes += 1
            if self.own_changes > 2 + len(self.definition.attributes):
                _LOGGER.warning("%s: template loop detected, render skipped", self.entity_id)
                return
        else:
            self.own_changes = 0
        context = event.context if event is not None else Context()
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current is not None else None}
        reads = _Reads()
        definition = self.definition
        if definition.availability is not None:
            shown = reads.render(definition.availability, variables, self.entity_id)
            if not isinstance(shown, TemplateError) and not as_boolean(shown):
                self.watch(reads)  # as Home Assistant: nothing else is rendered then
                self.write("unavailable", {}, context)
                return
        value = reads.render(definition.state, variables, self.entity_id)
        attributes = {
            key: _value(reads.render(template, variables, self.entity_id))
            for key, template in definition.attributes.items()
        }
        for kind in ("name", "icon", "picture"):
            self.render_shown(kind, reads, variables)
        self.watch(reads)
        failed = isinstance(value, TemplateError)
        if failed and definition.availability is None:
            self.write("unavailable", {}, context)
            return
        if definition.domain == "binary_sensor":
            self.update_binary(None if failed else as_boolean(value), attributes, context, reads)
            return
        state = _sensor_state(definition, None if failed else value)
        if state is not None:
            self.write(state, attributes, context)

    def render_shown(self, kind: str, reads: _Reads, variables: Mapping[str, Any]) -> None:
        template: Template | None = getattr(self.definition, kind)
        if template is None:
            return
        shown = reads.render(template, variables, self.entity_id)
        text = None if isinstance(shown, TemplateError) or shown is None else str(shown)
        if kind == "icon" and text is not None and ":" not in text:
            _LOGGER.error("%s: %r is not an icon", self.entity_id, text)
            text = None
        setattr(self, f"last_{kind}", text)

    def update_binary(
        self,
        state: bool | None,
        attributes: dict[str, Any],
        context: Context,
        reads: _Reads,
    ) -> None:
        # As Home Assistant: any new result cancels a pending delay.
        if self.delayed is not None:
            self.delayed()
            self.delayed = None
        if state == self.is_on or state is None:
            self.is_on = state
            self.write(_on_off(state), attributes, context)
            return
        raw = self.definition.delays.get("delay_on" if state else "delay_off")
        delay = (
            _duration_of(reads.render(raw, {}, self.entity_id))
            if isinstance(raw, Template)
            else raw
        )
        if not delay:
            self.is_on = state
            self.write(_on_off(state), attributes, context)
            return
        self.write(_on_off(self.is_on), attributes, context)

        def settle(_: datetime) -> None:
            self.delayed = None
            self.is_on = state
            self.write(_on_off(state), attributes, Context())

        self.delayed = self.runtime.scheduler.call_later(delay.total_seconds(), settle)

    def write(self, state: str, attributes: dict[str, Any], context: Context) -> None:
        fixed = self.definition.fixed_attributes()
        shown = {"icon": self.last_icon, "entity_picture": self.last_picture}
        full = {
            **fixed,
            **(attributes if state != "unavailable" else {}),
            **{key: value for key, value in shown.items() if value is not None},
        }
        if self.last_name:
            full["friendly_name"] = self.last_name
        self.runtime.states.set(self.entity_id, state, full, context=context)

    def watch(self, reads: _Reads) -> None:
        watched = reads.entities(self.runtime)
        if watched != self.tracked:
            if self.untrack is not None:
                self.untrack()
            self.tracked = watched
            self.untrack = self.runtime.states.track(watched, self.on_change) if watched else None
        self.named = frozenset(reads.read)
        self.rate_limit = 60.0 if reads.all_states else 1.0 if reads.domains else None
        if reads.has_time and self.untick is None:
            # As Home Assistant: at the start of each minute, not a minute from now.
            now = self.runtime.now()
            next_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
            self.untick = self.runtime.scheduler.call_every(60, self.on_tick, first=next_minute)

    def on_tick(self, _: datetime) -> None:
        self.update(None)


class _Reads:
    """What the renders of one update read: the entities to watch, whether the time."""

    __slots__ = ("all_states", "domains", "has_time", "read")

    def __init__(self) -> None:
        self.read: set[str] = set()
        self.domains: set[str] = set()
        self.all_states = False
        self.has_time = False

    def render(self, template: Template, variables: Mapping[str, Any], entity_id: str) -> Any:
        """The template's result, or the error it raised (logged)."""
        try:
            value, info = template.render_with_info(variables)
        except TemplateError as err:
            if err.read is not None:
                self.add(err.read)
            _LOGGER.error("%s: template %r: %s", entity_id, template.source, err)
            return err
        self.add(info)
        return value

    def add(self, info: RenderInfo) -> None:
        self.read.update(info.entities)
        self.domains.update(info.domains)
        self.all_states = self.all_states or bool(info.all_states)
        self.has_time = self.has_time or bool(info.has_time)

    def entities(self, runtime: Runtime) -> frozenset[str]:
        if not self.domains and not self.all_states:
            return frozenset(self.read)
        return frozenset(self.read) | frozenset(
            s.entity_id for s in runtime.states.all() if self.all_states or s.domain in self.domains
        )


def _value(result: Any) -> Any:
    """An attribute's value: None when its template failed."""
    return None if isinstance(result, TemplateError) else result


def _on_off(state: bool | None) -> str:
    return "unknown" if state is None else "on" if state else "off"


class _TriggerBlock:
    """A block with triggers: runs its ``action`` (when written), then hands the run's
    variables to its entities, as Home Assistant's trigger coordinator does."""

    def __init__(
        self, runtime: Runtime, entities: list[_TriggerBasedEntity], script: Script | None
    ) -> None:
        self.runtime = runtime
        self.entities = entities
        self.script = script

    def on_trigger(self, variables: dict[str, Any], context: Context | None) -> Any:
        if self.script is None:
            self.hand_over(variables, context)
            return None
        return self.run_action(variables, context)

    async def run_action(self, variables: dict[str, Any], context: Context | None) -> None:
        assert self.script is not None
        own = context.child("system", "template") if context is not None else Context()
        result = await self.script.run(variables, own)
        self.hand_over(result.variables or variables, context)

    def hand_over(self, variables: dict[str, Any], context: Context | None) -> None:
        for entity in self.entities:
            entity.on_data(variables, context or Context())


class _TriggerBasedEntity:
    """Rendered only when its block's trigger fires; ``unknown`` until then."""

    def __init__(self, runtime: Runtime, definition: _Definition) -> None:
        self.runtime = runtime
        self.definition = definition
        self.entity_id = definition.entity_id
        self.is_on: bool | None = None
        self.delayed: Unsubscribe | None = None
        self.auto_off: Unsubscribe | None = None
        self.last: dict[str, Any] = {}  # attributes last written

    def publish_first(self) -> None:
        """``unknown``, or the state kept from before a restart, as Home Assistant restores."""
        current = self.runtime.states.get(self.entity_id)
        if current is not None and current.restored and current.state not in _UNSET:
            if self.definition.domain == "binary_sensor":
                self.is_on = current.state == "on"
            return
        self.write("unknown", self.static_attributes(), Context())

    def static_attributes(self) -> dict[str, Any]:
        attributes = self.definition.fixed_attributes()
        for kind, key in (
            ("name", "friendly_name"),
            ("icon", "icon"),
            ("picture", "entity_picture"),
        ):
            template: Template | None = getattr(self.definition, kind)
            if template is not None and template.is_static:
                attributes[key] = template.source
        return attributes

    def on_data(self, run_variables: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **run_variables}
        rendered = self.render(variables)
        for pending in (self.delayed, self.auto_off):
            if pending is not None:
                pending()
        self.delayed = self.auto_off = None
        if rendered is None:  # as Home Assistant: a failed render makes it unavailable
            self.write("unavailable", self.static_attributes(), context)
            return
        available, value, attributes = rendered
        if not available:
            self.write("unavailable", attributes, context)
            return
        if self.definition.domain == "sensor":
            state = _sensor_state(self.definition, value)
            if state is not None:
                self.write(state, attributes, context)
            return
        self.update_binary(as_boolean(value), attributes, variables, context)

    def render(self, variables: Mapping[str, Any]) -> tuple[bool, Any, dict[str, Any]] | None:
        """Availability, state and attributes; None when a template failed."""
        definition = self.definition
        engine = get_template_engine(self.runtime)
        attributes = self.static_attributes()
        try:
            available = (
                definition.availability.render(variables) is not False
                if definition.availability is not None
                else True
            )
            value = definition.state.render(variables, parse_result=False)
            for kind, key in (
                ("name", "friendly_name"),
                ("icon", "icon"),
                ("picture", "entity_picture"),
            ):
                template: Template | None = getattr(definition, kind)
                if template is not None and not template.is_static:
                    attributes[key] = template.render(variables, parse_result=False)
            attributes.update(
                {
                    key: engine.render_complex(template.source, variables)
                    for key, template in definition.attributes.items()
                }
            )
        except TemplateError as err:
            _LOGGER.error("%s: error rendering a template: %s", self.entity_id, err)
            return None
        return available, value, attributes

    def update_binary(
        self,
        state: bool,
        attributes: dict[str, Any],
        variables: Mapping[str, Any],
        context: Context,
    ) -> None:
        delay = self.delay("delay_on" if state else "delay_off", variables)
        if state == self.is_on or delay is None:
            self.set_binary(state, attributes, variables, context)
            return

        def settle(_: datetime) -> None:
            self.delayed = None
            self.set_binary(state, attributes, variables, context)

        self.delayed = self.runtime.scheduler.call_later(delay.total_seconds(), settle)

    def set_binary(
        self,
        state: bool,
        attributes: dict[str, Any],
        variables: Mapping[str, Any],
        context: Context,
    ) -> None:
        self.is_on = state
        self.write(_on_off(state), attributes, context)
        auto_off = self.delay("auto_off", variables) if state else None
        if auto_off is None:
            return

        def turn_off(_: datetime) -> None:
            self.auto_off = None
            self.is_on = False
            self.write("off", self.last, Context())

        self.auto_off = self.runtime.scheduler.call_later(auto_off.total_seconds(), turn_off)

    def delay(self, key: str, variables: Mapping[str, Any]) -> timedelta | None:
        raw = self.definition.delays.get(key)
        if not isinstance(raw, Template):
            return raw or None
        try:
            value = raw.render(variables)
        except TemplateError as err:
            _LOGGER.warning("%s: error rendering %s: %s", self.entity_id, key, err)
            return None
        return _duration_of(value) or None

    def write(self, state: str, attributes: dict[str, Any], context: Context) -> None:
        self.last = attributes
        self.runtime.states.set(self.entity_id, state, attributes, context=context)
