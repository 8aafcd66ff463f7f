"""The entity ids automations name that the house does not know: warnings, not errors."""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, valid_entity_id

from ._automation import Automation
from ._errors import issue_written_at
from ._yaml import position_of

__all__ = ["_find_unknown"]


def _find_unknown(
    automation: Automation,
    known: Container[str],
    found: list[tuple[Any, str, str]],
    warnings: list[ConfigIssue],
) -> None:
    """A warning in ``warnings`` for each entity id ``automation`` names that
    ``known`` lacks; ``found``: an empty list to work in, left empty."""
    spec = automation.spec
    _collect_references(spec.triggers, known, found)
    if found:
        _warn_unknown(automation, "triggers", found, warnings)
    _collect_references(spec.conditions, known, found)
    if found:
        _warn_unknown(automation, "conditions", found, warnings)
    _collect_references(spec.actions, known, found)
    if found:
        _warn_unknown(automation, "actions", found, warnings)


def _warn_unknown(
    automation: Automation,
    section: str,
    found: list[tuple[Any, str, str]],
    warnings: list[ConfigIssue],
) -> None:
    """A warning in ``warnings`` for each of ``found`` (then emptied) that is an id."""
    for container, key, entity_id in found:
        if not valid_entity_id(entity_id):
            continue
        message = f"unknown entity {entity_id} (no adapter or helper provides it yet)"
        pos = position_of(container, key)
        warnings.append(
            issue_written_at(message, pos, f"{section}.entity_id", scenario=automation.label)
        )
    found.clear()


# --- lookups -----------------------------------------------------------------


# Values that hold no entity reference: skipped without a call or an ABC check.
_LEAVES = (str, int, float, type(None))


def _collect_references(
    value: Any, known: Container[str], found: list[tuple[Any, str, str]]
) -> None:
    """Add to ``found`` the (container, key, entity id) of every literal ``entity_id``
    inside ``value`` that ``known`` lacks (most are known: nothing is made for them)."""
    # dict and list before Mapping (an ABC, slow to check), and no generators: this
    # walks every scenario of the house.
    if isinstance(value, dict) or (not isinstance(value, list) and isinstance(value, Mapping)):
        for key, item in value.items():
            if key == "entity_id":
                if type(item) is str and item in known:  # one known id, as usually written
                    continue
                ids = item if isinstance(item, list) else [item]
                for entity_id in ids:
                    if isinstance(entity_id, str) and "{" not in entity_id:
                        for part in entity_id.split(","):
                            part = part.strip().lower()
                            if part not in known:
                                found.append((value, key, part))
            elif not isinstance(item, _LEAVES):
                _collect_references(item, known, found)
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, _LEAVES):
                _collect_references(item, known, found)
