"""The small records a Script keeps: its shared options, its runs by scope, how a run ended."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["_NO_VALUES", "RunResult", "_Options", "_Scope", "_shared_options"]

_LEVELS = {
    "silent": None,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


@dataclass(slots=True)
class RunResult:
    """How a run ended: HA's ``script_execution`` names, the error, the response."""

    execution: str
    error: str | None = None
    response: Any = None
    variables: dict[str, Any] = field(default_factory=dict)


class _Scope:
    """The runs of one mode scope (the whole script, or one triggering entity)."""

    __slots__ = ("tasks",)

    def __init__(self) -> None:
        self.tasks: set[asyncio.Future[RunResult]] = set()


_NO_VALUES: Mapping[str, Any] = MappingProxyType({})  # shared by every script without any


@dataclass(frozen=True, slots=True)
class _Options:
    """A script's options that are nearly always the same: one record shared by the
    scripts that have the same (every automation of a house, as a rule), rather
    than a slot each in every script."""

    domain: str
    prefix: str
    mode_scope: str | None
    max_runs: int
    max_exceeded: str
    fields: Mapping[str, Any]
    variables: Mapping[str, Any]

    @property
    def exceeded_level(self) -> int | None:
        """The log level ``max_exceeded`` names (None: silent); a warning by default."""
        return _LEVELS.get(self.max_exceeded.lower(), logging.WARNING)


@functools.lru_cache(maxsize=64)
def _shared_options(
    domain: str, prefix: str, mode_scope: str | None, max_runs: int, max_exceeded: str
) -> _Options:
    """The record of the scripts without fields or variables, one per set of options."""
    return _Options(domain, prefix, mode_scope, max_runs, max_exceeded, _NO_VALUES, _NO_VALUES)
