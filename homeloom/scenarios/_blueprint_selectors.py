"""The checks Home Assistant 2024.3 makes on a blueprint input's ``selector:``.

Home Assistant refuses a whole blueprint (so every automation or script using it)
when one input's selector is not a mapping of exactly one known selector kind, or
when that kind's options hold a key it does not know, lack one it needs, or ask
a number slider without its ends. The values a resident later gives are not
checked against the selector, in Home Assistant as here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["selector_problem"]

_ENTITY_FILTER = frozenset({"integration", "domain", "device_class", "supported_features"})
_DEVICE_FILTER = frozenset({"integration", "manufacturer", "model"})

# Each selector kind of Home Assistant 2024.3 and the option keys its schema takes.
_OPTION_KEYS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        [
            "action",
            "assist_pipeline",
            "backup_location",
            "boolean",
            "color_rgb",
            "condition",
            "date",
            "datetime",
            "media",
            "object",
            "template",
            "time",
            "trigger",
        ],
        frozenset(),
    ),
    "addon": frozenset({"name", "slug"}),
    "area": frozenset({"device", "entity", "multiple"}),
    "attribute": frozenset({"entity_id", "hide_attributes"}),
    "color_temp": frozenset({"max", "max_mireds", "min", "min_mireds", "unit"}),
    "config_entry": frozenset({"integration"}),
    "constant": frozenset({"label", "translation_key", "value"}),
    "conversation_agent": frozenset({"language"}),
    "country": frozenset({"countries", "no_sort"}),
    "device": _DEVICE_FILTER | {"entity", "filter", "multiple"},
    "duration": frozenset({"enable_day"}),
    "entity": _ENTITY_FILTER | {"exclude_entities", "filter", "include_entities", "multiple"},
    "file": frozenset({"accept"}),
    "icon": frozenset({"placeholder"}),
    "language": frozenset({"languages", "native_name", "no_sort"}),
    "location": frozenset({"icon", "radius"}),
    "number": frozenset({"max", "min", "mode", "step", "unit_of_measurement"}),
    "qr_code": frozenset({"data", "error_correction_level", "scale"}),
    "select": frozenset({"custom_value", "mode", "multiple", "options", "sort", "translation_key"}),
    "state": frozenset({"entity_id"}),
    "target": frozenset({"device", "entity"}),
    "text": frozenset({"autocomplete", "multiline", "multiple", "prefix", "suffix", "type"}),
    "theme": frozenset({"include_default"}),
}
_REQUIRED_KEYS = {
    "attribute": ("entity_id",),
    "constant": ("value",),
    "file": ("accept",),
    "qr_code": ("data",),
    "select": ("options",),
    "state": ("entity_id",),
}


def selector_problem(selector: Any) -> str | None:
    """Why Home Assistant refuses ``selector`` (an input's ``selector:`` value), or None."""
    if not isinstance(selector, Mapping):
        return "a selector is a mapping of one selector kind"
    if len(selector) != 1:
        return f"a selector names one kind, not {', '.join(map(str, selector))}"
    kind, options = next(iter(selector.items()))
    allowed = _OPTION_KEYS.get(kind)
    if allowed is None:
        return f"unknown selector kind {kind!r}"
    if options is None:  # an empty selector (``boolean:``) takes every default
        return None
    if not isinstance(options, Mapping):
        return f"the {kind} selector's options are a mapping"
    unknown = sorted(str(key) for key in options if key not in allowed)
    if unknown:
        return f"the {kind} selector has no option {', '.join(unknown)}"
    missing = [key for key in _REQUIRED_KEYS.get(kind, ()) if key not in options]
    if missing:
        return f"the {kind} selector needs {', '.join(missing)}"
    if kind == "number":
        mode = options.get("mode", "slider")
        if mode not in ("slider", "box"):
            return f"a number selector's mode is slider or box, not {mode!r}"
        if mode == "slider" and ("min" not in options or "max" not in options):
            return "a number selector in slider mode needs min and max"
    return None
