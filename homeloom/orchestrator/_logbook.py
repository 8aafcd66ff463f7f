"""The logbook: lines that scenarios write for people to read later (``logbook.log``).

Home Assistant automations write to it to leave a human explanation of what
they did; homeloom keeps the last entries in memory for the dashboard, records
each in the audit log, and announces it with the ``logbook_entry`` event.
"""

from __future__ import annotations

from collections import deque
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from ._runtime import Runtime
from ._service_call import ServiceCall

__all__ = ["EVENT_LOGBOOK_ENTRY", "Logbook"]

EVENT_LOGBOOK_ENTRY = "logbook_entry"
KEPT = 500


def _text_of(value: Any) -> Any:
    """As Home Assistant 2024.3 reads ``name`` (``cv.string``) and ``message`` (a
    template rendered to text): a number or true/false, which a template such as
    ``"{{ trigger.to_state.state }}"`` renders for a numeric sensor, is its text."""
    return str(value) if isinstance(value, int | float) else value


_Text = Annotated[str, BeforeValidator(_text_of)]


class _Log(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: _Text
    message: _Text
    entity_id: str | None = None
    domain: str | None = None


class Logbook:
    """Kept as ``runtime.components["logbook"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.entries: deque[dict[str, Any]] = deque(maxlen=KEPT)
        runtime.components["logbook"] = self
        runtime.services.register("logbook", "log", self._log, schema=_Log)

    def _log(self, call: ServiceCall) -> None:
        entry = {
            "when": self.runtime.now().isoformat(),
            **{key: value for key, value in call.data.items() if value is not None},
            "context_id": call.context.id,
        }
        self.entries.append(entry)
        store = self.runtime.components.get("persistence")
        if store is not None:
            store.audit("logbook", entry, call.context)
        self.runtime.bus.fire(EVENT_LOGBOOK_ENTRY, entry, call.context)
