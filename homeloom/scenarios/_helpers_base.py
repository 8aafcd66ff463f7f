"""The common part of YAML helpers (``input_boolean:``, ``counter:``, ``timer:``...).

A helper kind is a pydantic model for one item's configuration and a class
that owns the item's entity: its state, its restore rules and its commands.
Bad items are reported with their position and skipped; the rest set up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Runtime,
    ServiceCall,
    State,
    Unsubscribe,
    slugify,
)

from ._errors import issue_at
from ._ha_restore import restored_state

__all__ = ["HelperConfig", "HelperEntity", "activate", "build_items", "setup_kind"]


class HelperConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str | None = None
    icon: str | None = None


class HelperEntity:
    """One helper entity; subclasses implement their state and their commands."""

    domain: ClassVar[str]
    config_model: ClassVar[type[HelperConfig]]
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {}
    # Home Assistant's ``editable`` attribute: false for a YAML item, true for one made in
    # its UI (:mod:`._helper_storage`); None for a kind without it (a group).
    editable: bool | None = None
    # What stops the entity taking commands, once it has been given them (``activate``).
    unprovide: Unsubscribe | None = None

    def __init__(self, runtime: Runtime, object_id: str, config: Any) -> None:
        self.runtime = runtime
        self.object_id = object_id
        self.entity_id = f"{self.domain}.{object_id}"
        self.take_options(config)

    def take_options(self, config: Any) -> None:
        self.config = config
        self.name = config.name or self.object_id.replace("_", " ").capitalize()

    def apply_reload(self, config: Any) -> None:
        """Take the options of a reload (``<domain>.reload``): as Home Assistant's helpers
        do, the state stays and the attributes follow the new options (kinds whose state
        depends on its options adjust it)."""
        self.take_options(config)
        current = self.runtime.states.get(self.entity_id)
        self.write(current.state if current is not None else "unknown")

    def remove(self, context: Context) -> None:
        """Drop the entity and its commands (a reload whose block no longer has it)."""
        if self.unprovide is not None:
            self.unprovide()
            self.unprovide = None
        self.runtime.states.remove(self.entity_id, context=context)

    def previous(self) -> State | None:
        """The state saved before a restart (homeloom's, else Home Assistant's), if any."""
        return restored_state(self.runtime, self.entity_id)

    def restore(self) -> None:
        """Set the first state, from configuration or from the restored one."""
        raise NotImplementedError

    def friendly_name(self) -> str | None:
        """The ``friendly_name`` attribute: as Home Assistant, none for an item written
        without a name (its state's name is then made from the object id)."""
        return self.config.name or None

    def attributes(self) -> dict[str, Any]:
        return {
            **({"editable": self.editable} if self.editable is not None else {}),
            **({"friendly_name": name} if (name := self.friendly_name()) else {}),
            **({"icon": self.config.icon} if self.config.icon else {}),
        }

    def write(self, state: str, context: Context | None = None, **extra: Any) -> None:
        self.runtime.states.set(
            self.entity_id, state, {**self.attributes(), **extra}, context=context or Context()
        )

    def handle(
        self, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        """Carry out a command: at once (most helpers), or as a coroutine (a group, which
        commands its members)."""
        raise NotImplementedError


HandlerFactory = Callable[[dict[str, HelperEntity]], Callable[[ServiceCall], Awaitable[None]]]


def setup_kind(
    runtime: Runtime,
    config: Mapping[str, Any],
    kind: type[HelperEntity],
    place: Callable[[HelperEntity], bool] | None = None,
) -> tuple[dict[str, HelperEntity], list[ConfigIssue]]:
    """Create every item of ``config[kind.domain]``; register the domain's commands.
    ``place`` may give an item another entity id, or keep it out by returning False
    (Home Assistant's entity registry does both)."""
    if config.get(kind.domain) is None:
        return {}, []
    built, issues = build_items(runtime, config, kind)
    items = {key: entity for key, entity in built.items() if place is None or place(entity)}
    activate(runtime, kind, items.values())
    return items, issues


def build_items(
    runtime: Runtime, config: Mapping[str, Any], kind: type[HelperEntity]
) -> tuple[dict[str, HelperEntity], list[ConfigIssue]]:
    """The entities of the good items of ``config[kind.domain]`` by their key, not yet
    given a state nor commands; the issues of the bad ones."""
    issues: list[ConfigIssue] = []
    items: dict[str, HelperEntity] = {}
    block = config.get(kind.domain)
    if block is None:
        return items, issues
    if not isinstance(block, Mapping):
        return items, [issue_at(config, kind.domain, kind.domain, "expected a mapping of items")]
    for object_id, item in block.items():
        path = f"{kind.domain}.{object_id}"
        if slugify(str(object_id)) != str(object_id):
            issues.append(issue_at(block, object_id, path, "the name must be a lower-case slug"))
            continue
        try:
            parsed = kind.config_model.model_validate(dict(item or {}))
        except ValidationError as err:
            issues.extend(_issues(err, item, block, object_id, path, kind.config_model))
            continue
        except (TypeError, ValueError):
            issues.append(issue_at(block, object_id, path, "expected a mapping of options"))
            continue
        try:
            items[str(object_id)] = kind(runtime, str(object_id), parsed)
        except ValueError as err:
            issues.append(issue_at(block, object_id, path, str(err)))
    return items, issues


def activate(runtime: Runtime, kind: type[HelperEntity], entities: Iterable[HelperEntity]) -> None:
    """Give created helpers their first state and their commands."""
    for entity in entities:
        entity.restore()
        entity.unprovide = runtime.services.set_provider(entity.entity_id, entity_provider(entity))
    for command, schema in kind.commands.items():
        if not runtime.services.has(kind.domain, command):
            runtime.services.register_entity_service(kind.domain, command, schema=schema)


def entity_provider(entity: HelperEntity) -> Any:
    """What carries out an entity service on a helper: the helper itself."""

    def run(
        entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        return entity.handle(service, data, context)

    return run


def _issues(
    err: ValidationError,
    item: Any,
    block: Any,
    object_id: Any,
    path: str,
    model: type[HelperConfig],
) -> list[ConfigIssue]:
    found: list[ConfigIssue] = []
    valid = ", ".join(sorted(model.model_fields))
    for error in err.errors():
        loc = [str(part) for part in error["loc"]]
        key = loc[0] if loc else None
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown option {key!r}; valid options: {valid}"
        container = item if isinstance(item, Mapping) and key in item else block
        found.append(
            issue_at(
                container,
                key if container is item else object_id,
                f"{path}.{key}" if key else path,
                message,
            )
        )
    return found
