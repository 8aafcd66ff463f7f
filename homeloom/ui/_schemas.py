"""JSON Schemas of the API's bodies, shared by the OpenAPI document and its tests."""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMAS", "arr", "obj", "ref"]

Schema = dict[str, Any]
STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
LEVEL: Schema = {"type": "string", "enum": ["auto", "suggest", "observe", "off"]}
ROLE: Schema = {"type": "string", "enum": ["admin", "resident", "guest"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(
    properties: dict[str, Schema], required: list[str] | None = None, *, extra: bool = True
) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    schema["required"] = sorted(properties) if required is None else required
    if not extra:
        schema["additionalProperties"] = False
    return schema


SCHEMAS: dict[str, Schema] = {
    "Error": obj({"code": STRING, "message": STRING}),
    "Ok": obj({"ok": BOOLEAN}),
    "Context": obj(
        {
            "id": STRING,
            "parent_id": NULLABLE_STRING,
            "user_id": NULLABLE_STRING,
            "origin": STRING,
            "source": NULLABLE_STRING,
        }
    ),
    "State": obj(
        {
            "entity_id": STRING,
            "state": STRING,
            "attributes": {"type": "object"},
            "last_changed": {"type": "string", "format": "date-time"},
            "last_updated": {"type": "string", "format": "date-time"},
            "context": ref("Context"),
            "area_id": NULLABLE_STRING,
        }
    ),
    "Area": obj({"id": STRING, "name": STRING, "floor": NULLABLE_STRING, "entities": arr(STRING)}),
    "Thing": obj(
        {
            "id": STRING,
            "name": STRING,
            "adapter": STRING,
            "area_id": NULLABLE_STRING,
            "manufacturer": NULLABLE_STRING,
            "model": NULLABLE_STRING,
            "entities": arr(STRING),
        }
    ),
    "Service": obj(
        {
            "description": STRING,
            "fields": {"type": "object"},
            "target": STRING,
            "entity_domains": arr(STRING),
            "response": STRING,
        }
    ),
    "CallResult": obj(
        {"ok": BOOLEAN, "response": {"type": ["object", "null"]}, "context": ref("Context")}
    ),
    "Trust": obj({"approved": INTEGER, "rejected": INTEGER, "expired": INTEGER, "streak": INTEGER}),
    "Scenario": obj(
        {
            "entity_id": STRING,
            "id": NULLABLE_STRING,
            "label": STRING,
            "name": STRING,
            "enabled": BOOLEAN,
            "last_triggered": NULLABLE_STRING,
            "level": {
                "type": ["string", "null"],
                "enum": ["auto", "suggest", "observe", "off", None],
            },
            "effective_level": LEVEL,
            "trust": ref("Trust"),
            "runs": INTEGER,
        }
    ),
    "Trace": obj(
        {
            "run_id": STRING,
            "item_id": STRING,
            "trigger": NULLABLE_STRING,
            "state": STRING,
            "script_execution": NULLABLE_STRING,
            "error": NULLABLE_STRING,
            "started": NULLABLE_STRING,
            "finished": NULLABLE_STRING,
            "context": {"type": "object"},
            "variables": {"type": "object"},
            "steps": {"type": "object"},
        },
        required=["run_id", "item_id", "state", "steps", "started"],
    ),
    "Why": obj(
        {
            "entity_id": STRING,
            "state": ref("State"),
            "scenario": {"anyOf": [ref("Scenario"), {"type": "null"}]},
            "trace": {"anyOf": [ref("Trace"), {"type": "null"}]},
            "user_id": NULLABLE_STRING,
            "origin": STRING,
        }
    ),
    "Proposal": obj(
        {
            "id": STRING,
            "scenario": NULLABLE_STRING,
            "calls": arr({"type": "object"}),
            "sentence": STRING,
            "roles": arr(STRING),
            "created": STRING,
            "expires": STRING,
            "guarded": BOOLEAN,
            "kind": STRING,
            "trace": {"type": "object"},
            "status": {
                "type": "string",
                "enum": ["pending", "approved", "rejected", "expired", "withdrawn"],
            },
            "decided_by": NULLABLE_STRING,
            "decided_at": NULLABLE_STRING,
            "channel": NULLABLE_STRING,
            "note": NULLABLE_STRING,
            "seconds_left": {"type": "number"},
            "may_decide": BOOLEAN,
        }
    ),
    "Autonomy": obj(
        {
            "household": LEVEL,
            "scenarios": {"type": "object", "additionalProperties": LEVEL},
            "assemblages": {"type": "object", "additionalProperties": LEVEL},
            "guarded_services": arr(STRING),
            "guarded_entities": arr(STRING),
            "lifted": arr(STRING),
        }
    ),
    "HistoryPoint": obj({"state": STRING, "value": {"type": ["number", "null"]}, "time": STRING}),
    "History": obj(
        {
            "entity_id": STRING,
            "start": STRING,
            "end": STRING,
            "unit": NULLABLE_STRING,
            "points": arr(ref("HistoryPoint")),
        }
    ),
    "ConfigIssue": obj(
        {
            "message": STRING,
            "file": NULLABLE_STRING,
            "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]},
            "key": NULLABLE_STRING,
        },
        required=["message"],
    ),
    "ConfigCheck": obj(
        {
            "ok": BOOLEAN,
            "errors": arr(ref("ConfigIssue")),
            "warnings": arr(ref("ConfigIssue")),
            "scenarios": {"type": "object"},
        }
    ),
    "User": obj({"username": STRING, "name": STRING, "role": ROLE, "shared": arr(STRING)}),
    "Session": obj({"user": ref("User"), "csrf_token": NULLABLE_STRING}),
    "Onboarding": obj({"needed": BOOLEAN}),
    "Token": obj({"id": STRING, "username": STRING, "name": STRING, "created": STRING}),
    "NewToken": obj(
        {"id": STRING, "username": STRING, "name": STRING, "created": STRING, "token": STRING}
    ),
    "PersonData": obj(
        {
            "user_id": STRING,
            "name": NULLABLE_STRING,
            "history": INTEGER,
            "audit": INTEGER,
            "presence_entities": arr(STRING),
            "presence": INTEGER,
        }
    ),
    "Privacy": obj(
        {
            "retention": obj(
                {"history_days": {"type": "number"}, "audit_days": {"type": "number"}}
            ),
            "people": arr(ref("PersonData")),
            "stored": arr(STRING),
        }
    ),
    "Erased": obj({"user_id": STRING, "removed": INTEGER}),
    "AuditEntry": obj(
        {"time": STRING, "kind": STRING, "data": {"type": "object"}, "context": ref("Context")}
    ),
    "Assemblage": obj(
        {
            "id": STRING,
            "name": STRING,
            "enabled": BOOLEAN,
            "autonomy": LEVEL,
            "members": {"type": "object", "additionalProperties": arr(STRING)},
            "roles": {"type": "object", "additionalProperties": STRING},
            "scenarios": arr(
                obj({"entity_id": STRING, "name": STRING, "enabled": BOOLEAN}, extra=True)
            ),
            "derived": {"type": "object"},
        }
    ),
    "Discovered": obj(
        {
            "id": STRING,
            "adapter": STRING,
            "key": STRING,
            "name": STRING,
            "host": NULLABLE_STRING,
            "port": {"type": ["integer", "null"]},
            "properties": {"type": "object", "additionalProperties": STRING},
            "config": {"type": "object"},
            "source": {"type": "string", "enum": ["zeroconf", "adapter"]},
            "service": NULLABLE_STRING,
            "found": {"type": "string", "format": "date-time"},
        }
    ),
    "Ignored": obj(
        {
            "id": STRING,
            "adapter": STRING,
            "name": STRING,
            "by": NULLABLE_STRING,
            "at": STRING,
        }
    ),
    "Adopted": obj(
        {
            "ok": BOOLEAN,
            "name": STRING,
            "adapter": STRING,
            "running": BOOLEAN,
            "failures": INTEGER,
            "last_error": NULLABLE_STRING,
            "entities": arr(STRING),
        }
    ),
}

# Request bodies.
BODIES: dict[str, Schema] = {
    "Login": obj({"username": STRING, "password": STRING}, extra=False),
    "Onboard": obj(
        {"code": STRING, "username": STRING, "name": STRING, "password": STRING},
        required=["code", "username", "password"],
        extra=False,
    ),
    "Call": obj(
        {"data": {"type": "object"}, "target": {"type": "object"}}, required=[], extra=False
    ),
    "Level": obj({"level": LEVEL}, extra=False),
    "Guard": obj({"lifted": BOOLEAN}, extra=False),
    "NewUser": obj(
        {
            "username": STRING,
            "name": STRING,
            "password": STRING,
            "role": ROLE,
            "shared": arr(STRING),
        },
        required=["username", "password", "role"],
        extra=False,
    ),
    "UserChange": obj({"role": ROLE, "shared": arr(STRING)}, required=[], extra=False),
    "NewTokenRequest": obj({"name": STRING}, extra=False),
    "Retention": obj(
        {"history_days": {"type": "number"}, "audit_days": {"type": "number"}},
        required=[],
        extra=False,
    ),
    "ScenarioYaml": obj({"yaml": STRING}, extra=False),
}
