"""Local accounts: users and their roles, sessions, long-lived tokens, onboarding.

Users, tokens and page sessions are kept in the house's database when it has
one, so a restart logs nobody out; only hashes of passwords, tokens and session
ids are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from homeloom.orchestrator import Context, HomeloomError, Runtime

from ._passwords import hash_password, verify_password

__all__ = ["ROLES", "AccountError", "Accounts", "Role", "Session", "Token", "User"]

Role = Literal["admin", "resident", "guest"]
ROLES: tuple[Role, ...] = ("admin", "resident", "guest")
SESSION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 8
_USERS = "ui_users"
_TOKENS = "ui_tokens"
_SESSIONS = "ui_sessions"
_TOKEN_PREFIX = "hl_"


class AccountError(HomeloomError):
    """A user name taken or unknown, a password too short, a bad onboarding code."""


@dataclass(slots=True)
class User:
    username: str
    name: str
    role: Role
    password_hash: str
    # What an admin shares with a guest: entity ids or area ids.
    shared: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "shared": list(self.shared),
        }


@dataclass(slots=True)
class Session:
    id: str
    username: str
    csrf: str
    expires: datetime


@dataclass(slots=True)
class Token:
    id: str
    username: str
    name: str
    digest: str  # sha256 of the token: the token itself is shown once and never kept
    created: str

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "created": self.created,
        }


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_code() -> str:
    digits = f"{secrets.randbelow(10**8):08d}"
    return f"{digits[:4]}-{digits[4:]}"


class Accounts:
    """The house's accounts; kept as ``runtime.components["accounts"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}
        self.onboarding_code: str | None = None
        self._restore()
        runtime.components["accounts"] = self

    # --- persistence ---------------------------------------------------------------

    def _store(self) -> Any:
        return self.runtime.components.get("persistence")

    def _restore(self) -> None:
        store = self._store()
        if store is None:
            return
        for data in store.values(_USERS).values():
            user = User(**data)
            self.users[user.username] = user
        for data in store.values(_TOKENS).values():
            token = Token(**data)
            self.tokens[token.id] = token
        now = self.runtime.now()
        for key, data in store.values(_SESSIONS).items():
            expires = datetime.fromisoformat(data["expires"])
            if expires <= now or data["username"] not in self.users:
                store.delete_value(_SESSIONS, key)
                continue
            # The cookie's id is not kept, only its hash: it is learnt again when presented.
            self.sessions[key] = Session("", data["username"], data["csrf"], expires)

    def _save_user(self, user: User) -> None:
        store = self._store()
        if store is not None:
            store.set_value(_USERS, user.username, asdict(user))

    def audit(self, kind: str, data: Mapping[str, Any], user: str | None) -> None:
        """Record a login, a logout, an account change (in the audit log when there is one)."""
        store = self._store()
        if store is not None:
            context = Context(user_id=user, origin="user" if user else "system", source="ui")
            store.audit(kind, data, context)

    # --- onboarding ----------------------------------------------------------------

    @property
    def needs_onboarding(self) -> bool:
        return not self.users

    def start_onboarding(self) -> str | None:
        """A one-time code to create the first admin, or None when accounts exist."""
        if not self.needs_onboarding:
            self.onboarding_code = None
            return None
        if self.onboarding_code is None:
            self.onboarding_code = _new_code()
        return self.onboarding_code

    def onboard(self, code: str, username: str, name: str, password: str) -> User:
        expected = self.onboarding_code
        if not self.needs_onboarding or expected is None:
            raise AccountError("onboarding is over: log in instead")
        if not hmac.compare_digest(code.strip().encode(), expected.encode()):
            raise AccountError("wrong onboarding code: it is printed on the console")
        user = self.create_user(username, name, password, "admin")
        self.onboarding_code = None
        return user

    # --- users ---------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        name: str,
        password: str,
        role: Role,
        shared: list[str] | None = None,
    ) -> User:
        username = username.strip().lower()
        if not username or not username.replace("_", "").replace("-", "").isalnum():
            raise AccountError("a user name is letters, digits, '-' and '_'")
        if username in self.users:
            raise AccountError(f"user {username!r} exists")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
        user = User(username, name or username, role, hash_password(password), list(shared or []))
        self.users[username] = user
        self._save_user(user)
        return user

    def update_user(
        self, username: str, *, role: Role | None = None, shared: list[str] | None = None
    ) -> User:
        user = self.get(username)
        if role is not None:
            if role not in ROLES:
                raise AccountError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
            if user.role == "admin" and role != "admin" and self._admins() == 1:
                raise AccountError("the house keeps at least one admin")
            user.role = role
        if shared is not None:
            user.shared = list(shared)
        self._save_user(user)
        return user

    def _admins(self) -> int:
        return sum(1 for user in self.users.values() if user.role == "admin")

    def delete_user(self, username: str) -> None:
        user = self.get(username)
        if user.role == "admin" and self._admins() == 1:
            raise AccountError("the house keeps at least one admin")
        del self.users[username]
        store = self._store()
        if store is not None:
            store.delete_value(_USERS, username)
        for token in [t for t in self.tokens.values() if t.username == username]:
            self.revoke_token(token.id)
        for key in [k for k, s in self.sessions.items() if s.username == username]:
            self._forget_session(key)

    def get(self, username: str) -> User:
        try:
            return self.users[username]
        except KeyError:
            raise AccountError(f"no user {username!r}") from None

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.users.get(username.strip().lower())
        if user is None:
            # As slow as a real check: no timing hint that the name does not exist.
            verify_password(password, _dummy_hash())
            return None
        return user if verify_password(password, user.password_hash) else None

    # --- sessions ------------------------------------------------------------------

    def open_session(self, user: User) -> Session:
        session = Session(
            secrets.token_urlsafe(32),
            user.username,
            secrets.token_urlsafe(32),
            self.runtime.now() + SESSION_LIFETIME,
        )
        key = _digest(session.id)
        self.sessions[key] = session
        store = self._store()
        if store is not None:
            saved = {"username": user.username, "csrf": session.csrf}
            store.set_value(_SESSIONS, key, {**saved, "expires": session.expires.isoformat()})
        return session

    def session(self, session_id: str) -> Session | None:
        key = _digest(session_id)
        session = self.sessions.get(key)
        if session is None:
            return None
        if session.expires <= self.runtime.now() or session.username not in self.users:
            self._forget_session(key)
            return None
        session.id = session_id
        return session

    def close_session(self, session_id: str) -> None:
        self._forget_session(_digest(session_id))

    def _forget_session(self, key: str) -> None:
        self.sessions.pop(key, None)
        store = self._store()
        if store is not None:
            store.delete_value(_SESSIONS, key)

    # --- tokens --------------------------------------------------------------------

    def create_token(self, user: User, name: str) -> tuple[Token, str]:
        """A new long-lived token; the secret is returned once and only its hash is kept."""
        token_id = secrets.token_hex(6)
        secret = f"{_TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        token = Token(
            token_id, user.username, name, _digest(secret), self.runtime.now().isoformat()
        )
        self.tokens[token_id] = token
        store = self._store()
        if store is not None:
            store.set_value(_TOKENS, token_id, asdict(token))
        return token, secret

    def revoke_token(self, token_id: str) -> None:
        if self.tokens.pop(token_id, None) is None:
            raise AccountError(f"no token {token_id!r}")
        store = self._store()
        if store is not None:
            store.delete_value(_TOKENS, token_id)

    def user_of_token(self, secret: str) -> User | None:
        if not secret.startswith(_TOKEN_PREFIX):
            return None
        token_id = secret[len(_TOKEN_PREFIX) :].split("_", 1)[0]
        token = self.tokens.get(token_id)
        if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
            return None
        return self.users.get(token.username)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))
