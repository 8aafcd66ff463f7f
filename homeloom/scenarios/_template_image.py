"""Template images: the ``image:`` items of a ``template:`` block, as Home Assistant
2024.3 makes them (state-based, or trigger-based in a block with ``trigger``).

An image's state is the time its ``url`` last changed (a trigger-based one's: the
time its trigger last fired), ``unknown`` before; it is not restored after a restart.
homeloom fetches no image: the url is only rendered, and the ``entity_picture`` and
``access_token`` attributes, random in Home Assistant, are derived from the entity id
so that a replay shows the same ones each time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from homeloom.orchestrator import Context, Runtime

from ._errors import ScenarioConfigError, fail, issue_at
from ._template_entity_config import _compile, _Definition, _entity_id, _optional_template
from ._template_state_entities import _Reads, _StateBasedEntity
from ._template_states import TemplateState
from ._template_trigger_entities import _TriggerBasedEntity
from ._templates import Template, TemplateError, get_template_engine

__all__ = ["template_images"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "image"
_KEYS = frozenset(
    {"name", "url", "verify_ssl", "unique_id", "availability", "icon", "picture", "attributes"}
)


def _token(entity_id: str) -> str:
    """A stand-in for Home Assistant's random access token: fixed per entity."""
    return hashlib.sha256(f"homeloom image {entity_id}".encode()).hexdigest()


def _image_attributes(entity_id: str, definition: _Definition) -> dict[str, Any]:
    token = _token(entity_id)
    attributes: dict[str, Any] = {"access_token": token}
    if definition.picture is None:  # as Home Assistant: the image's own address
        attributes["entity_picture"] = f"/api/image_proxy/{entity_id}?token={token}"
    return attributes


class StateImage(_StateBasedEntity):
    """A state-based template image: its state changes when its url does."""

    def __init__(self, runtime: Runtime, definition: _Definition) -> None:
        super().__init__(runtime, definition)
        self.url: Any = None
        self.updated: str | None = None

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        if isinstance(value, TemplateError):
            self.url = None  # as Home Assistant: the time stays
        elif self.updated is None or value != self.url:
            self.url = value
            self.updated = self.runtime.now().astimezone(UTC).isoformat()
        self.write(self.updated or "unknown", attributes, context)

    def fixed_attributes(self) -> dict[str, Any]:
        return super().fixed_attributes() | _image_attributes(self.entity_id, self.definition)


class TriggerImage(_TriggerBasedEntity):
    """A trigger-based template image: its state is the time its trigger last fired."""

    def publish_first(self) -> None:
        self.runtime.services.set_refresher(self.entity_id, self.refuse_refresh)
        self.write("unknown", self.shown_attributes({}), Context())

    def shown_attributes(self, rendered: Mapping[str, Any]) -> dict[str, Any]:
        return (
            self.static_attributes()
            | _image_attributes(self.entity_id, self.definition)
            | dict(rendered)
        )

    def on_data(self, run_variables: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **run_variables}
        rendered = self.render(variables)  # the url as the state template
        if rendered is None:
            self.write("unavailable", self.static_attributes(), context)
            return
        available, _, attributes = rendered
        if not available:
            self.write("unavailable", self.static_attributes(), context)
            return
        now = self.runtime.now().astimezone(UTC).isoformat()
        self.write(now, self.shown_attributes(attributes), context)


def _read_image(
    runtime: Runtime,
    entry: Any,
    entries: list[Any],
    number: int,
    path: str,
    block_id: Any,
    taken: set[str],
) -> _Definition:
    if not isinstance(entry, Mapping):
        raise fail(entries, number, path, "expected a mapping")
    valid = ", ".join(sorted(_KEYS))
    problems = [
        issue_at(entry, key, f"{path}.{key}", f"unknown key {key!r}; valid: {valid}")
        for key in entry
        if key not in _KEYS
    ]
    if "url" not in entry:
        problems.append(issue_at(entries, number, path, "missing 'url'"))
    if "verify_ssl" in entry and not isinstance(entry["verify_ssl"], bool):
        message = "expected a boolean (true or false)"
        problems.append(issue_at(entry, "verify_ssl", f"{path}.verify_ssl", message))
    attributes = entry.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        problems.append(issue_at(entry, "attributes", f"{path}.attributes", "expected a mapping"))
    if problems:
        raise ScenarioConfigError(problems)

    def compiled(key: str) -> Template | None:
        return _optional_template(runtime, entry, key, f"{path}.{key}")

    name = compiled("name") or get_template_engine(runtime).template("Template Image")
    definition = _Definition(
        domain=DOMAIN,
        entity_id="",
        name=name,
        state=compiled("url"),
        availability=compiled("availability"),
        icon=compiled("icon"),
        picture=compiled("picture"),
        attributes={
            str(key): _compile(runtime, attributes, key, f"{path}.attributes.{key}", str(value))
            for key, value in attributes.items()
        },
    )
    definition.entity_id = _entity_id(DOMAIN, name, entry, block_id, taken, runtime)
    return definition


def template_images(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str], *, triggered: bool
) -> list[_TriggerBasedEntity]:
    """The images of one ``template:`` block item: state-based ones started here, the
    trigger-based ones returned for the block's trigger to render."""
    entries = item.get(DOMAIN)
    if entries is None:
        return []
    entries = entries if isinstance(entries, list) else [entries]
    block_id = item.get("unique_id")
    definitions = [
        _read_image(runtime, entry, entries, number, f"{where}.{DOMAIN}[{number}]", block_id, taken)
        for number, entry in enumerate(entries)
    ]
    if triggered:
        return [TriggerImage(runtime, definition) for definition in definitions]
    for definition in definitions:
        StateImage(runtime, definition).start()
    return []
