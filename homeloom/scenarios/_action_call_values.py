"""What a call step reads from its configuration: templated values, a service name, entity ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, final

from homeloom.orchestrator import HomeloomError, valid_entity_id

from ._actions import Run
from ._templates import TemplateEngine, TemplateError

__all__ = ["CallRenderError", "_Templated", "_entity_ids", "_renderable", "_service_named"]


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
    :class:`ValueError` on anything else. One id written as it should be is kept as it is.
    No value at all (``entity_id:`` left empty) is ``none``, as there: nothing is targeted."""
    if value is None:
        return "none"
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
            raise ValueError(f"invalid entity ids: {value!r} (each is like light.kitchen)")
        entity_id = str(item).lower()
        if not (valid_entity_id(entity_id) or (registry_ids and _REGISTRY_ID.match(entity_id))):
            raise ValueError(f"invalid entity ids: {value!r} (each is like light.kitchen)")
        # A registry id as written: Home Assistant looks it up heeding case.
        ids.append(entity_id if valid_entity_id(entity_id) else str(item))
    return ids
