"""Errors of scenario configuration, always with the place and what would be valid."""

from __future__ import annotations

from typing import Any

from homeloom.orchestrator import ConfigIssue, HomeloomError

from ._yaml import Position, position_of

__all__ = ["ScenarioConfigError", "issue_at", "issue_written_at"]


class ScenarioConfigError(HomeloomError):
    """A scenario's configuration is invalid; ``issues`` says where and why."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


def issue_at(container: Any, key: Any, path: str, message: str) -> ConfigIssue:
    """An issue at ``container[key]`` (or the container itself when the key has no place)."""
    pos = position_of(container, key) if key is not None else None
    if pos is None:
        pos = getattr(container, "position", None)
    return issue_written_at(message, pos, path or None)


def issue_written_at(
    message: str, pos: Position | None, key: str | None, scenario: str | None = None
) -> ConfigIssue:
    """An issue at ``pos`` (no place when None)."""
    return ConfigIssue(
        message,
        file=pos.file if pos else None,
        line=pos.line if pos else None,
        column=pos.column if pos else None,
        key=key,
        scenario=scenario,
    )


def fail(container: Any, key: Any, path: str, message: str) -> ScenarioConfigError:
    return ScenarioConfigError([issue_at(container, key, path, message)])
