"""Contexts: the chain of causes behind every change."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Origin = Literal["user", "scenario", "adapter", "device", "system"]

# Ids are this process's random prefix and a count: unique, and cheap enough to
# make several per event (a random id per context cost a system call each).
_PROCESS_PREFIX = os.urandom(6).hex()
_ids: Iterator[str] = map(f"{_PROCESS_PREFIX}{{:08x}}".format, itertools.count(1))

new_id: Callable[[], str] = _ids.__next__
"""A short id, unique across processes; not a secret. The iterator's own method: made
entirely in C, where a function making it was one more Python call per run."""


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which
# doubled the cost of the context every scenario run makes. Nothing assigns to one.
@dataclass(slots=True, unsafe_hash=True)
class Context:
    """Who or what caused a change.

    ``parent_id`` links a change to the context that led to it (a scenario run
    started by a state change, a command issued by that run), so the question
    "why did this happen?" can be answered by walking the chain.
    """

    id: str = field(default_factory=new_id)
    parent_id: str | None = None
    user_id: str | None = None
    origin: Origin = "system"
    source: str | None = None  # scenario id, adapter name, person id...

    def child(self, origin: Origin, source: str | None = None) -> Context:
        # Positional, the id made here: one is made for every scenario run, and the
        # keywords and the default factory were most of its cost.
        return Context(new_id(), self.id, self.user_id, origin, source)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "user_id": self.user_id,
            "origin": self.origin,
            "source": self.source,
        }
