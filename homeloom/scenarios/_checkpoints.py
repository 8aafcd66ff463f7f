"""Waits that survive a restart: pending ``delay`` and ``wait_for_trigger`` steps and
counting ``for:`` durations.

Home Assistant forgets them all when it restarts; homeloom keeps them in the
database. A run paused in a top-level ``delay`` resumes after the restart and
goes on with the following steps once the delay's original deadline has passed
(at once if it passed while the house was down). A run paused in a top-level
``wait_for_trigger`` waits again for its triggers until its original timeout
(which may already have passed: then it times out at once, and
``continue_on_timeout`` decides). A counting ``for:`` resumes with its
remaining time if the entity has not changed since it started; if the deadline
passed while the house was down, the trigger fires at start. Waits nested
inside choose/if/repeat/parallel blocks are not resumed (their run is lost, as
in Home Assistant).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeloom.orchestrator import Runtime, State

__all__ = ["Checkpoints", "Resume", "get_checkpoints", "jsonable"]

_LOGGER = logging.getLogger(__name__)
DELAYS = "pending_delays"
FOR_WAITS = "pending_for"


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a run saved before a restart goes on: after a ``delay`` ends at ``deadline``,
    or by waiting again in a ``wait_for_trigger`` until ``deadline`` (None: no timeout)."""

    step: int
    deadline: datetime | None
    kind: str = "delay"  # or "wait"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: states as mappings, times as ISO text."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, State):
        return value.as_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return str(value)


class Checkpoints:
    """Saves and reads pending waits through the persistence component."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        runtime.components["checkpoints"] = self

    @property
    def _store(self) -> Any:
        return self.runtime.components.get("persistence")

    def save_delay(
        self,
        key: str,
        *,
        scenario: str,
        step: int,
        deadline: datetime | None,
        variables: Mapping[str, Any],
        context: Mapping[str, Any],
        kind: str = "delay",
    ) -> None:
        store = self._store
        if store is None:
            return
        payload = {
            "scenario": scenario,
            "step": step,
            "kind": kind,
            "deadline": deadline.isoformat() if deadline is not None else None,
            # Not ``this`` nor ``context``: a resumed run is given its own again.
            "variables": jsonable(
                {k: v for k, v in variables.items() if k not in ("this", "context")}
            ),
            "context": dict(context),
        }
        store.set_value(DELAYS, key, payload)

    def drop_delay(self, key: str) -> None:
        store = self._store
        if store is not None:
            store.delete_value(DELAYS, key)

    def delays_of(self, scenario: str) -> dict[str, dict[str, Any]]:
        store = self._store
        if store is None:
            return {}
        return {k: v for k, v in store.values(DELAYS).items() if v.get("scenario") == scenario}

    def save_for(self, key: str, *, started: datetime, deadline: datetime) -> None:
        store = self._store
        if store is not None:
            store.set_value(
                FOR_WAITS, key, {"started": started.isoformat(), "deadline": deadline.isoformat()}
            )

    def drop_for(self, key: str) -> None:
        store = self._store
        if store is not None:
            store.delete_value(FOR_WAITS, key)

    def pending_for(self, key: str) -> tuple[datetime, datetime] | None:
        store = self._store
        saved = store.get_value(FOR_WAITS, key) if store is not None else None
        if not saved:
            return None
        return datetime.fromisoformat(saved["started"]), datetime.fromisoformat(saved["deadline"])


def get_checkpoints(runtime: Runtime) -> Checkpoints | None:
    found = runtime.components.get("checkpoints")
    return found if isinstance(found, Checkpoints) else None
