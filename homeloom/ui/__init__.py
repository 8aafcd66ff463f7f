"""The local web dashboard and its API: REST, WebSocket, accounts, pages."""

from ._accounts import ROLES, AccountError, Accounts, Role, User
from ._app import DEFAULT_HOST, DEFAULT_PORT, BindRefused, Server, create_app, is_loopback, serve
from ._client import CLIENT_COMMANDS, add_client_commands, run_client_command
from ._limits import LoginLimiter
from ._openapi import openapi_document

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
