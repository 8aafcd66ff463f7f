"""Triggers: what starts a scenario. Both generations (``platform:`` and ``trigger:``).

This module validates and attaches them and holds what they share; the
platforms are in ``_trigger_state`` (state, numeric_state), ``_trigger_event``
(event, homeassistant, zone, device, conversation), ``_trigger_time``,
``_trigger_mqtt``, ``_trigger_webhook``, ``_trigger_calendar`` and ``_trigger_tag``;
the ``for:`` they share is in ``_trigger_waits``.
Each attached trigger calls ``callback({"trigger": data, **variables}, context)``.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from homeloom.orchestrator import ConfigIssue, Context, Runtime, Unsubscribe, valid_entity_id

from ._errors import ScenarioConfigError, fail, issue_at
from ._platform_options import read_boolean
from ._templates import TemplateEngine, TemplateError, get_template_engine

__all__ = [
    "TriggerCallback",
    "attach_triggers",
    "normalised_triggers",
    "validate_triggers",
]

_LOGGER = logging.getLogger(__name__)
# The key of a trigger's config holding the automation's rendered trigger_variables
# (Home Assistant's ``trigger_info["variables"]``), stamped by ``attach_triggers``.
TRIGGER_VARIABLES = "_variables"
TriggerCallback = Callable[[dict[str, Any], Context | None], Awaitable[None] | None]
Fire = Callable[[dict[str, Any], Context | None], None]
Attach = Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe]
Validate = Callable[[Runtime, Mapping[str, Any]], None]


# A tuple, not ``list | tuple``: that union would be made again at each check.
_SEQUENCES = (list, tuple)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, _SEQUENCES) else [value]


@functools.cache
def _all_platforms() -> dict[str, tuple[Attach, Validate]]:
    """Every trigger platform, gathered once from the trigger modules (which import
    this one, hence the late import)."""
    from ._trigger_calendar import CALENDAR_PLATFORMS
    from ._trigger_event import EVENT_PLATFORMS
    from ._trigger_geo import GEO_PLATFORMS
    from ._trigger_mqtt import MQTT_PLATFORMS
    from ._trigger_notification import NOTIFICATION_PLATFORMS
    from ._trigger_state import STATE_PLATFORMS
    from ._trigger_tag import TAG_PLATFORMS
    from ._trigger_time import TIME_PLATFORMS
    from ._trigger_webhook import WEBHOOK_PLATFORMS

    return {
        **STATE_PLATFORMS,
        **EVENT_PLATFORMS,
        **TIME_PLATFORMS,
        **MQTT_PLATFORMS,
        **WEBHOOK_PLATFORMS,
        **CALENDAR_PLATFORMS,
        **TAG_PLATFORMS,
        **GEO_PLATFORMS,
        **NOTIFICATION_PLATFORMS,
    }


def validate_triggers(
    runtime: Runtime, configs: Any, *, path: str = "triggers"
) -> list[dict[str, Any]]:
    """Each trigger with its ``platform`` named; every problem reported with its place."""
    platforms = _all_platforms()
    result: list[dict[str, Any]] = []
    issues = []
    # A list as loaded is read as it is: no copy, and it knows where each item was written.
    items = configs if isinstance(configs, list) else as_list(configs)
    for index, config in enumerate(items):
        where = _place(path, index)
        # dict first: a loaded mapping is one, and the ABC check costs more.
        if not isinstance(config, dict) and not isinstance(config, Mapping):
            issues.append(issue_at(items, index, where, "a trigger must be a mapping"))
            continue
        platform = config.get("platform", config.get("trigger"))
        if platform is None:
            issues.append(issue_at(config, None, where, "missing 'trigger' (or 'platform')"))
            continue
        platform = str(platform)
        if platform not in platforms:
            key = "platform" if "platform" in config else "trigger"
            valid = ", ".join(sorted(platforms))
            issues.append(
                issue_at(
                    config, key, f"{where}.{key}", f"unknown trigger {platform!r}; valid: {valid}"
                )
            )
            continue
        normalised = _normalised(config, platform, index, where)
        try:
            _check_base_options(get_template_engine(runtime), normalised)
            platforms[platform][1](runtime, normalised)
        except ScenarioConfigError as err:
            issues.extend(_placed(err.issues, config, where))
            continue
        result.append(normalised)
    if issues:
        raise ScenarioConfigError(issues)
    return result


def read_enabled(engine: TemplateEngine, config: Mapping[str, Any], path: str) -> bool | str:
    """A trigger's, condition's or step's ``enabled`` as Home Assistant reads it
    (``cv.boolean``: "off", "no" or 0 turn it off too); a template (a later release's
    form) is kept as written, to render when it is used."""
    value = config.get("enabled", True)
    if value is True:
        return True
    if isinstance(value, str) and engine.is_template(value):
        return value
    try:
        return read_boolean(value)
    except ValueError:
        message = f"enabled must be true or false, got {value!r}"
        raise fail(config, "enabled", f"{path}.enabled", message) from None


# Each platform's own keys, as Home Assistant 2024.3's schemas allow: any other is
# refused there (a ``state:`` written in a state trigger for ``to:`` would otherwise
# leave it firing on every change). A device trigger takes its integration's keys.
_BASE_TRIGGER_KEYS = frozenset(
    {"platform", "alias", "id", "variables", "enabled", "_index", "_path", "_checkpoint"}
)
_PLATFORM_KEYS: dict[str, frozenset[str]] = {
    platform: _BASE_TRIGGER_KEYS | keys
    for platform, keys in {
        "state": {"entity_id", "for", "attribute", "from", "not_from", "to", "not_to"},
        "numeric_state": {"entity_id", "for", "attribute", "value_template", "above", "below"},
        "event": {"event_type", "event_data", "context"},
        "homeassistant": {"event"},
        "time": {"at"},
        "time_pattern": {"hours", "minutes", "seconds"},
        "sun": {"event", "offset"},
        "template": {"value_template", "for"},
        "zone": {"entity_id", "zone", "event"},
        "geo_location": {"source", "zone", "event"},
        "tag": {"tag_id", "device_id"},
        "webhook": {"webhook_id", "allowed_methods", "local_only"},
        "mqtt": {"topic", "payload", "value_template", "encoding", "qos"},
        "calendar": {"entity_id", "event", "offset"},
        "conversation": {"command"},
    }.items()
}


def _check_base_options(engine: TemplateEngine, config: dict[str, Any]) -> None:
    """What every trigger may have: as Home Assistant, an ``id`` and an ``alias`` are
    texts as written (an unquoted ``id: 1`` is refused there), ``enabled`` a boolean;
    and no key its platform does not know."""
    path = config["_path"]
    allowed = _PLATFORM_KEYS.get(config["platform"])
    if allowed is not None and not allowed.issuperset(config):
        key = next(key for key in config if key not in allowed)
        valid = ", ".join(sorted(k for k in allowed if not k.startswith("_")))
        message = f"unknown key {key!r} in a {config['platform']} trigger; valid: {valid}"
        raise fail(config, key, f"{path}.{key}", message)
    for key in ("id", "alias"):
        if key in config and not isinstance(config[key], str):
            message = f"a trigger's {key} must be text, got {config[key]!r}: quote it"
            raise fail(config, key, f"{path}.{key}", message)
    read_enabled(engine, config, path)


def _placed(
    issues: Sequence[ConfigIssue], config: Mapping[str, Any], where: str
) -> list[ConfigIssue]:
    """The platform's issues, each placed where it was written: a platform reads a
    plain copy of the trigger (``_normalised``), which knows no places, so an issue
    is placed again at its key (or the trigger) in the trigger as loaded."""
    placed = []
    for issue in issues:
        if issue.line is None and issue.key is not None and issue.key.startswith(f"{where}."):
            key = issue.key[len(where) + 1 :].partition(".")[0].partition("[")[0]
            issue = issue_at(config, key if key in config else None, issue.key, issue.message)
        elif issue.line is None and issue.key == where:  # the whole trigger: placed at it
            issue = issue_at(config, None, where, issue.message)
        placed.append(issue)
    return placed


@functools.cache
def _place(path: str, index: int) -> str:
    """``triggers[0]``: one string for every scenario's first trigger, kept (cached) so
    that each enabling finds it rather than making and interning it again."""
    return sys.intern(f"{path}[{index}]")


def _normalised(config: Mapping[str, Any], platform: str, index: int, where: str) -> dict[str, Any]:
    """A trigger as the platforms read it: ``platform`` named, its place (``_index``,
    ``_path``: "triggers[0]") added, and no ``trigger`` key."""
    normalised = {**config, "platform": platform, "_index": index, "_path": where}
    normalised.pop("trigger", None)
    return normalised


def normalised_triggers(configs: Any, *, path: str = "triggers") -> list[dict[str, Any]]:
    """What ``validate_triggers`` returned for ``configs``, made again without checking:
    for a scenario that keeps its triggers as written (its configuration) rather than a
    checked copy of each, since they are read only when attached."""
    items = configs if isinstance(configs, list) else as_list(configs)
    return [
        _normalised(
            config,
            str(config.get("platform", config.get("trigger"))),
            index,
            _place(path, index),
        )
        for index, config in enumerate(items)
    ]


def attach_triggers(
    runtime: Runtime,
    configs: Sequence[dict[str, Any]],
    callback: TriggerCallback,
    *,
    name: str,
    variables: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    checkpoint: str | None = None,
) -> Unsubscribe:
    """Attach every enabled trigger; returns one callable detaching them all.

    ``variables``: what the triggers' own templates are rendered with (an automation's
    ``this`` and ``trigger_variables``), or a function making them, called only when a
    trigger templates one of the keys its platform renders (most never do). With
    ``checkpoint`` (a scenario key), counting ``for:`` durations are saved and resume
    after a restart. A plain function: every platform attaches at once, and a start
    that enables thousands of scenarios makes no coroutine for each.
    """
    platforms = _all_platforms()
    detach: list[Unsubscribe] = []
    make_variables = variables if callable(variables) else None
    known = None if callable(variables) else variables
    for config in configs:
        written_enabled = config.get("enabled", True) is not True  # a template, false, "off"...
        if make_variables is not None and (
            written_enabled or _renders_variables(get_template_engine(runtime), config)
        ):
            known, make_variables = make_variables(), None
        if written_enabled:
            engine = get_template_engine(runtime)
            enabled = read_enabled(engine, config, config.get("_path", "triggers"))
            if type(enabled) is str:
                enabled = engine.template(enabled).render(known or {})
            if enabled is False or str(enabled).lower() == "false":
                continue
        fire = (
            _FirerWithVariables(runtime, get_template_engine(runtime), config, callback, name)
            if config.get("variables")
            else _Firer(runtime, config, callback, name)
        )
        if checkpoint is not None and config.get("for") is not None:  # only a for: is saved
            key = f"{checkpoint}:{config['_index']}"
            if config.get("_checkpoint") != key:  # else stamped by the owner, kept as is
                config = {**config, "_checkpoint": key}
        if known:  # for what the platform renders
            config = {**config, TRIGGER_VARIABLES: known}
        detach.append(platforms[config["platform"]][0](runtime, config, fire))
    if len(detach) == 1:  # the usual single trigger: nothing to gather
        return detach[0]

    def detach_all() -> None:
        for undo in detach:
            undo()

    return detach_all


# The keys each platform renders with the automation's variables, as Home Assistant
# renders them with its ``trigger_info["variables"]``.
_RENDERED_KEYS: dict[str, tuple[str, ...]] = {
    "template": ("value_template", "for"),
    "state": ("for",),
    "numeric_state": ("value_template", "for"),
    "event": ("event_type", "event_data", "context"),
    "mqtt": ("topic", "payload"),
}


def _renders_variables(engine: TemplateEngine, config: Mapping[str, Any]) -> bool:
    keys = _RENDERED_KEYS.get(config["platform"])
    return keys is not None and any(engine.contains_template(config.get(key)) for key in keys)


class _Firer:
    """Hands one attached trigger's data to its scenario, with the trigger's own fields.

    An object rather than a closure: a large house keeps one per trigger, and a few
    slots weigh a fraction of a function with its cells. A trigger with ``variables``
    is a :class:`_FirerWithVariables`, so the others keep no slots for them.
    """

    __slots__ = ("base", "callback", "name", "runtime")

    def __init__(
        self,
        runtime: Runtime,
        config: Mapping[str, Any],
        callback: TriggerCallback,
        name: str,
    ) -> None:
        self.runtime = runtime
        self.callback = callback
        self.name = name
        # Never changed (each firing copies it): a trigger without an id or an alias
        # shares it with every trigger of its platform at its place.
        self.base = _base_of(config)

    def __call__(self, data: dict[str, Any], context: Context | None) -> None:
        # As _hand_over, inline: on every firing.
        result = self.callback({"trigger": {**self.base, **data}}, context)
        if result is not None:
            self.runtime.create_task(_await(result), name=f"run {self.name}")

    def _hand_over(self, variables: dict[str, Any], context: Context | None) -> None:
        result = self.callback(variables, context)
        if result is not None:
            self.runtime.create_task(_await(result), name=f"run {self.name}")


class _FirerWithVariables(_Firer):
    """A :class:`_Firer` whose trigger has ``variables``, rendered at each firing."""

    __slots__ = ("engine", "trigger_variables")

    def __init__(
        self,
        runtime: Runtime,
        engine: TemplateEngine,
        config: Mapping[str, Any],
        callback: TriggerCallback,
        name: str,
    ) -> None:
        super().__init__(runtime, config, callback, name)
        self.engine = engine
        self.trigger_variables = config["variables"]

    def __call__(self, data: dict[str, Any], context: Context | None) -> None:
        trigger = {**self.base, **data}
        variables: dict[str, Any] = {"trigger": trigger}
        try:
            rendered = self.engine.render_complex(dict(self.trigger_variables), variables)
        except TemplateError as err:
            _LOGGER.error("%s: trigger variables: %s", self.name, err)
            return
        variables.update(rendered)
        self._hand_over(variables, context)


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable


# The trigger data's own fields of the triggers without an id or an alias, by place
# and platform: a few, met in thousands of scenarios.
_ANONYMOUS_BASES: dict[tuple[int, str], dict[str, Any]] = {}


def _base_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every firing of the trigger starts from (``id``, ``idx``...)."""
    index: int = config["_index"]
    platform: str = config["platform"]
    anonymous = "id" not in config and "alias" not in config
    if anonymous:
        base = _ANONYMOUS_BASES.get((index, platform))
        if base is not None:
            return base
    base = {
        "id": str(config.get("id", index)),
        "idx": str(index),
        "alias": config.get("alias"),
        "platform": platform,
    }
    if anonymous:
        _ANONYMOUS_BASES[(index, platform)] = base
    return base


# One entity id as written (a plain string) -> the valid id it names, lower case and
# shared: a large house names each entity in several scenarios, and a trigger's ids
# are read again at each enabling. Only valid ids are kept (an error is found again).
_NAMED_IDS: dict[str, str] = {}
_NAMED_IDS_LIMIT = 100_000


def written_entity_ids(raw: Any) -> list[str]:
    """The entity ids ``raw`` names, as written (one id, ids separated by commas, or a
    list): lower case and shared, empty ones left out. Not checked: the caller says
    which one is not an entity id, in its own words."""
    if isinstance(raw, str) and "," not in raw:  # one id, as usually written: no lists
        named = _NAMED_IDS.get(raw)
        if named is not None:
            return [named]
        entity_id = raw.strip().lower()
        if entity_id and valid_entity_id(entity_id):
            entity_id = sys.intern(entity_id)
            if type(raw) is str and len(_NAMED_IDS) < _NAMED_IDS_LIMIT:  # not a loaded value
                _NAMED_IDS[raw] = entity_id
            return [entity_id]
        return [entity_id] if entity_id else []
    ids = [str(v).strip().lower() for item in as_list(raw) for v in str(item).split(",")]
    return [sys.intern(i) for i in ids if i]  # the same entity's id shared by its scenarios


def entity_ids_of(config: Mapping[str, Any], key: str = "entity_id") -> list[str]:
    raw = config.get(key)
    if key == "entity_id" and isinstance(raw, _SEQUENCES) and not raw:
        # An empty list is no entities to watch, not a missing key, for Home Assistant
        # (an optional blueprint input's ``default: []`` lands here): it never fires.
        return []
    ids = written_entity_ids(raw)
    if not ids:
        raise fail(config, key, f"{config['_path']}.{key}", f"'{key}' is required")
    for entity_id in ids:
        if not valid_entity_id(entity_id):
            raise fail(
                config, key, f"{config['_path']}.{key}", f"{entity_id!r} is not an entity id"
            )
    return ids


_T = TypeVar("_T")
_SHARED: dict[Any, Any] = {}


def shared(value: _T) -> _T:
    """One object for all equal immutable values (hashable): the same accepted states,
    the same service name, met in thousands of scenarios."""
    return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]
