"""Typed keys of what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from homeloom.orchestrator import Runtime

from ._accounts import Accounts
from ._limits import LoginLimiter

__all__ = ["ACCOUNTS", "LIMITER", "RUNTIME", "SOCKETS"]

RUNTIME = web.AppKey("runtime", Runtime)
ACCOUNTS = web.AppKey("accounts", Accounts)
LIMITER = web.AppKey("limiter", LoginLimiter)
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")
