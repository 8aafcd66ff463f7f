"""The OpenAPI document matches the routes, and no route answers without a session or token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from homeloom.ui import openapi_document

from .conftest import Api

DOCUMENT = openapi_document()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]


def test_the_document_is_valid_openapi() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(DOCUMENT)


async def test_every_api_route_is_documented_and_every_documented_route_exists(
    server: TestServer,
) -> None:
    routed = set()
    for route in server.app.router.routes():
        info = route.resource.canonical if route.resource is not None else ""
        if info.startswith("/api") and route.method != "HEAD":
            routed.add((route.method, info))
    documented = {(method, path) for method, path, _ in OPERATIONS}
    assert routed == documented


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", "x", path)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=lambda v: str(v)[:40])
async def test_no_route_answers_without_authentication(
    server: TestServer, method: str, path: str, operation: dict[str, Any], accounts: Any
) -> None:
    accounts.create_user("alice", "Alice", "correct horse battery", "admin")
    api = Api(server)
    try:
        if operation.get("security") == []:
            return  # logging in and onboarding are reached without an account
        body = {} if method in ("POST", "PUT", "PATCH") else None
        data = await api.request(method, _concrete(path), body, status=401)
        assert data["code"] == "unauthorized"
    finally:
        await api.close()


async def test_the_document_is_served_to_a_logged_in_person(people: dict[str, Api]) -> None:
    served = await people["gus"].get("/api/openapi.json")
    assert served["openapi"] == "3.1.0"
    assert "/api/proposals/{proposal_id}/approve" in served["paths"]
