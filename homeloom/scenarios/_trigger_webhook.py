"""The ``webhook`` trigger: a request to ``/api/webhook/<webhook_id>`` on the dashboard's server.

Options as in Home Assistant: ``webhook_id`` (required), ``allowed_methods``
(default POST and PUT) and ``local_only`` (default true). The scenario sees
``trigger.json`` for a JSON body, ``trigger.data`` for a form, and
``trigger.query`` for the query string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import (
    DEFAULT_WEBHOOK_METHODS,
    WEBHOOK_METHODS,
    Runtime,
    Unsubscribe,
    WebhookRequest,
    Webhooks,
)

from ._errors import fail
from ._triggers import Fire, Validate

__all__ = ["WEBHOOK_PLATFORMS"]


def _webhooks(runtime: Runtime) -> Webhooks:
    webhooks = runtime.components.get("webhooks")
    return webhooks if isinstance(webhooks, Webhooks) else Webhooks(runtime)


def _methods(config: Mapping[str, Any]) -> tuple[str, ...]:
    value = config.get("allowed_methods", list(DEFAULT_WEBHOOK_METHODS))
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).upper() for item in items)


def _validate_webhook(runtime: Runtime, config: Mapping[str, Any]) -> None:
    path = config["_path"]
    webhook_id = config.get("webhook_id")
    if not isinstance(webhook_id, str) or not webhook_id.strip():
        raise fail(config, "webhook_id", f"{path}.webhook_id", "'webhook_id' is required")
    for method in _methods(config):
        if method not in WEBHOOK_METHODS:
            valid = ", ".join(WEBHOOK_METHODS)
            message = f"unknown method {method!r}; valid: {valid}"
            raise fail(config, "allowed_methods", f"{path}.allowed_methods", message)
    if not isinstance(config.get("local_only", True), bool):
        raise fail(config, "local_only", f"{path}.local_only", "local_only must be true or false")


def _attach_webhook(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    webhook_id = str(config["webhook_id"]).strip()

    def on_request(request: WebhookRequest) -> None:
        fire(
            {**request.as_trigger(), "description": f"webhook {webhook_id} ({request.method})"},
            None,
        )

    return _webhooks(runtime).register(
        webhook_id,
        on_request,
        methods=_methods(config),
        local_only=bool(config.get("local_only", True)),
    )


WEBHOOK_PLATFORMS: dict[
    str, tuple[Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe], Validate]
] = {"webhook": (_attach_webhook, _validate_webhook)}
