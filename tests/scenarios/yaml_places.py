"""What the YAML tests compare of a loaded container: its places, whatever their form."""

from __future__ import annotations

from typing import Any

from homeloom.scenarios._yaml_values import FilePlaces


def places(value: Any) -> Any:
    """A container's places as comparable values: from its file's table, or as edited."""
    src = value._src
    if isinstance(src, FilePlaces):
        cells, start, end, keys = src.record(value) or ((), 0, 0, ())
        return ("loaded", src.file, list(cells[start:end]), keys)
    if src is None:
        return None
    return ("edited", src.file, src.at, list(src.table), src.keys, src.extra)
