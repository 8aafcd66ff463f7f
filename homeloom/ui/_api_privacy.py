"""Privacy: what is stored about each person, retention, erasing a person's data; the audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from homeloom.orchestrator import Context, Persistence, Runtime

from ._auth import require
from ._errors import ApiError
from ._http import API, persistence_of, read_body, reply, runtime_of
from ._keys import ACCOUNTS
from ._schemas import arr, ref

__all__: list[str] = []

_STORED = [
    "the last state of every entity, and their history (who or what changed them)",
    "where each person was: the history of their person entity and device trackers",
    "traces of scenario runs",
    "proposals and who decided them",
    "an audit log of commands, logins and decisions",
    "accounts: names, roles, password and token hashes",
]


def _counts(store: Persistence, table: str) -> dict[str, int]:
    rows = store.db.execute(
        f"SELECT user_id, COUNT(*) FROM {table} WHERE user_id IS NOT NULL GROUP BY user_id"
    )
    return {str(user): int(count) for user, count in rows}


def presence_of(runtime: Runtime, person: str) -> list[str]:
    """Where a person's whereabouts are kept: their person entity (the one whose
    ``user_id`` is their account, else ``person.<id>``) and the trackers that feed it."""
    people = runtime.states.all("person")
    linked = [p.entity_id for p in people if p.attributes.get("user_id") == person]
    entity_id = linked[0] if linked else f"person.{person}"
    state = runtime.states.get(entity_id)
    if state is None:
        return []
    trackers = state.attributes.get("device_trackers") or []
    source = state.attributes.get("source")
    found = [entity_id, *(str(t) for t in trackers if isinstance(t, str))]
    if isinstance(source, str) and source not in found:
        found.append(source)
    return found


def _privacy(request: web.Request, only: str | None) -> dict[str, Any]:
    runtime = runtime_of(request)
    store = persistence_of(runtime)
    accounts = request.app[ACCOUNTS]
    history, audit = _counts(store, "history"), _counts(store, "audit")
    people = sorted(set(history) | set(audit) | set(accounts.users))
    if only is not None:
        people = [only]
    return {
        "retention": {
            "history_days": store.history_retention / timedelta(days=1),
            "audit_days": store.audit_retention / timedelta(days=1),
        },
        "people": [
            {
                "user_id": person,
                "name": accounts.users[person].name if person in accounts.users else None,
                "history": history.get(person, 0),
                "audit": audit.get(person, 0),
                "presence_entities": presence_of(runtime, person),
                "presence": store.history_count(presence_of(runtime, person)),
            }
            for person in people
        ],
        "stored": list(_STORED),
    }


@API.route(
    "GET",
    "/api/privacy",
    "What is stored about each person (yourself only, unless admin) and the retention",
    tag="privacy",
    response=ref("Privacy"),
)
async def privacy(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    only = None if principal.role == "admin" else principal.user.username
    return reply(_privacy(request, only))


@API.route(
    "PUT",
    "/api/privacy/retention",
    "How long history and the audit log are kept, in days (admin)",
    tag="privacy",
    response=ref("Privacy"),
    body=ref("Retention"),
)
async def retention(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    body = await read_body(request, "Retention")
    store = persistence_of(runtime_of(request))
    for key, attribute in (
        ("history_days", "history_retention"),
        ("audit_days", "audit_retention"),
    ):
        if key in body:
            days = float(body[key])
            if not 1 <= days <= 3650:
                raise ApiError(400, "invalid", f"{key}: between 1 and 3650 days")
            setattr(store, attribute, timedelta(days=days))
    store.set_value(
        "ui_retention",
        "days",
        {
            "history_days": store.history_retention / timedelta(days=1),
            "audit_days": store.audit_retention / timedelta(days=1),
        },
    )
    store.audit("privacy", {"change": "retention", **body}, _ctx(principal.user.username))
    store.purge()
    return reply(_privacy(request, None))


def _ctx(user: str) -> Context:
    return Context(user_id=user, origin="user", source="ui")


@API.route(
    "POST",
    "/api/privacy/{user_id}/erase",
    "Erase what is stored about a person (an admin, or the person themselves)",
    tag="privacy",
    response=ref("Erased"),
)
async def erase(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    user_id = request.match_info["user_id"]
    if principal.role != "admin" and user_id != principal.user.username:
        raise ApiError(403, "forbidden", "only an admin erases someone else's data")
    runtime = runtime_of(request)
    store = persistence_of(runtime)
    removed = store.forget(user_id, presence_of(runtime, user_id))
    # The erasure itself is recorded, without the person's id.
    store.audit(
        "privacy",
        {"change": "erased", "rows": removed},
        _ctx(principal.user.username) if user_id != principal.user.username else None,
    )
    return reply({"user_id": user_id, "removed": removed})


@API.route(
    "GET",
    "/api/audit",
    "The audit log: commands, logins, decisions (admin)",
    tag="privacy",
    response=arr(ref("AuditEntry")),
    query=(
        ("kind", {"type": "string"}, False),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, False),
    ),
)
async def audit(request: web.Request) -> web.StreamResponse:
    require(request, "admin")
    store = persistence_of(runtime_of(request))
    try:
        limit = int(request.query.get("limit", "200"))
    except ValueError:
        raise ApiError(400, "invalid", "limit is a whole number") from None
    if not 1 <= limit <= 1000:
        raise ApiError(400, "invalid", "limit is between 1 and 1000")
    entries = store.audit_log(kind=request.query.get("kind") or None, limit=limit)
    return reply(
        [
            {
                "time": e.time.isoformat(),
                "kind": e.kind,
                "data": e.data,
                "context": e.context.as_dict(),
            }
            for e in entries
        ]
    )
