"""The local web dashboard and its API: REST, WebSocket, accounts, pages."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._address import DEFAULT_HOST, DEFAULT_PORT
from ._client import CLIENT_COMMANDS, add_client_commands, run_client_command

if TYPE_CHECKING:
    from ._accounts import ROLES, AccountError, Accounts, Role, User
    from ._app import BindRefused, Server, create_app, is_loopback, serve
    from ._limits import LoginLimiter
    from ._openapi import openapi_document

# The web server (aiohttp and the pages) is imported when first asked for: the
# command line builds its parser from this package for every command, most of
# which serve nothing.
_LAZY = {
    "ROLES": "._accounts",
    "AccountError": "._accounts",
    "Accounts": "._accounts",
    "Role": "._accounts",
    "User": "._accounts",
    "BindRefused": "._app",
    "Server": "._app",
    "create_app": "._app",
    "is_loopback": "._app",
    "serve": "._app",
    "LoginLimiter": "._limits",
    "openapi_document": "._openapi",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "CLIENT_COMMANDS",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ROLES",
    "AccountError",
    "Accounts",
    "BindRefused",
    "LoginLimiter",
    "Role",
    "Server",
    "User",
    "add_client_commands",
    "create_app",
    "is_loopback",
    "openapi_document",
    "run_client_command",
    "serve",
]
