"""The entities Home Assistant's ``group`` integration provides besides ``group.*``.

Platform groups (``light:``, ``switch:``, ``cover:``... items with ``platform: group``),
sensor groups, and the groups made in Home Assistant's UI are that integration's
entities. Home Assistant's ``expand()`` replaces every entity whose source is the
``group`` integration by its members (its ``entity_id`` attribute), so each of these
marks its entity here while it runs, and ``expand()`` asks.
"""

from __future__ import annotations

from homeloom.orchestrator import Runtime, Unsubscribe

__all__ = ["is_group_entity", "mark_group_entity"]

_COMPONENT = "group_entities"  # kept as ``runtime.components["group_entities"]``


class _GroupEntities(set[str]):
    """The entity ids of the running platform groups (not those of ``group.*``)."""


def _marked(runtime: Runtime) -> _GroupEntities:
    found = runtime.components.get(_COMPONENT)
    if not isinstance(found, _GroupEntities):
        found = runtime.components[_COMPONENT] = _GroupEntities()
    return found


def mark_group_entity(runtime: Runtime, entity_id: str) -> Unsubscribe:
    """Count ``entity_id`` as a group's until the returned function is called."""
    marked = _marked(runtime)
    marked.add(entity_id)
    return lambda: marked.discard(entity_id)


def is_group_entity(runtime: Runtime, entity_id: str) -> bool:
    """Whether ``expand()`` replaces ``entity_id`` by its members."""
    return entity_id.startswith("group.") or entity_id in _marked(runtime)
