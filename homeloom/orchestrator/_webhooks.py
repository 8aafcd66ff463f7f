"""Webhooks: named entry points that outside callers on the home network can knock on.

A webhook is addressed by an id that is its only secret, as in Home Assistant;
by default only callers on the local network (private, loopback or link-local
addresses) are heard, and only POST and PUT. The web server hands each request
to :meth:`Webhooks.handle`; an unknown or refused webhook looks exactly like a
heard one from outside, so ids cannot be probed.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ._runtime import Runtime
from .types import Unsubscribe

__all__ = [
    "DEFAULT_WEBHOOK_METHODS",
    "WEBHOOK_METHODS",
    "WebhookRequest",
    "Webhooks",
    "is_local_address",
]

_LOGGER = logging.getLogger(__name__)
DEFAULT_WEBHOOK_METHODS = ("POST", "PUT")
WEBHOOK_METHODS = ("GET", "HEAD", "POST", "PUT")


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    webhook_id: str
    method: str
    body: bytes
    content_type: str
    query: Mapping[str, str]
    remote: str | None

    def as_trigger(self) -> dict[str, Any]:
        """What a webhook trigger offers its scenario: ``json``, ``data`` and ``query``."""
        data: dict[str, Any] = {"webhook_id": self.webhook_id, "query": dict(self.query)}
        text = self.body.decode("utf-8", errors="replace")
        if "json" in self.content_type:
            try:
                data["json"] = json.loads(text) if text.strip() else {}
            except ValueError:
                _LOGGER.warning("webhook %s: the body is not valid JSON", self.webhook_id)
        elif self.content_type == "application/x-www-form-urlencoded":
            data["data"] = dict(parse_qsl(text, keep_blank_values=True))
        return data


Handler = Callable[[WebhookRequest], None]


@dataclass(slots=True)
class _Registration:
    handler: Handler
    methods: tuple[str, ...]
    local_only: bool


def is_local_address(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


class Webhooks:
    """Every webhook of the house; kept as ``runtime.components["webhooks"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._registered: dict[str, list[_Registration]] = {}
        runtime.components["webhooks"] = self

    def register(
        self,
        webhook_id: str,
        handler: Handler,
        *,
        methods: tuple[str, ...] = DEFAULT_WEBHOOK_METHODS,
        local_only: bool = True,
    ) -> Unsubscribe:
        registration = _Registration(handler, tuple(m.upper() for m in methods), local_only)
        self._registered.setdefault(webhook_id, []).append(registration)

        def unregister() -> None:
            registrations = self._registered.get(webhook_id, [])
            if registration in registrations:
                registrations.remove(registration)
            if not registrations:
                self._registered.pop(webhook_id, None)

        return unregister

    def ids(self) -> list[str]:
        return sorted(self._registered)

    def handle(self, request: WebhookRequest) -> int:
        """Hand a request to its webhook's listeners; how many heard it."""
        heard = 0
        for registration in list(self._registered.get(request.webhook_id, [])):
            if request.method.upper() not in registration.methods:
                _LOGGER.warning(
                    "webhook %s: method %s not allowed (allowed: %s)",
                    request.webhook_id,
                    request.method,
                    ", ".join(registration.methods),
                )
                continue
            if registration.local_only and not is_local_address(request.remote):
                _LOGGER.warning(
                    "webhook %s: refused a call from %s, which is not on the local network",
                    request.webhook_id,
                    request.remote,
                )
                continue
            registration.handler(request)
            heard += 1
        return heard
