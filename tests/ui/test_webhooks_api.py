"""``/api/webhook/{id}``: reached without an account, handed to the webhook's listeners."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.orchestrator import WebhookRequest, Webhooks

from .conftest import Api


async def test_a_webhook_is_reached_without_an_account(server: TestServer, house: House) -> None:
    webhooks = house.runtime.components["webhooks"]
    assert isinstance(webhooks, Webhooks)
    heard: list[WebhookRequest] = []
    webhooks.register("garden-gate", heard.append, methods=("POST", "GET"))
    api = Api(server)
    try:
        assert await api.post("/api/webhook/garden-gate?source=button", {"open": True}) == {}
        assert await api.get("/api/webhook/garden-gate") == {}
        # Not allowed, or unknown: the same answer, and nobody is told.
        assert await api.request("PUT", "/api/webhook/garden-gate", {"open": False}) == {}
        assert await api.post("/api/webhook/no-such-hook", {}) == {}
    finally:
        await api.close()
    assert [(r.method, r.as_trigger().get("json"), dict(r.query)) for r in heard] == [
        ("POST", {"open": True}, {"source": "button"}),
        ("GET", None, {}),
    ]
    assert heard[0].remote == "127.0.0.1"


async def test_a_logged_in_page_needs_no_csrf_token_for_a_webhook(
    server: TestServer, house: House, people: dict[str, Api]
) -> None:
    heard: list[WebhookRequest] = []
    house.runtime.components["webhooks"].register("doorbell", heard.append)
    alice = people["alice"]
    assert await alice.request("POST", "/api/webhook/doorbell", {}, csrf=False) == {}
    assert len(heard) == 1
