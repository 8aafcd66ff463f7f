"""Onboarding, logging in, sessions with CSRF, tokens, rate limiting, users, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.ui import Accounts, LoginLimiter
from homeloom.ui._accounts import SESSION_LIFETIME
from homeloom.ui._passwords import hash_password, verify_password

from .conftest import PASSWORD, Api


def test_passwords_are_hashed_with_scrypt_and_salted() -> None:
    first, second = hash_password("secret words"), hash_password("secret words")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert verify_password("secret words", first)
    assert not verify_password("secret word", first)
    assert not verify_password("secret words", "bcrypt$nonsense")


async def test_onboarding_needs_the_code_printed_on_the_console(
    server: TestServer, accounts: Accounts
) -> None:
    api = Api(server)
    assert await api.get("/api/onboarding") == {"needed": True}
    code = accounts.onboarding_code
    assert code is not None and len(code) == 9
    new = {"username": "alice", "name": "Alice", "password": PASSWORD}
    wrong = await api.post("/api/onboarding", {**new, "code": "0000-0000"}, status=403)
    assert wrong["code"] == "bad_code"
    created = await api.post("/api/onboarding", {**new, "code": code}, status=201)
    assert created["user"]["role"] == "admin"
    api.csrf = created["csrf_token"]
    assert (await api.get("/api/auth/session"))["user"]["username"] == "alice"
    assert await api.get("/api/onboarding") == {"needed": False}
    again = await api.post("/api/onboarding", {**new, "code": code}, status=409)
    assert again["code"] == "onboarded"
    await api.close()


async def test_a_short_password_is_refused_at_onboarding(
    server: TestServer, accounts: Accounts
) -> None:
    api = Api(server)
    body = {"username": "alice", "password": "short", "code": accounts.onboarding_code}
    error = await api.post("/api/onboarding", body, status=400)
    assert "8 characters" in error["message"]
    await api.close()


async def test_login_logout_and_session(people: dict[str, Api]) -> None:
    bob = people["bob"]
    session = await bob.get("/api/auth/session")
    assert session["user"] == {"username": "bob", "name": "Bob", "role": "resident", "shared": []}
    assert session["csrf_token"] == bob.csrf
    await bob.post("/api/auth/logout")
    await bob.get("/api/auth/session", status=401)


async def test_wrong_password_then_rate_limited_then_allowed_again(
    people: dict[str, Api], house: House
) -> None:
    api = people["anonymous"]
    for _ in range(5):
        failed = await api.post(
            "/api/auth/login", {"username": "bob", "password": "nope nope"}, status=401
        )
        assert failed["code"] == "bad_credentials"
    blocked = await api.post(
        "/api/auth/login", {"username": "bob", "password": PASSWORD}, status=429
    )
    assert blocked["code"] == "too_many_attempts"
    await house.runtime.advance(5 * 60 + 1)
    await api.login("bob")


async def test_csrf_is_enforced_for_the_page_session(people: dict[str, Api]) -> None:
    bob = people["bob"]
    body = {"target": {"entity_id": "light.hall"}}
    refused = await bob.post("/api/services/light/turn_on", body, csrf=False, status=403)
    assert refused["code"] == "csrf"
    wrong = await bob.post(
        "/api/services/light/turn_on",
        body,
        csrf=False,
        headers={"X-CSRF-Token": "forged"},
        status=403,
    )
    assert wrong["code"] == "csrf"
    await bob.post("/api/services/light/turn_on", body)


async def test_bearer_tokens_for_scripts(people: dict[str, Api], server: TestServer) -> None:
    created = await people["bob"].post("/api/tokens", {"name": "script"}, status=201)
    assert created["token"].startswith("hl_")
    script = Api(server)
    script.token = created["token"]
    # No CSRF for a token: a script is not a page a browser can be tricked into.
    await script.post("/api/services/light/turn_on", {"target": {"entity_id": "light.hall"}})
    listed = await script.get("/api/tokens")
    assert [t["name"] for t in listed] == ["script"]
    assert "token" not in listed[0]
    await script.request("DELETE", f"/api/tokens/{created['id']}")
    await script.get("/api/states", status=401)
    script.token = "hl_nothing_here"
    await script.get("/api/states", status=401)
    await script.close()
    bad = Api(server)
    error = await bad.get("/api/states", headers={"Authorization": "Basic abc"}, status=401)
    assert "bearer" in error["message"]
    await bad.close()


async def test_only_an_admin_manages_users(people: dict[str, Api]) -> None:
    alice, bob = people["alice"], people["bob"]
    assert {u["username"] for u in await alice.get("/api/users")} == {"alice", "bob", "gus"}
    await bob.get("/api/users", status=403)
    new = {"username": "carol", "password": PASSWORD, "role": "guest", "shared": ["kitchen"]}
    await bob.post("/api/users", new, status=403)
    carol = await alice.post("/api/users", new, status=201)
    assert carol == {"username": "carol", "name": "carol", "role": "guest", "shared": ["kitchen"]}
    await alice.post("/api/users", new, status=400)
    changed = await alice.request("PATCH", "/api/users/carol", {"role": "resident"})
    assert changed["role"] == "resident"
    await alice.request("PATCH", "/api/users/nobody", {"role": "resident"}, status=404)
    await alice.request("DELETE", "/api/users/carol")
    await alice.request("DELETE", "/api/users/carol", status=404)
    last_admin = await alice.request("DELETE", "/api/users/alice", status=400)
    assert "at least one admin" in last_admin["message"]


async def test_logins_are_audited(people: dict[str, Api]) -> None:
    await people["anonymous"].post(
        "/api/auth/login", {"username": "bob", "password": "wrong one"}, status=401
    )
    entries: list[dict[str, Any]] = await people["alice"].get("/api/audit?kind=login")
    results = [(e["data"]["username"], e["data"]["result"]) for e in entries]
    assert ("alice", "ok") in results and ("bob", "failed") in results
    await people["bob"].get("/api/audit", status=403)


async def test_bodies_are_checked(people: dict[str, Api]) -> None:
    bob = people["bob"]
    bad = await bob.post("/api/services/light/turn_on", {"target": "light.hall"}, status=400)
    assert bad["code"] == "invalid" and "target" in bad["message"]
    extra = await bob.post("/api/tokens", {"name": "x", "admin": True}, status=400)
    assert extra["code"] == "invalid"
    async with bob.session.post(
        bob.server.make_url("/api/tokens"),
        data="name=x",
        headers={"X-CSRF-Token": bob.csrf or "", "Content-Type": "text/plain"},
    ) as response:
        assert response.status == 415
        assert (await response.json())["code"] == "unsupported_media_type"
    async with bob.session.post(
        bob.server.make_url("/api/tokens"),
        data="{not json",
        headers={"X-CSRF-Token": bob.csrf or "", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
        assert (await response.json())["code"] == "invalid_json"


def test_the_login_limiter_stays_bounded() -> None:
    limiter = LoginLimiter(failures=2, window=timedelta(minutes=1), max_keys=10)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(100):
        limiter.failed([f"user:{number}"], start)
    assert len(limiter) <= 10
    limiter.failed(["ip:a"], start)
    limiter.failed(["ip:a"], start)
    assert limiter.retry_after(["ip:a"], start) == 60
    assert limiter.retry_after(["ip:a"], start + timedelta(minutes=1)) is None


async def test_page_sessions_survive_a_restart_but_not_their_end(house: House) -> None:
    accounts = Accounts(house.runtime)
    alice = accounts.create_user("alice", "Alice", PASSWORD, "admin")
    kept = accounts.open_session(alice)
    closed = accounts.open_session(alice)
    accounts.close_session(closed.id)

    again = Accounts(house.runtime)  # what a restart reads back
    restored = again.session(kept.id)
    assert restored is not None and restored.username == "alice"
    assert restored.csrf == kept.csrf
    assert again.session(closed.id) is None
    store = house.runtime.components["persistence"]
    assert kept.id not in str(store.values("ui_sessions"))  # only a hash is kept

    await house.runtime.advance(SESSION_LIFETIME.total_seconds() + 1)
    assert Accounts(house.runtime).session(kept.id) is None
    assert store.values("ui_sessions") == {}
