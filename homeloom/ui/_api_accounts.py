"""Logging in and out, onboarding the first admin, users and long-lived tokens."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._accounts import AccountError, Session, User
from ._auth import COOKIE, require
from ._errors import ApiError
from ._http import API, ok, read_body, reply, runtime_of
from ._keys import ACCOUNTS, LIMITER
from ._schemas import arr, ref

__all__: list[str] = []


def _session_body(user: User, session: Session | None) -> dict[str, Any]:
    return {"user": user.public(), "csrf_token": session.csrf if session else None}


def _set_cookie(request: web.Request, response: web.Response, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        httponly=True,
        samesite="Strict",
        path="/",
        secure=request.secure,
        max_age=7 * 24 * 3600,
    )


@API.route(
    "POST",
    "/api/auth/login",
    "Log in with a user name and password; sets the session cookie",
    tag="accounts",
    response=ref("Session"),
    body=ref("Login"),
    public=True,
    errors=(400, 401, 429),
)
async def login(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, "Login")
    accounts, limiter = request.app[ACCOUNTS], request.app[LIMITER]
    now = runtime_of(request).now()
    username = str(body["username"]).strip().lower()
    keys = [f"ip:{request.remote}", f"user:{username}"]
    wait = limiter.retry_after(keys, now)
    if wait is not None:
        accounts.audit("login", {"username": username, "result": "throttled"}, None)
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed logins: try again in {int(wait) + 1} s",
            {"Retry-After": str(int(wait) + 1)},
        )
    user = accounts.authenticate(username, str(body["password"]))
    if user is None:
        limiter.failed(keys, now)
        accounts.audit(
            "login", {"username": username, "result": "failed", "remote": request.remote}, None
        )
        raise ApiError(401, "bad_credentials", "wrong user name or password")
    limiter.succeeded(keys)
    session = accounts.open_session(user)
    accounts.audit(
        "login", {"username": username, "result": "ok", "remote": request.remote}, username
    )
    response = reply(_session_body(user, session))
    _set_cookie(request, response, session)
    return response


@API.route("POST", "/api/auth/logout", "End this session", tag="accounts", response=ref("Ok"))
async def logout(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    if principal.session is not None:
        request.app[ACCOUNTS].close_session(principal.session.id)
    request.app[ACCOUNTS].audit(
        "logout", {"username": principal.user.username}, principal.user.username
    )
    response = ok()
    response.del_cookie(COOKIE, path="/")
    return response


@API.route(
    "GET",
    "/api/auth/session",
    "Who is logged in, and the CSRF token the page sends with its changes",
    tag="accounts",
    response=ref("Session"),
)
async def session(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    return reply(_session_body(principal.user, principal.session))


@API.route(
    "GET",
    "/api/onboarding",
    "Whether the first admin still has to be created",
    tag="accounts",
    response=ref("Onboarding"),
    public=True,
    errors=(),
)
async def onboarding_status(request: web.Request) -> web.StreamResponse:
    return reply({"needed": request.app[ACCOUNTS].needs_onboarding})


@API.route(
    "POST",
    "/api/onboarding",
    "Create the first admin with the one-time code printed on the console; logs in",
    tag="accounts",
    response=ref("Session"),
    status=201,
    body=ref("Onboard"),
    public=True,
    errors=(400, 403, 409, 429),
)
async def onboard(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, "Onboard")
    accounts, limiter = request.app[ACCOUNTS], request.app[LIMITER]
    now = runtime_of(request).now()
    keys = [f"ip:{request.remote}", "onboarding"]
    wait = limiter.retry_after(keys, now)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many wrong codes: try again in {int(wait) + 1} s",
            {"Retry-After": str(int(wait) + 1)},
        )
    if not accounts.needs_onboarding:
        raise ApiError(409, "onboarded", "onboarding is over: log in instead")
    try:
        user = accounts.onboard(
            str(body["code"]),
            str(body["username"]),
            str(body.get("name") or body["username"]),
            str(body["password"]),
        )
    except AccountError as err:
        if "code" in str(err):
            limiter.failed(keys, now)
            accounts.audit("onboarding", {"result": "wrong code", "remote": request.remote}, None)
            raise ApiError(403, "bad_code", str(err)) from None
        raise ApiError(400, "invalid", str(err)) from None
    accounts.audit("onboarding", {"result": "ok", "username": user.username}, user.username)
    new_session = accounts.open_session(user)
    response = reply(_session_body(user, new_session), status=201)
    _set_cookie(request, response, new_session)
    return response


# --- users -------------------------------------------------------------------------


@API.route("GET", "/api/users", "Every account (admin)", tag="accounts", response=arr(ref("User")))
async def list_users(request: web.Request) -> web.StreamResponse:
    require(request, "admin")
    return reply([user.public() for user in request.app[ACCOUNTS].users.values()])


@API.route(
    "POST",
    "/api/users",
    "Create an account (admin)",
    tag="accounts",
    response=ref("User"),
    status=201,
    body=ref("NewUser"),
)
async def create_user(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    body = await read_body(request, "NewUser")
    accounts = request.app[ACCOUNTS]
    try:
        user = accounts.create_user(
            str(body["username"]),
            str(body.get("name") or body["username"]),
            str(body["password"]),
            body["role"],
            list(body.get("shared") or []),
        )
    except AccountError as err:
        raise ApiError(400, "invalid", str(err)) from None
    accounts.audit(
        "account",
        {"change": "created", "username": user.username, "role": user.role},
        principal.user.username,
    )
    return reply(user.public(), status=201)


@API.route(
    "PATCH",
    "/api/users/{username}",
    "Change an account's role or what it is shared (admin)",
    tag="accounts",
    response=ref("User"),
    body=ref("UserChange"),
)
async def change_user(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    body = await read_body(request, "UserChange")
    accounts = request.app[ACCOUNTS]
    username = request.match_info["username"]
    if username not in accounts.users:
        raise ApiError(404, "not_found", f"no user {username!r}")
    try:
        user = accounts.update_user(username, role=body.get("role"), shared=body.get("shared"))
    except AccountError as err:
        raise ApiError(400, "invalid", str(err)) from None
    accounts.audit(
        "account", {"change": "updated", **body, "username": username}, principal.user.username
    )
    return reply(user.public())


@API.route(
    "DELETE",
    "/api/users/{username}",
    "Delete an account (admin)",
    tag="accounts",
    response=ref("Ok"),
)
async def delete_user(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    accounts = request.app[ACCOUNTS]
    username = request.match_info["username"]
    if username not in accounts.users:
        raise ApiError(404, "not_found", f"no user {username!r}")
    try:
        accounts.delete_user(username)
    except AccountError as err:
        raise ApiError(400, "invalid", str(err)) from None
    accounts.audit("account", {"change": "deleted", "username": username}, principal.user.username)
    return ok()


# --- tokens ------------------------------------------------------------------------


@API.route(
    "GET",
    "/api/tokens",
    "Your long-lived tokens (every token for an admin)",
    tag="accounts",
    response=arr(ref("Token")),
)
async def list_tokens(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    tokens = request.app[ACCOUNTS].tokens.values()
    mine = [
        t.public()
        for t in tokens
        if principal.role == "admin" or t.username == principal.user.username
    ]
    return reply(mine)


@API.route(
    "POST",
    "/api/tokens",
    "Create a long-lived bearer token for scripts; shown once",
    tag="accounts",
    response=ref("NewToken"),
    status=201,
    body=ref("NewTokenRequest"),
)
async def create_token(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    body = await read_body(request, "NewTokenRequest")
    accounts = request.app[ACCOUNTS]
    token, secret = accounts.create_token(principal.user, str(body["name"]))
    accounts.audit(
        "token", {"change": "created", "id": token.id, "name": token.name}, principal.user.username
    )
    return reply({**token.public(), "token": secret}, status=201)


@API.route("DELETE", "/api/tokens/{token_id}", "Revoke a token", tag="accounts", response=ref("Ok"))
async def revoke_token(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    accounts = request.app[ACCOUNTS]
    token = accounts.tokens.get(request.match_info["token_id"])
    if token is None or (principal.role != "admin" and token.username != principal.user.username):
        raise ApiError(404, "not_found", "no such token")
    accounts.revoke_token(token.id)
    accounts.audit("token", {"change": "revoked", "id": token.id}, principal.user.username)
    return ok()
