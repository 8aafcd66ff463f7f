"""``/api/webhook/{webhook_id}``: the door the webhook trigger listens at.

No account is needed, as in Home Assistant: the id is the secret, and by
default only callers on the local network are heard (the webhook registry
decides). Every call gets the same empty answer, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from homeloom.orchestrator import WebhookRequest, Webhooks

from ._auth import WEBHOOK_PREFIX
from ._http import API, reply, runtime_of
from ._table import Handler

_MAX_BODY = 1_000_000
_ANSWER = {"type": "object", "additionalProperties": False}


async def _hand_over(request: web.Request) -> web.StreamResponse:
    webhooks = runtime_of(request).components.get("webhooks")
    if isinstance(webhooks, Webhooks):
        body = await request.content.read(_MAX_BODY)
        webhooks.handle(
            WebhookRequest(
                webhook_id=request.match_info["webhook_id"],
                method=request.method,
                body=body,
                content_type=request.content_type,
                query=dict(request.query),
                remote=request.remote,
            )
        )
    return reply({})


def _route(method: str) -> Callable[[Handler], Handler]:
    return API.route(
        method,
        WEBHOOK_PREFIX + "{webhook_id}",
        f"Knock on a webhook with {method}: the scenarios whose webhook trigger has this id run",
        tag="webhooks",
        response=_ANSWER,
        public=True,
        errors=(),
    )


@_route("POST")
async def webhook_post(request: web.Request) -> web.StreamResponse:
    return await _hand_over(request)


@_route("PUT")
async def webhook_put(request: web.Request) -> web.StreamResponse:
    return await _hand_over(request)


@_route("GET")
async def webhook_get(request: web.Request) -> web.StreamResponse:
    return await _hand_over(request)
