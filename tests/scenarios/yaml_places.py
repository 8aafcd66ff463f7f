"""What the YAML tests compare of a loaded value: its containers, keys (and their
types), items, strings and places, whatever form the places take."""

from __future__ import annotations

from typing import Any

from homeloom.scenarios._yaml_values import FilePlaces, YamlDict, YamlList, YamlStr


def places(value: Any) -> Any:
    """A container's places as comparable values: from its file's table, or as edited."""
    src = value._src
    if isinstance(src, FilePlaces):
        cells, start, end, keys = src.record(value) or ((), 0, 0, ())
        return ("loaded", src.file, list(cells[start:end]), keys)
    if src is None:
        return None
    return ("edited", src.file, src.at, list(src.table), src.keys, src.extra)


def internals(value: Any) -> Any:
    """A loaded value as comparable values, with everything two readers must agree on."""
    if isinstance(value, YamlDict):
        inner = [(key, type(key).__name__, internals(item)) for key, item in value.items()]
        return ("map", places(value), inner)
    if isinstance(value, YamlList):
        return ("seq", places(value), [internals(item) for item in value])
    if isinstance(value, YamlStr):
        return ("str", str(value), value._file, value._at)
    return (type(value).__name__, repr(value))
