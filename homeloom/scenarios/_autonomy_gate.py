"""The autonomy gate between a scenario's actions and the services.

Each service call a run reaches is decided here: ``auto`` runs it; ``observe``
records what would have been done and goes on as if it had succeeded;
``suggest`` (and a guarded command on ``auto``) pauses the run on a proposal
until a person approves (the run goes on), rejects or lets it expire (the run
stops); ``off`` blocks it and stops the run. Every decision is in the trace
and announced with the ``homeloom_gated_call`` event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import (
    AutonomyPolicy,
    ConfigIssue,
    Level,
    Notifications,
    Pressure,
    Proposal,
    Proposals,
    Runtime,
    ServiceCall,
    parse_budget,
    parse_level,
)

from ._actions import Run, StopRun
from ._checkpoints import jsonable
from ._core_services import SHUTDOWN_SERVICES
from ._durations import parse_duration
from ._errors import issue_at
from ._trace import current_trace, trace_update_result

__all__ = ["EVENT_GATED_CALL", "AutonomyGate", "ScenarioGate", "install_autonomy"]

EVENT_GATED_CALL = "homeloom_gated_call"
# Telling people is how the house asks and explains: never itself held for approval.
_NEVER_GATED = frozenset({"notify", "persistent_notification", "homeloom", "system_log"})
_VERBS = {
    "turn_on": "Turn on",
    "turn_off": "Turn off",
    "toggle": "Toggle",
    "unlock": "Unlock",
    "lock": "Lock",
    "open": "Open",
    "open_cover": "Open",
    "close_cover": "Close",
    "set_cover_position": "Move",
    "alarm_disarm": "Disarm",
    "set_temperature": "Set",
}


def _entity_ids(target: Mapping[str, Any]) -> list[str]:
    value = target.get("entity_id")
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip().lower() for item in items if str(item).strip()]


class ScenarioGate:
    """One per scenario without autonomy options of its own (most): the house's policy
    alone decides its calls. It keeps its label and title alone (slotted): the options
    are the class's Nones, which :class:`AutonomyGate` has as its own."""

    __slots__ = ("runtime", "scenario", "title")
    level: Level | None = None
    approval_timeout: timedelta | None = None
    assemblage: str | None = None
    assemblage_level: Level | None = None
    approvers: list[str] | None = None

    def __init__(self, runtime: Runtime, scenario: str, *, title: str | None = None) -> None:
        self.runtime = runtime
        self.scenario = scenario
        self.title = title or scenario

    @property
    def policy(self) -> AutonomyPolicy:
        policy = self.runtime.components["autonomy"]
        assert isinstance(policy, AutonomyPolicy)
        return policy

    @property
    def proposals(self) -> Proposals:
        proposals = self.runtime.components["proposals"]
        assert isinstance(proposals, Proposals)
        return proposals

    def sentence(self, run: Run, domain: str, service: str, target: Mapping[str, Any]) -> str:
        """What and why, in one plain sentence."""
        names = []
        for entity_id in _entity_ids(target):
            state = self.runtime.states.get(entity_id)
            names.append(state.name if state is not None else entity_id)
        what = f"{_VERBS.get(service, service.replace('_', ' ').capitalize())} "
        what += ", ".join(names) if names else f"{domain}.{service}"
        trigger = run.variables.get("trigger") or {}
        why = str(trigger.get("description") or "asked")
        to_state = trigger.get("to_state")
        if to_state is not None and getattr(to_state, "state", None) is not None:
            why += f" became {to_state.state}"
        at = self.runtime.local_now().strftime("%H:%M")
        return f"{what}: {self.title} — {why} at {at}"

    def _ask(self, proposal: Proposal) -> None:
        """Tell the people who may decide, each within their pressure budget."""
        notifications = self.runtime.components.get("notifications")
        if not isinstance(notifications, Notifications):
            return
        people: list[str | None] = [r for r in proposal.roles if r.startswith("person.")]
        for person in people or [None]:
            notifications.tell(
                proposal.sentence,
                title="Suggestion waiting for approval",
                recipient=person,
                data={"proposal": proposal.id},
            )

    def acts_alone(self, domain: str, service: str, target: Mapping[str, Any]) -> bool:
        if domain in _NEVER_GATED:
            return True
        policy: AutonomyPolicy = self.runtime.components["autonomy"]  # as self.policy, inline
        # The target's entity ids are read only when some command of the service could
        # be guarded: for the others, whatever the target, nothing is.
        return policy.acts_alone(
            domain,
            service,
            _entity_ids(target) if policy.may_guard(domain, service) else (),
            scenario=self.scenario,
            scenario_level=self.level,
            assemblage=self.assemblage,
            assemblage_level=self.assemblage_level,
        )

    async def __call__(
        self,
        run: Run,
        domain: str,
        service: str,
        data: dict[str, Any],
        target: dict[str, Any],
    ) -> bool:
        if domain in _NEVER_GATED:
            return True
        decision = self.policy.decide(
            domain,
            service,
            _entity_ids(target),
            scenario=self.scenario,
            scenario_level=self.level,
            assemblage=self.assemblage,
            assemblage_level=self.assemblage_level,
        )
        if decision.level == "auto":
            return True
        call = {"service": f"{domain}.{service}", "data": dict(data), "target": dict(target)}
        sentence = self.sentence(run, domain, service, target)
        announce = {
            **call,
            "scenario": self.scenario,
            "outcome": decision.outcome,
            "sentence": sentence,
            "reason": decision.reason,
        }
        trace_update_result(outcome=decision.outcome, reason=decision.reason, sentence=sentence)
        if decision.level == "observe":
            self.runtime.bus.fire(EVENT_GATED_CALL, announce, run.context)
            return False
        if decision.level == "off":
            self.runtime.bus.fire(EVENT_GATED_CALL, announce, run.context)
            raise StopRun("aborted", f"{call['service']} blocked: {decision.reason}")
        trace = current_trace.get()
        proposal = self.proposals.create(
            scenario=self.scenario,
            calls=[call],
            sentence=sentence,
            roles=self.approvers,
            timeout=self.approval_timeout,
            guarded=decision.guarded,
            trace=jsonable(trace.as_dict()) if trace is not None else None,
        )
        announce["proposal"] = proposal.id
        self._ask(proposal)
        trace_update_result(proposal=proposal.id)
        self.runtime.bus.fire(EVENT_GATED_CALL, announce, run.context)
        try:
            status = await self.proposals.wait(proposal)
        except asyncio.CancelledError:
            if not self.runtime.stopping:
                self.proposals.withdraw(proposal.id, "the run was stopped or restarted")
            raise
        trace_update_result(decision=status, decided_by=proposal.decided_by)
        if status != "approved":
            raise StopRun("aborted", f"proposal {proposal.id} {status}")
        return True


class AutonomyGate(ScenarioGate):
    """One per scenario with autonomy options: knows its level, its approval timeout,
    its assemblage and who approves (slotted)."""

    __slots__ = ("approval_timeout", "approvers", "assemblage", "assemblage_level", "level")

    def __init__(
        self,
        runtime: Runtime,
        scenario: str,
        level: Level | None,
        approval_timeout: timedelta | None,
        *,
        assemblage: str | None = None,
        assemblage_level: Level | None = None,
        approvers: list[str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(runtime, scenario, title=title)
        self.level = level
        self.approval_timeout = approval_timeout
        self.assemblage = assemblage
        self.assemblage_level = assemblage_level
        self.approvers = approvers


def install_autonomy(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """The policy and proposals of the house, from the ``homeloom:`` block's autonomy keys.

    Call it once adapters and helpers have published their entities, so that
    ``guarded:`` entries can be checked against what exists.
    """
    issues: list[ConfigIssue] = []
    core = config.get("homeloom")
    core = core if isinstance(core, Mapping) else {}
    try:
        household = parse_level(core.get("autonomy", "auto"))
    except ValueError as err:
        issues.append(issue_at(core, "autonomy", "homeloom.autonomy", str(err)))
        household = "suggest"  # the cautious choice while the setting is broken
    policy = AutonomyPolicy(runtime, household)
    # Ending the house stops everything it watches over: a person decides, always.
    policy.guarded_services |= SHUTDOWN_SERVICES
    guarded = core.get("guarded") or []
    items = guarded if isinstance(guarded, list) else [guarded]
    for index, item in enumerate(items):
        text = str(item).strip().lower()
        domain, _, name = text.partition(".")
        if runtime.services.has(domain, name):
            policy.guarded_services.add(text)
        elif text in runtime.states or text in runtime.registries.entities:
            policy.guarded_entities.add(text)
        else:
            known = ", ".join(sorted(runtime.services.all().get(domain, {}))) or "none"
            issues.append(
                issue_at(
                    items if isinstance(guarded, list) else core,
                    index if isinstance(guarded, list) else "guarded",
                    f"homeloom.guarded[{index}]",
                    f"{text!r} is neither a service nor a known entity; "
                    f"services of {domain}: {known}",
                )
            )
    issues.extend(_install_pressure(runtime, core))
    promote_after, lower_after = 5, None
    trust = core.get("trust") or {}
    if not isinstance(trust, Mapping):
        trust = {}
        message = "trust is a mapping with promote_after and lower_after_rejections"
        issues.append(issue_at(core, "trust", "homeloom.trust", message))
    for key in trust:
        if key not in ("promote_after", "lower_after_rejections"):
            valid = "valid: promote_after, lower_after_rejections"
            issues.append(issue_at(trust, key, f"homeloom.trust.{key}", f"unknown key; {valid}"))
        elif not isinstance(trust[key], int) or isinstance(trust[key], bool) or trust[key] < 1:
            message = f"{key} must be a whole number of 1 or more"
            issues.append(issue_at(trust, key, f"homeloom.trust.{key}", message))
        elif key == "promote_after":
            promote_after = trust[key]
        else:
            lower_after = trust[key]
    Proposals(runtime, promotion_streak=promote_after, lower_after_rejections=lower_after)

    async def set_autonomy(call: ServiceCall) -> None:
        level = parse_level(call.data.get("level"))
        if call.data.get("scenario"):
            policy.set_level("scenario", str(call.data["scenario"]), level, call.context)
        elif call.data.get("assemblage"):
            policy.set_level("assemblage", str(call.data["assemblage"]), level, call.context)
        else:
            policy.set_level("household", None, level, call.context)

    runtime.services.register("homeloom", "set_autonomy", set_autonomy)
    return issues


def _install_pressure(runtime: Runtime, core: Mapping[str, Any]) -> list[ConfigIssue]:
    """The people's notification budgets, from ``homeloom: pressure:``."""
    notifications = runtime.components.get("notifications")
    config = core.get("pressure")
    if config is None or not isinstance(notifications, Notifications):
        return []
    if not isinstance(config, Mapping):
        message = "pressure must be a mapping with per_hour, quiet_hours and people"
        return [issue_at(core, "pressure", "homeloom.pressure", message)]
    issues: list[ConfigIssue] = []
    try:
        default = parse_budget({k: v for k, v in config.items() if k != "people"})
    except ValueError as err:
        issues.append(issue_at(core, "pressure", "homeloom.pressure", str(err)))
        default = parse_budget({})
    people_config = config.get("people") or {}
    people = {}
    if not isinstance(people_config, Mapping):
        message = "people must map each person to a budget"
        issues.append(issue_at(config, "people", "homeloom.pressure.people", message))
        people_config = {}
    for name, value in people_config.items():
        try:
            people[str(name)] = parse_budget(value, default)
        except ValueError as err:
            path = f"homeloom.pressure.people.{name}"
            issues.append(issue_at(people_config, name, path, str(err)))
    Pressure(runtime, notifications.deliver, default, people)
    return issues


def gate_for(
    runtime: Runtime, scenario: str, extra: Mapping[str, Any], title: str | None = None
) -> ScenarioGate | None:
    """The gate of one scenario, when the house has an autonomy policy."""
    if "autonomy" not in runtime.components:
        return None
    if not extra:  # most scenarios: the house's policy alone decides
        return ScenarioGate(runtime, scenario, title=title)
    level = parse_level(extra["autonomy"]) if extra.get("autonomy") is not None else None
    assemblage_level = extra.get("assemblage_level")
    timeout = extra.get("approval_timeout")
    approvers = extra.get("approvers")
    return AutonomyGate(
        runtime,
        scenario,
        level,
        parse_duration(timeout) if timeout is not None else None,
        assemblage=extra.get("assemblage"),
        assemblage_level=parse_level(assemblage_level) if assemblage_level else None,
        approvers=[str(item) for item in approvers] if approvers else None,
        title=title,
    )
