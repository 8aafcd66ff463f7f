"""Small contracts shared across the orchestrator and its users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from ._events import Event
    from ._service_call import ServiceCall

Unsubscribe: TypeAlias = Callable[[], None]
"""Every subscribe or track call returns one; calling it twice is harmless."""

EventHandler: TypeAlias = Callable[["Event"], "Awaitable[None] | None"]
TimerCallback: TypeAlias = Callable[[datetime], "Awaitable[None] | None"]
ServiceResponse: TypeAlias = dict[str, Any]
ServiceHandler: TypeAlias = Callable[
    ["ServiceCall"], "Awaitable[ServiceResponse | None] | ServiceResponse | None"
]
JsonValue: TypeAlias = Any
