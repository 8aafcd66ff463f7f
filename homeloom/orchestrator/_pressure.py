"""Notification pressure: how often the house may interrupt each person.

Each person (and the shared household inbox) has a budget: at most
``per_hour`` suggestions and notifications in any sliding hour, and quiet hours
during which nothing is delivered. What the budget holds back is kept, in
order and persisted, and delivered as one digest as soon as the budget allows:
deferred, never lost.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from ._runtime import Runtime
from .types import Unsubscribe

__all__ = ["HOUSEHOLD", "Budget", "Pressure", "parse_budget", "person_key"]

_LOGGER = logging.getLogger(__name__)
HOUSEHOLD = "household"  # the shared inbox, for what is addressed to nobody in particular
_NAMESPACE = "pressure"
_WINDOW = timedelta(hours=1)

Deliver = Callable[[str, list[dict[str, Any]], bool], None]  # person, items, is a digest


@dataclass(frozen=True, slots=True)
class Budget:
    per_hour: int | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None

    def is_quiet(self, local: datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None:
            return False
        now = local.time().replace(tzinfo=None)
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= now < self.quiet_end
        return now >= self.quiet_start or now < self.quiet_end  # across midnight

    def quiet_ends(self, local: datetime) -> datetime:
        assert self.quiet_end is not None
        end = local.replace(
            hour=self.quiet_end.hour,
            minute=self.quiet_end.minute,
            second=self.quiet_end.second,
            microsecond=0,
        )
        return end if end > local else end + timedelta(days=1)


def _clock_time(value: Any, what: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a time of day such as 22:00, got {value!r}") from None


def parse_budget(value: Any, base: Budget | None = None) -> Budget:
    """A budget from ``{per_hour: N, quiet_hours: {start, end}}``; raises ValueError."""
    base = base or Budget()
    if not isinstance(value, Mapping):
        raise ValueError("a budget is a mapping with per_hour and quiet_hours")
    unknown = set(value) - {"per_hour", "quiet_hours"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}; valid: per_hour, quiet_hours")
    per_hour = value.get("per_hour", base.per_hour)
    if per_hour is not None and (
        not isinstance(per_hour, int) or isinstance(per_hour, bool) or per_hour < 1
    ):
        raise ValueError(f"per_hour must be a whole number of 1 or more, got {per_hour!r}")
    start, end = base.quiet_start, base.quiet_end
    quiet = value.get("quiet_hours")
    if quiet is not None:
        if not isinstance(quiet, Mapping) or set(quiet) != {"start", "end"}:
            raise ValueError("quiet_hours needs exactly 'start' and 'end', such as 22:00 and 07:00")
        start = _clock_time(quiet["start"], "quiet_hours.start")
        end = _clock_time(quiet["end"], "quiet_hours.end")
    return Budget(per_hour, start, end)


def person_key(recipient: str | None) -> str:
    """``person.alice``, ``alice`` and ``notify.alice`` all name Alice's budget."""
    if not recipient:
        return HOUSEHOLD
    return recipient.strip().lower().rpartition(".")[2] or HOUSEHOLD


@dataclass(slots=True)
class _Account:
    sent: deque[datetime] = field(default_factory=deque)
    held: list[dict[str, Any]] = field(default_factory=list)
    flush: Unsubscribe | None = None


class Pressure:
    """The budgets of the house; kept as ``runtime.components["pressure"]``.

    ``deliver`` is called with a person, the items to hand over and whether
    they are a digest: one item when the budget admits it, else every held
    item at once as soon as the budget allows.
    """

    def __init__(
        self,
        runtime: Runtime,
        deliver: Deliver,
        default: Budget | None = None,
        people: Mapping[str, Budget] | None = None,
    ) -> None:
        self.runtime = runtime
        self.default = default or Budget()
        self.people = {person_key(name): budget for name, budget in (people or {}).items()}
        self._deliver = deliver
        self._accounts: dict[str, _Account] = {}
        runtime.components["pressure"] = self
        self._restore()

    def budget_of(self, person: str) -> Budget:
        return self.people.get(person, self.default)

    def offer(self, recipient: str | None, item: dict[str, Any]) -> bool:
        """Deliver ``item`` now when the budget allows (True), else hold it for a digest."""
        person = person_key(recipient)
        account = self._accounts.setdefault(person, _Account())
        if not account.held and self._admit(person, account):
            self._deliver(person, [item], False)
            return True
        account.held.append(item)
        self._save(person, account)
        self._schedule_flush(person, account)
        _LOGGER.debug("held back for %s: %s", person, item.get("message"))
        return False

    def _admit(self, person: str, account: _Account) -> bool:
        now = self.runtime.now()
        budget = self.budget_of(person)
        if budget.is_quiet(self.runtime.local_now()):
            return False
        while account.sent and now - account.sent[0] >= _WINDOW:
            account.sent.popleft()
        if budget.per_hour is not None and len(account.sent) >= budget.per_hour:
            return False
        account.sent.append(now)
        return True

    def _next_opening(self, person: str, account: _Account) -> datetime:
        budget = self.budget_of(person)
        now = self.runtime.now()
        local = self.runtime.local_now()
        if budget.is_quiet(local):
            return budget.quiet_ends(local).astimezone(now.tzinfo)
        if budget.per_hour is not None and len(account.sent) >= budget.per_hour:
            return account.sent[-budget.per_hour] + _WINDOW
        return now

    def _schedule_flush(self, person: str, account: _Account) -> None:
        if account.flush is not None:
            return

        def flush(_: datetime) -> None:
            account.flush = None
            if not account.held:
                return
            if not self._admit(person, account):
                self._schedule_flush(person, account)
                return
            items, account.held = account.held, []
            self._save(person, account)
            self._deliver(person, items, True)

        account.flush = self.runtime.scheduler.call_at(self._next_opening(person, account), flush)

    # --- persistence -------------------------------------------------------------

    def _save(self, person: str, account: _Account) -> None:
        store = self.runtime.components.get("persistence")
        if store is None:
            return
        if account.held:
            store.set_value(_NAMESPACE, person, account.held)
        else:
            store.delete_value(_NAMESPACE, person)

    def _restore(self) -> None:
        store = self.runtime.components.get("persistence")
        if store is None:
            return
        for person, held in store.values(_NAMESPACE).items():
            if isinstance(held, list) and held:
                account = self._accounts.setdefault(person, _Account(held=list(held)))
                self._schedule_flush(person, account)
