"""Proposals: actions waiting for a person's approval, with their expiry and their record.

A run that reaches an action it may only suggest creates a proposal and waits
for it like a wait step. Approve and the run goes on; reject, expiry or
withdrawal and it stops. Every decision records who, when and through which
channel. Pending proposals are persisted, so they survive a restart and stay
pending until they expire; approving one whose run did not survive carries out
its stored calls.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ._context import Context
from ._errors import HomeloomError
from ._runtime import Runtime
from .types import Unsubscribe

__all__ = [
    "EVENT_PROPOSAL_CHANGED",
    "Proposal",
    "ProposalError",
    "Proposals",
    "TrustFigures",
]

_LOGGER = logging.getLogger(__name__)
Status = Literal["pending", "approved", "rejected", "expired", "withdrawn"]
EVENT_PROPOSAL_CHANGED = "proposal_changed"
DEFAULT_APPROVAL_TIMEOUT = timedelta(minutes=10)
_NAMESPACE = "proposals"
_TRUST_NAMESPACE = "trust"


class ProposalError(HomeloomError):
    """A proposal is unknown, already decided, or the person may not decide it."""


@dataclass(slots=True)
class Proposal:
    id: str
    scenario: str | None
    calls: list[dict[str, Any]]  # resolved service calls: service, data, target
    sentence: str
    roles: list[str]
    created: datetime
    expires: datetime
    guarded: bool = False
    kind: str = "action"  # or "promotion": raise a scenario's level
    trace: dict[str, Any] = field(default_factory=dict)
    status: Status = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    channel: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created", "expires", "decided_at"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        values = dict(data)
        for key in ("created", "expires", "decided_at"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


@dataclass(slots=True)
class TrustFigures:
    approved: int = 0
    rejected: int = 0
    expired: int = 0
    streak: int = 0  # approvals in a row since the last rejection or expiry
    rejected_in_a_row: int = 0


class Proposals:
    """The house's proposals; kept as ``runtime.components["proposals"]``."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        promotion_streak: int = 5,
        lower_after_rejections: int | None = None,
    ) -> None:
        self.runtime = runtime
        self.promotion_streak = promotion_streak
        # Only when the resident opted in may rejections make a scenario more cautious.
        self.lower_after_rejections = lower_after_rejections
        self._items: dict[str, Proposal] = {}
        self._waiters: dict[str, asyncio.Future[Status]] = {}
        self._expiry: dict[str, Unsubscribe] = {}
        self._ids = itertools.count(1)
        self.trust: dict[str, TrustFigures] = {}
        runtime.components["proposals"] = self
        self._restore()

    # --- reading -----------------------------------------------------------------

    def get(self, proposal_id: str) -> Proposal:
        try:
            return self._items[proposal_id]
        except KeyError:
            raise ProposalError(f"no proposal {proposal_id!r}") from None

    def pending(self) -> list[Proposal]:
        return [p for p in self._items.values() if p.status == "pending"]

    def history(self) -> list[Proposal]:
        return sorted(self._items.values(), key=lambda p: p.created)

    def trust_of(self, scenario: str) -> TrustFigures:
        return self.trust.setdefault(scenario, TrustFigures())

    # --- creating and waiting ----------------------------------------------------

    def create(
        self,
        *,
        scenario: str | None,
        calls: list[dict[str, Any]],
        sentence: str,
        roles: list[str] | None = None,
        timeout: timedelta | None = None,
        guarded: bool = False,
        kind: str = "action",
        trace: dict[str, Any] | None = None,
    ) -> Proposal:
        now = self.runtime.now()
        proposal = Proposal(
            id=self._new_id(),
            scenario=scenario,
            calls=calls,
            sentence=sentence,
            roles=list(roles or ["admin", "resident"]),
            created=now,
            expires=now + (timeout or DEFAULT_APPROVAL_TIMEOUT),
            guarded=guarded,
            kind=kind,
            trace=trace or {},
        )
        self._items[proposal.id] = proposal
        self._schedule_expiry(proposal)
        self._changed(proposal, Context(origin="system", source=scenario))
        _LOGGER.info(
            "proposal %s waits for approval until %s: %s",
            proposal.id,
            proposal.expires.isoformat(timespec="seconds"),
            sentence,
        )
        return proposal

    def _new_id(self) -> str:
        while True:
            candidate = f"p{next(self._ids)}"
            if candidate not in self._items:
                return candidate

    async def wait(self, proposal: Proposal) -> Status:
        """Wait for the decision (the caller's run is parked meanwhile)."""
        if proposal.status != "pending":
            return proposal.status
        future = self._waiters.get(proposal.id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiters[proposal.id] = future
        with self.runtime.tasks.parked():
            return await asyncio.shield(future)

    # --- deciding ----------------------------------------------------------------

    def approve(
        self, proposal_id: str, *, user: str, channel: str = "api", roles: tuple[str, ...] = ()
    ) -> Proposal:
        return self._decide(proposal_id, "approved", user, channel, roles)

    def reject(
        self, proposal_id: str, *, user: str, channel: str = "api", roles: tuple[str, ...] = ()
    ) -> Proposal:
        return self._decide(proposal_id, "rejected", user, channel, roles)

    def withdraw(self, proposal_id: str, note: str) -> None:
        """The premise no longer holds (scenario off, run restarted): not left dangling."""
        proposal = self._items.get(proposal_id)
        if proposal is not None and proposal.status == "pending":
            self._settle(proposal, "withdrawn", None, "system", note)

    def _decide(
        self, proposal_id: str, status: Status, user: str, channel: str, roles: tuple[str, ...]
    ) -> Proposal:
        proposal = self.get(proposal_id)
        if proposal.status != "pending":
            raise ProposalError(f"proposal {proposal_id} is already {proposal.status}")
        if "guest" in roles and proposal.guarded and not {"admin", "resident"} & set(roles):
            raise ProposalError("a guest cannot decide a guarded proposal")
        if not self.may_decide(proposal, user, roles):
            raise ProposalError(
                f"proposal {proposal_id} may be decided by {', '.join(proposal.roles)}"
            )
        waited_for = proposal.id in self._waiters
        self._settle(proposal, status, user, channel, None)
        if status == "approved" and not waited_for:
            # No run waits for it (a promotion, or a run lost to a restart): carry it out.
            self.runtime.create_task(self._execute(proposal), name=f"approved {proposal.id}")
        return proposal

    @staticmethod
    def may_decide(proposal: Proposal, user: str, roles: tuple[str, ...]) -> bool:
        """Admins always; otherwise a listed role, or the very person the proposal asks."""
        if not roles or "admin" in roles or set(roles) & set(proposal.roles):
            return True
        return f"person.{user}" in proposal.roles

    def _settle(
        self, proposal: Proposal, status: Status, user: str | None, channel: str, note: str | None
    ) -> None:
        proposal.status = status
        proposal.decided_by = user
        proposal.decided_at = self.runtime.now()
        proposal.channel = channel
        proposal.note = note
        cancel = self._expiry.pop(proposal.id, None)
        if cancel is not None:
            cancel()
        future = self._waiters.pop(proposal.id, None)
        if future is not None and not future.done():
            future.set_result(status)
        context = Context(user_id=user, origin="user" if user else "system", source=channel)
        self._count(proposal, status)
        store = self.runtime.components.get("persistence")
        if store is not None:
            store.audit(
                "proposal",
                {
                    "id": proposal.id,
                    "status": status,
                    "scenario": proposal.scenario,
                    "channel": channel,
                    "note": note,
                },
                context,
            )
        self._changed(proposal, context)

    async def _execute(self, proposal: Proposal) -> None:
        context = Context(origin="user", user_id=proposal.decided_by, source=proposal.scenario)
        for call in proposal.calls:
            domain, service = str(call["service"]).split(".", 1)
            try:
                await self.runtime.services.call(
                    domain,
                    service,
                    call.get("data") or {},
                    target=call.get("target"),
                    context=context,
                )
            except HomeloomError as err:
                _LOGGER.error("approved proposal %s: %s failed: %s", proposal.id, call, err)

    # --- expiry and trust --------------------------------------------------------

    def _schedule_expiry(self, proposal: Proposal) -> None:
        def expire(_: datetime) -> None:
            if proposal.status == "pending":
                self._settle(proposal, "expired", None, "expiry", None)

        self._expiry[proposal.id] = self.runtime.scheduler.call_at(proposal.expires, expire)

    def _count(self, proposal: Proposal, status: Status) -> None:
        if proposal.scenario is None or proposal.kind != "action":
            return
        figures = self.trust_of(proposal.scenario)
        if status == "approved":
            figures.approved += 1
            figures.streak += 1
            figures.rejected_in_a_row = 0
        elif status == "rejected":
            figures.rejected += 1
            figures.streak = 0
            figures.rejected_in_a_row += 1
        elif status == "expired":
            figures.expired += 1
            figures.streak = 0
        else:
            return
        store = self.runtime.components.get("persistence")
        if store is not None:
            store.set_value(_TRUST_NAMESPACE, proposal.scenario, asdict(figures))
        if status == "approved" and figures.streak == self.promotion_streak:
            self._propose_promotion(proposal.scenario, figures)
        limit = self.lower_after_rejections
        if status == "rejected" and limit is not None and figures.rejected_in_a_row >= limit:
            figures.rejected_in_a_row = 0
            self._lower(proposal.scenario, limit)

    def _lower(self, scenario: str, rejections: int) -> None:
        """Rejected again and again: from now on only observe, and say so."""
        policy = self.runtime.components.get("autonomy")
        if policy is None:
            return
        context = Context(origin="system", source="trust")
        policy.set_level("scenario", scenario, "observe", context)
        notifications = self.runtime.components.get("notifications")
        if notifications is not None:
            notifications.tell(
                f"{scenario} now only observes: its last {rejections} suggestions were rejected",
                title="Autonomy lowered",
                context=context,
            )

    def _propose_promotion(self, scenario: str, figures: TrustFigures) -> None:
        """The house may ask to be trusted more; it never raises a level by itself."""
        self.create(
            scenario=scenario,
            calls=[
                {
                    "service": "homeloom.set_autonomy",
                    "data": {"scenario": scenario, "level": "auto"},
                }
            ],
            sentence=(
                f"Let {scenario} act on its own: its last {figures.streak} suggestions "
                "were all approved"
            ),
            roles=["admin"],
            kind="promotion",
            timeout=timedelta(days=7),
        )

    # --- persistence ---------------------------------------------------------------

    def _changed(self, proposal: Proposal, context: Context) -> None:
        store = self.runtime.components.get("persistence")
        if store is not None:
            store.set_value(_NAMESPACE, proposal.id, proposal.as_dict())
        self.runtime.bus.fire(EVENT_PROPOSAL_CHANGED, proposal.as_dict(), context)

    def _restore(self) -> None:
        store = self.runtime.components.get("persistence")
        if store is None:
            return
        for data in store.values(_NAMESPACE).values():
            proposal = Proposal.from_dict(data)
            self._items[proposal.id] = proposal
            if proposal.status == "pending":
                self._schedule_expiry(proposal)
        for scenario, figures in store.values(_TRUST_NAMESPACE).items():
            self.trust[scenario] = TrustFigures(**figures)
