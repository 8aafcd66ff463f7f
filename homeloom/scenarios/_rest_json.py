"""A RESTful sensor's ``json_attributes``: keys of the reply's JSON object, or of the
object ``json_attributes_path`` (a JSONPath) finds in it, as Home Assistant 2024.3
takes them.

The JSONPath forms read are the common ones: ``$`` (the whole reply), ``.key`` and
``['key']``, ``[n]`` (an item of a list), ``[*]`` and ``.*`` (every item or value) and
``..key`` (``key`` at any depth). Of everything a path finds, the first is used, as
there; one that finds nothing, or that uses another form, gives no attributes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["json_attributes", "json_path"]

_LOGGER = logging.getLogger(__name__)
# One step of a path: ..key, .key, .*, ['key'] or ["key"], [n], [*].
_STEP = re.compile(
    r"""\.\.(?P<deep>[^.\[]+)|\.(?P<key>[^.\[]+)|\[(?:'(?P<quoted>[^']*)'|"(?P<dquoted>[^"]*)"|(?P<index>-?\d+)|(?P<all>\*))\]"""
)


def json_path(document: Any, path: str) -> list[Any] | None:
    """What ``path`` finds in ``document``, in document order; None for a path of a
    form not read here."""
    text = path.strip()
    if not text.startswith("$"):
        return None
    found: list[Any] = [document]
    position = 1
    while position < len(text):
        step = _STEP.match(text, position)
        if step is None:
            return None
        position = step.end()
        found = [value for node in found for value in _follow(node, step)]
    return found


def _follow(node: Any, step: re.Match[str]) -> Iterator[Any]:
    if step["deep"] is not None:
        yield from _descend(node, step["deep"])
        return
    key = step["key"] if step["key"] is not None else step["quoted"] or step["dquoted"]
    if key == "*" or step["all"] is not None:
        yield from (
            node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else ()
        )
    elif step["index"] is not None:
        index = int(step["index"])
        if isinstance(node, list) and -len(node) <= index < len(node):
            yield node[index]
    elif isinstance(node, Mapping) and key in node:
        yield node[key]


def _descend(node: Any, key: str) -> Iterator[Any]:
    """``key``'s value in ``node`` and in everything under it, depth first."""
    if isinstance(node, Mapping):
        if key == "*":
            yield from node.values()
        elif key in node:
            yield node[key]
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        yield from _descend(child, key)


def json_attributes(value: str | None, keys: list[str], path: str | None) -> dict[str, Any]:
    """Those of ``keys`` the reply's JSON object (or the one ``path`` finds) holds; none,
    with a warning, when the reply is empty or not such an object."""
    if not value:
        _LOGGER.warning("Empty reply found when expecting JSON data")
        return {}
    try:
        document: Any = json.loads(value)
    except (ValueError, RecursionError):
        _LOGGER.warning("REST result could not be parsed as JSON")
        return {}
    if path is not None:
        found = json_path(document, path)
        document = found if found else False  # the JSONPath library's "nothing"
    if isinstance(document, list) and document:
        document = document[0]
    if isinstance(document, Mapping):
        return {key: document[key] for key in keys if key in document}
    _LOGGER.warning("JSON result was not a dictionary or list with 0th element a dictionary")
    return {}
