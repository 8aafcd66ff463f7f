"""Scenarios as the dashboard shows them, and finding the run behind a change."""

from __future__ import annotations

from typing import Any

from homeloom.orchestrator import AutonomyPolicy, Context, Proposals, Runtime, most_cautious
from homeloom.scenarios import Automation, AutomationManager, AutonomyGate

__all__ = ["find_trace", "scenario_summary", "traces_of"]


def traces_of(automation: Automation) -> list[dict[str, Any]]:
    """Every kept run, oldest first: stored runs from before a restart, then this run's."""
    seen: dict[str, dict[str, Any]] = {}
    for stored in automation.stored_trace_dicts:
        seen[str(stored.get("run_id"))] = stored
    for trace in automation.traces:
        seen[trace.run_id] = trace.as_dict()
    return [_clean(trace) for trace in seen.values()]


def _clean(trace: dict[str, Any]) -> dict[str, Any]:
    """A trace as JSON can carry it: states and other objects become plain values."""
    cleaned = _plain(trace)
    return cleaned if isinstance(cleaned, dict) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def find_trace(
    manager: AutomationManager, context: Context
) -> tuple[Automation, dict[str, Any]] | None:
    """The run whose context caused a change (the change's own context or its parent)."""
    wanted = {context.id, context.parent_id} - {None}
    for automation in manager.automations.values():
        for trace in reversed(traces_of(automation)):
            run_context = trace.get("context") or {}
            if run_context.get("id") in wanted:
                return automation, trace
    return None


def scenario_summary(runtime: Runtime, automation: Automation) -> dict[str, Any]:
    policy = runtime.components.get("autonomy")
    proposals = runtime.components.get("proposals")
    gate = automation.script.gate
    configured = gate.level if isinstance(gate, AutonomyGate) else None
    level = configured
    household = None
    if isinstance(policy, AutonomyPolicy):
        level = policy.scenario_levels.get(automation.label, configured)
        household = policy.household
    trust = {"approved": 0, "rejected": 0, "expired": 0, "streak": 0}
    if isinstance(proposals, Proposals) and automation.label in proposals.trust:
        figures = proposals.trust[automation.label]
        trust = {
            "approved": figures.approved,
            "rejected": figures.rejected,
            "expired": figures.expired,
            "streak": figures.streak,
        }
    last = automation.last_triggered
    return {
        "entity_id": automation.entity_id,
        "id": automation.spec.id,
        "label": automation.label,
        "name": automation.spec.name,
        "enabled": automation.enabled,
        "last_triggered": last.isoformat() if last is not None else None,
        "level": level,
        "effective_level": most_cautious(household, level),
        "trust": trust,
        "runs": len(traces_of(automation)),
    }
