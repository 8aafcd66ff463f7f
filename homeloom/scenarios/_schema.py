"""The JSON Schema of scenario YAML, for editors (yaml-language-server) and for tests.

The schema is built here and written to ``schema/automations.schema.json``;
a test keeps the file and this module in step, and checks that the schema and
the loader accept and refuse the same documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._actions import STEP_KINDS

__all__ = ["SCHEMA_FILE", "automation_schema", "write_schema"]

SCHEMA_FILE = Path(__file__).parent / "schema" / "automations.schema.json"
SCHEMA_ID = "https://homeloom.invalid/schema/automations.schema.json"

_TEMPLATE = {"type": "string", "pattern": "\\{[{%#]"}
_ENTITY_IDS = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
    ]
}
_DURATION = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string"},
        {
            "type": "object",
            "properties": {
                unit: {"anyOf": [{"type": "number"}, _TEMPLATE]}
                for unit in ("days", "hours", "minutes", "seconds", "milliseconds")
            },
            "additionalProperties": False,
        },
    ]
}
# Ids read as text (a tag's, a device's): one or a list; a number is its text.
_IDS = {
    "anyOf": [
        {"type": ["string", "number", "boolean", "null"]},
        {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
    ]
}
_VALUES = {"anyOf": [{"type": ["string", "number", "boolean", "null"]}, {"type": "array"}]}
# A persistent notification's kinds of change: one, or a list.
_UPDATE_TYPES = {
    "anyOf": [
        {"enum": ["current", "added", "removed", "updated"]},
        {"type": "array", "items": {"enum": ["current", "added", "removed", "updated"]}},
    ]
}
_COMMON_TRIGGER = {
    "id": {"type": ["string", "number"]},
    "alias": {"type": "string"},
    "enabled": {"anyOf": [{"type": "boolean"}, _TEMPLATE]},
    "variables": {"type": "object"},
}
_TRIGGERS: dict[str, dict[str, Any]] = {
    "state": {
        "entity_id": _ENTITY_IDS,
        "attribute": {"type": "string"},
        "from": _VALUES,
        "to": _VALUES,
        "not_from": _VALUES,
        "not_to": _VALUES,
        "for": _DURATION,
    },
    "numeric_state": {
        "entity_id": _ENTITY_IDS,
        "attribute": {"type": "string"},
        "above": {"type": ["number", "string"]},
        "below": {"type": ["number", "string"]},
        "value_template": {"type": "string"},
        "for": _DURATION,
    },
    "time": {"at": {"anyOf": [{"type": ["string", "object"]}, {"type": "array"}]}},
    "time_pattern": {
        "hours": {"type": ["string", "integer"]},
        "minutes": {"type": ["string", "integer"]},
        "seconds": {"type": ["string", "integer"]},
    },
    "sun": {"event": {"enum": ["sunrise", "sunset"]}, "offset": _DURATION},
    "event": {
        "event_type": _ENTITY_IDS,
        "event_data": {"type": "object"},
        "context": {"type": "object"},
    },
    "homeassistant": {"event": {"enum": ["start", "shutdown"]}},
    "template": {"value_template": {"type": "string"}, "for": _DURATION},
    "webhook": {
        "webhook_id": {"type": "string"},
        "allowed_methods": {"type": "array"},
        "local_only": {"type": "boolean"},
    },
    "zone": {
        "entity_id": _ENTITY_IDS,
        "zone": {"type": "string"},
        "event": {"enum": ["enter", "leave"]},
    },
    "mqtt": {
        "topic": {"type": "string"},
        "payload": {"type": "string"},
        "value_template": {"type": "string"},
        "qos": {"type": ["integer", "string"]},
        "encoding": {"type": "string"},
    },
    "device": {
        "device_id": {"type": "string"},
        "domain": {"type": "string"},
        "entity_id": {"type": "string"},
        "type": {"type": "string"},
        "subtype": {"type": "string"},
        "discovery_id": {"type": "string"},
        "above": {"type": ["number", "string"]},
        "below": {"type": ["number", "string"]},
        "for": _DURATION,
    },
    "calendar": {
        "event": {"enum": ["start", "end"]},
        "entity_id": {"type": "string"},
        "offset": _DURATION,
    },
    "conversation": {
        "command": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "tag": {"tag_id": _IDS, "device_id": _IDS},
    "persistent_notification": {
        "notification_id": {"type": "string"},
        "update_type": _UPDATE_TYPES,
    },
}


def _trigger_schema() -> dict[str, Any]:
    """A trigger: ``platform:`` (older) or ``trigger:`` (newer), then its own keys."""
    cases: list[dict[str, Any]] = []
    for platform, keys in _TRIGGERS.items():
        for selector in ("platform", "trigger"):
            cases.append(
                {
                    "if": {"properties": {selector: {"const": platform}}, "required": [selector]},
                    "then": {
                        "properties": {selector: {"const": platform}, **_COMMON_TRIGGER, **keys},
                        "additionalProperties": platform == "device",
                    },
                }
            )
    return {
        "type": "object",
        "anyOf": [{"required": ["platform"]}, {"required": ["trigger"]}],
        "properties": {"platform": {"type": "string"}, "trigger": {"type": "string"}},
        "allOf": cases,
    }


_CONDITION = {
    "anyOf": [
        {"type": "string", "description": "template shorthand"},
        {"type": "object", "required": ["condition"]},
        {"type": "object", "required": ["and"], "properties": {"and": {"type": "array"}}},
        {"type": "object", "required": ["or"], "properties": {"or": {"type": "array"}}},
        {"type": "object", "required": ["not"], "properties": {"not": {"type": "array"}}},
    ]
}
_ACTION = {
    "type": "object",
    "anyOf": [{"required": [key]} for key in STEP_KINDS],
    "properties": {
        "alias": {"type": "string"},
        "enabled": {"anyOf": [{"type": "boolean"}, _TEMPLATE]},
        "continue_on_error": {"type": "boolean"},
        "service": {"type": "string"},
        "action": {"type": "string"},
        "data": {"anyOf": [{"type": "object"}, _TEMPLATE]},
        "data_template": {"type": "object"},
        "target": {"anyOf": [{"type": "object"}, _TEMPLATE]},
        "response_variable": {"type": "string"},
        "delay": _DURATION,
        "wait_template": {"type": "string"},
        "timeout": _DURATION,
        "continue_on_timeout": {"type": "boolean"},
        "choose": {"anyOf": [{"type": "array"}, {"type": "object"}]},
        "default": {"anyOf": [{"type": "array"}, {"type": "object"}]},
        "repeat": {"type": "object"},
        "parallel": {"anyOf": [{"type": "array"}, {"type": "object"}]},
        "sequence": {"type": "array"},
        "variables": {"type": "object"},
        "stop": {"type": "string"},
        "error": {"type": "boolean"},
        "event_data": {"type": "object"},
        "event_data_template": {"type": "object"},
    },
}


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item}]}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def automation_schema() -> dict[str, Any]:
    """The schema of an automations file: one automation or a list of them."""
    modes = ["single", "restart", "queued", "parallel"]
    levels = ["auto", "suggest", "observe", "off"]
    automation = {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "number"]},
            "alias": {"type": "string"},
            "description": {"type": "string"},
            "triggers": _one_or_many(_ref("trigger")),
            "trigger": _one_or_many(_ref("trigger")),
            "conditions": _one_or_many(_ref("condition")),
            "condition": _one_or_many(_ref("condition")),
            "actions": _one_or_many(_ref("action")),
            "action": _one_or_many(_ref("action")),
            "mode": {"enum": modes},
            "max": {"type": "integer", "minimum": 2},
            "max_exceeded": {
                "enum": ["silent", "critical", "fatal", "error", "warning", "warn", "info", "debug"]
            },
            "mode_scope": {"enum": ["automation", "trigger_entity"]},
            "variables": {"type": "object"},
            "trigger_variables": {"type": "object"},
            "initial_state": {"type": "boolean"},
            "hide_entity": {"type": "boolean"},
            "trace": {
                "type": "object",
                "properties": {"stored_traces": {"type": "integer", "minimum": 0}},
            },
            "use_blueprint": {
                "type": "object",
                "required": ["path"],
                "properties": {"path": {"type": "string"}, "input": {"type": "object"}},
            },
            "autonomy": {"enum": levels},
            "approval_timeout": _DURATION,
            "approvers": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"enum": ["admin", "resident", "guest"]},
                        {"type": "string", "pattern": "^person\\.[a-z0-9_]+$"},
                    ]
                },
            },
            "guarded": _ENTITY_IDS,
        },
        "additionalProperties": False,
        "anyOf": [
            {"required": ["use_blueprint"]},
            {
                "allOf": [
                    {"anyOf": [{"required": ["triggers"]}, {"required": ["trigger"]}]},
                    {"anyOf": [{"required": ["actions"]}, {"required": ["action"]}]},
                ]
            },
        ],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "homeloom automations (Home Assistant automation dialect)",
        "$defs": {
            "automation": automation,
            "trigger": _trigger_schema(),
            "condition": _CONDITION,
            "action": _ACTION,
        },
        **_one_or_many(_ref("automation")),
    }


def write_schema(path: Path = SCHEMA_FILE) -> None:
    path.write_text(json.dumps(automation_schema(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_schema()
