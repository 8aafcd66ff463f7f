"""The application: middlewares, routes, pages; serving it, and where it may listen."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import WSCloseCode, web

from homeloom.orchestrator import HomeloomError, Runtime

from . import (
    _api_accounts,
    _api_discovery,
    _api_editor,
    _api_house,
    _api_privacy,
    _api_proposals,
    _api_scenarios,
    _api_webhooks,
    _openapi,
    _websocket,
)
from ._accounts import Accounts
from ._address import DEFAULT_HOST, DEFAULT_PORT
from ._auth import auth_middleware
from ._errors import error_middleware
from ._http import API
from ._keys import ACCOUNTS, LIMITER, RUNTIME, SOCKETS
from ._limits import LoginLimiter
from ._pages import install_pages, security_headers

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "BindRefused",
    "Server",
    "create_app",
    "is_loopback",
    "serve",
]

_LOGGER = logging.getLogger(__name__)
# Imported for their routes.
_MODULES = (
    _api_accounts,
    _api_discovery,
    _api_editor,
    _api_house,
    _api_privacy,
    _api_proposals,
    _api_scenarios,
    _api_webhooks,
    _openapi,
    _websocket,
)


class BindRefused(HomeloomError):
    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"refusing to listen on {host}: no account exists yet. Start on 127.0.0.1, "
            "create the admin with the onboarding code, then listen on other addresses"
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _accounts(runtime: Runtime) -> Accounts:
    found = runtime.components.get("accounts")
    return found if isinstance(found, Accounts) else Accounts(runtime)


def _restore_retention(runtime: Runtime) -> None:
    store = runtime.components.get("persistence")
    if store is None:
        return
    saved = store.get_value("ui_retention", "days") or {}
    if saved.get("history_days"):
        store.history_retention = timedelta(days=float(saved["history_days"]))
    if saved.get("audit_days"):
        store.audit_retention = timedelta(days=float(saved["audit_days"]))


async def _close_sockets(app: web.Application) -> None:
    sockets = app[SOCKETS]
    for ws in [*sockets]:
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"homeloom is stopping")


def create_app(runtime: Runtime, *, limiter: LoginLimiter | None = None) -> web.Application:
    """The dashboard and API of one house."""
    app = web.Application(
        middlewares=[error_middleware, auth_middleware], client_max_size=256 * 1024
    )
    app[RUNTIME] = runtime
    app[ACCOUNTS] = _accounts(runtime)
    app[LIMITER] = limiter or LoginLimiter()
    app[SOCKETS] = set()
    app[ACCOUNTS].start_onboarding()
    _restore_retention(runtime)
    API.install(app)
    install_pages(app)
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(_close_sockets)
    return app


@dataclass(slots=True)
class Server:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve(runtime: Runtime, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Server:
    """Listen on ``host:port``; another address than loopback needs an account first."""
    app = create_app(runtime)
    accounts = app[ACCOUNTS]
    if not is_loopback(host) and accounts.needs_onboarding:
        raise BindRefused(host)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    sockets = [s for s in (runner.addresses or [])]
    bound = port
    if sockets and isinstance(sockets[0], tuple):
        bound = int(sockets[0][1])
    server = Server(runner, host, bound)
    if accounts.onboarding_code is not None:
        print(
            f"homeloom onboarding code: {accounts.onboarding_code}  "
            f"(open {server.url}/onboarding to create the first account)",
            flush=True,
        )
    return server
