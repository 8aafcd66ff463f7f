"""The approval inbox: proposals and deciding them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from homeloom.orchestrator import Proposal, Runtime

from ._auth import Principal, require, visible
from ._errors import ApiError
from ._http import API, proposals_of, reply, runtime_of
from ._schemas import arr, ref

__all__ = ["may_decide", "proposal_body", "proposal_visible"]


def may_decide(principal: Principal, proposal: Proposal) -> bool:
    if proposal.status != "pending":
        return False
    if principal.role == "guest" and proposal.guarded:
        return False
    return principal.role in proposal.roles


def proposal_visible(runtime: Runtime, principal: Principal, proposal: Proposal) -> bool:
    """A guest sees what names guests or only touches entities shared with them."""
    if principal.role != "guest" or "guest" in proposal.roles:
        return True
    ids = []
    for call in proposal.calls:
        value = (call.get("target") or {}).get("entity_id")
        ids.extend(value if isinstance(value, list) else [value] if value else [])
    return bool(ids) and all(visible(runtime, principal, str(e)) for e in ids)


def proposal_body(runtime: Runtime, principal: Principal, proposal: Proposal) -> dict[str, Any]:
    left = max((proposal.expires - runtime.now()).total_seconds(), 0.0)
    return {
        **proposal.as_dict(),
        "seconds_left": left if proposal.status == "pending" else 0.0,
        "may_decide": may_decide(principal, proposal),
    }


@API.route(
    "GET",
    "/api/proposals",
    "Pending proposals (or every proposal with status=all)",
    tag="proposals",
    response=arr(ref("Proposal")),
    query=(("status", {"type": "string", "enum": ["pending", "all"]}, False),),
)
async def proposals(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    inbox = proposals_of(runtime)
    which = request.query.get("status", "pending")
    if which not in ("pending", "all"):
        raise ApiError(400, "invalid", "status is pending or all")
    items = inbox.pending() if which == "pending" else inbox.history()
    return reply(
        [
            proposal_body(runtime, principal, p)
            for p in items
            if proposal_visible(runtime, principal, p)
        ]
    )


@API.route(
    "GET", "/api/proposals/{proposal_id}", "One proposal", tag="proposals", response=ref("Proposal")
)
async def proposal(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    found = _find(request, principal)
    return reply(proposal_body(runtime, principal, found))


def _find(request: web.Request, principal: Principal) -> Proposal:
    runtime = runtime_of(request)
    proposal_id = request.match_info["proposal_id"]
    found = next((p for p in proposals_of(runtime).history() if p.id == proposal_id), None)
    if found is None or not proposal_visible(runtime, principal, found):
        raise ApiError(404, "not_found", f"no proposal {proposal_id!r}")
    return found


def decide(
    runtime: Runtime, principal: Principal, proposal_id: str, approve: bool, channel: str
) -> Proposal:
    """Approve or reject for a person, with the checks and errors the API gives."""
    inbox = proposals_of(runtime)
    found = next((p for p in inbox.history() if p.id == proposal_id), None)
    if found is None or not proposal_visible(runtime, principal, found):
        raise ApiError(404, "not_found", f"no proposal {proposal_id!r}")
    if found.status != "pending":
        raise ApiError(409, "decided", f"proposal {proposal_id} is already {found.status}")
    if not may_decide(principal, found):
        reason = (
            "a guest cannot decide a guarded proposal"
            if found.guarded
            else (f"this proposal is decided by {', '.join(found.roles)}")
        )
        raise ApiError(403, "forbidden", reason)
    action = inbox.approve if approve else inbox.reject
    return action(
        proposal_id, user=principal.user.username, channel=channel, roles=(principal.role,)
    )


async def _decide(request: web.Request, approve: bool) -> web.StreamResponse:
    principal = require(request, "decide")
    runtime = runtime_of(request)
    channel = "dashboard" if principal.via == "session" else "api"
    decided = decide(runtime, principal, request.match_info["proposal_id"], approve, channel)
    return reply(proposal_body(runtime, principal, decided))


@API.route(
    "POST",
    "/api/proposals/{proposal_id}/approve",
    "Approve a proposal: its run goes on",
    tag="proposals",
    response=ref("Proposal"),
    errors=(401, 403, 404, 409),
)
async def approve(request: web.Request) -> web.StreamResponse:
    return await _decide(request, True)


@API.route(
    "POST",
    "/api/proposals/{proposal_id}/reject",
    "Reject a proposal: its run stops",
    tag="proposals",
    response=ref("Proposal"),
    errors=(401, 403, 404, 409),
)
async def reject(request: web.Request) -> web.StreamResponse:
    return await _decide(request, False)
