"""``system_log.write`` and ``system_log.clear``: automations writing to the house's log.

As Home Assistant 2024.3: ``write`` logs ``message`` at ``level`` (``error`` unless
given) to the logger named ``logger`` (else the integration's ``external`` one).
Home Assistant's ``clear`` empties the list of recent errors its frontend shows;
homeloom keeps no such list (its log goes to its log handlers), so it has nothing
to empty. Never held by the autonomy gate: logging is how a scenario explains.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import Runtime, ServiceCall

__all__ = ["EXTERNAL_LOGGER", "setup_system_log"]

DOMAIN = "system_log"
EXTERNAL_LOGGER = "homeloom.system_log.external"
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str
    level: Literal["debug", "info", "warning", "error", "critical"] = "error"
    logger: str | None = None


class _Clear(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _write(call: ServiceCall) -> None:
    logger = logging.getLogger(call.data.get("logger") or EXTERNAL_LOGGER)
    logger.log(_LEVELS[call.data.get("level", "error")], "%s", call.data["message"])


def _clear(call: ServiceCall) -> None:
    """No list of recent errors is kept: nothing to empty."""


def setup_system_log(runtime: Runtime) -> None:
    runtime.services.register(DOMAIN, "write", _write, schema=_Write)
    runtime.services.register(DOMAIN, "clear", _clear, schema=_Clear)
