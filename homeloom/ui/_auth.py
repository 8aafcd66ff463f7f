"""Who is asking: a session cookie (with its CSRF token) or a bearer token; what they may do."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from homeloom.orchestrator import Runtime

from ._accounts import Session, User
from ._errors import ApiError
from ._keys import ACCOUNTS

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "Permission",
    "Principal",
    "allow",
    "auth_middleware",
    "principal_of",
    "require",
    "visible",
]

COOKIE = "homeloom_session"
CSRF_HEADER = "X-CSRF-Token"
WEBHOOK_PREFIX = "/api/webhook/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Permission = Literal["read", "control", "decide", "scenarios", "admin"]
_GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "control", "decide", "scenarios", "admin"}),
    "resident": frozenset({"read", "control", "decide", "scenarios"}),
    # A guest decides only what a proposal names guests for, never what is guarded.
    "guest": frozenset({"read", "control", "decide"}),
}
# Reached without an account: logging in, onboarding, and the files the login page needs.
_PUBLIC_API = frozenset({("POST", "/api/auth/login"), ("GET", "/api/onboarding")})
_PUBLIC_API |= {("POST", "/api/onboarding")}


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    via: Literal["session", "token"]
    session: Session | None = None

    @property
    def role(self) -> str:
        return self.user.role


_PRINCIPAL = web.RequestKey("principal", Principal)


def principal_of(request: web.Request) -> Principal | None:
    return request.get(_PRINCIPAL)


def allow(principal: Principal, permission: Permission) -> None:
    """Raise a 403 error unless the caller's role grants ``permission``."""
    if permission not in _GRANTS[principal.role]:
        raise ApiError(403, "forbidden", f"a {principal.role} may not do this ({permission})")


def require(request: web.Request, permission: Permission = "read") -> Principal:
    """The caller, when allowed ``permission``; else a 401 or 403 error."""
    principal = principal_of(request)
    if principal is None:
        raise ApiError(401, "unauthorized", "log in or send a bearer token")
    allow(principal, permission)
    return principal


def visible(runtime: Runtime, principal: Principal, entity_id: str) -> bool:
    """Whether this caller may see and control ``entity_id``: a guest only what is shared."""
    if principal.role != "guest":
        return True
    shared = principal.user.shared
    return entity_id in shared or runtime.registries.area_of(entity_id) in shared


def _identify(request: web.Request) -> Principal | None:
    accounts = request.app[ACCOUNTS]
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise ApiError(401, "unauthorized", "the Authorization header takes a bearer token")
        user = accounts.user_of_token(secret.strip())
        if user is None:
            raise ApiError(401, "unauthorized", "unknown or revoked token")
        return Principal(user, "token")
    session_id = request.cookies.get(COOKIE)
    if session_id:
        session = accounts.session(session_id)
        if session is not None:
            return Principal(accounts.users[session.username], "session", session)
    return None


def _check_csrf(request: web.Request, principal: Principal) -> None:
    """A page's unsafe request must carry its session's CSRF token in a header."""
    if principal.via != "session" or principal.session is None:
        return
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent.encode(), principal.session.csrf.encode()):
        raise ApiError(403, "csrf", f"missing or wrong {CSRF_HEADER} header")


@web.middleware
async def auth_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(WEBHOOK_PREFIX):
        # Webhooks answer outside callers without accounts; the id is their secret.
        response: web.StreamResponse = await handler(request)
        return response
    principal = _identify(request)
    if principal is not None:
        request[_PRINCIPAL] = principal
        _check_csrf(request, principal)
    elif request.path.startswith("/api") and (request.method, request.path) not in _PUBLIC_API:
        raise ApiError(401, "unauthorized", "log in or send a bearer token")
    answer: web.StreamResponse = await handler(request)
    return answer
