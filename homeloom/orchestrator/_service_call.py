"""The values of a service call: the call, the registered service, the handler signatures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from ._context import Context
from .types import ServiceHandler, ServiceResponse

TargetMode = Literal["none", "optional", "required"]
ResponseMode = Literal["none", "optional", "only"]
EntityCommandHandler = Callable[[str, str, Mapping[str, Any], Context], Awaitable[None] | None]
"""``(entity_id, service, data, context)``: carries one command out on one entity; a
coroutine when it has to wait (a device), else done when it returns (a helper)."""


@dataclass(slots=True)  # not frozen, for the cost of making one per call (see Context)
class ServiceCall:
    """A validated request to run ``domain.service``."""

    domain: str
    service: str
    data: Mapping[str, Any]
    context: Context
    entity_ids: tuple[str, ...] = ()
    return_response: bool = False
    target: dict[str, Any] = field(default_factory=dict)  # as given, before resolution

    @property
    def name(self) -> str:
        return f"{self.domain}.{self.service}"


class DataTargets(dict[str, Any]):
    """A call's target some of whose keys were given in its data (``entity_id`` as
    data): it keeps that data as given, for the ``call_service`` event, which shows
    them there as written. A copy (``copy()``) keeps it too."""

    __slots__ = ("given",)

    def __init__(self, target: Mapping[str, Any], given: Mapping[str, Any]) -> None:
        super().__init__(target)
        self.given = given

    def copy(self) -> DataTargets:
        return DataTargets(self, self.given)


class ValidatedData(dict[str, Any]):
    """A call's data as its service's schema made it, which the handler reads, keeping
    the data as the caller gave it (``given``): Home Assistant records a call with
    that, before its schema runs (``"21"``, not ``21.0``). A copy (``copy()``) keeps it
    too, as a call prepared once and made again copies its data."""

    __slots__ = ("given",)

    def __init__(self, validated: Mapping[str, Any], given: Mapping[str, Any]) -> None:
        super().__init__(validated)
        self.given = given

    def copy(self) -> ValidatedData:
        return ValidatedData(self, self.given)


def given_data(call: ServiceCall) -> Mapping[str, Any]:
    """The call's data as the caller gave it, before its service's schema ran."""
    data = call.data
    return data.given if type(data) is ValidatedData else data


NextHandler = Callable[[ServiceCall], Awaitable[ServiceResponse | None]]
CallObserver = Callable[[ServiceCall], None]
"""Sees every call about to run, and every call its service's checks refused, as
Home Assistant records those too (the simulator records calls with it)."""
Middleware = Callable[[ServiceCall, NextHandler], Awaitable[ServiceResponse | None]]


@dataclass(frozen=True, slots=True)
class Service:
    domain: str
    service: str
    handler: ServiceHandler
    schema: type[BaseModel] | None = None
    target: TargetMode = "none"
    entity_domains: tuple[str, ...] = ()
    supports_response: ResponseMode = "none"
    description: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.schema is not None:
            for name, info in self.schema.model_fields.items():
                fields[name] = {
                    "required": info.is_required(),
                    "description": info.description or "",
                }
        return {
            "description": self.description,
            "fields": fields,
            "target": self.target,
            "entity_domains": list(self.entity_domains),
            "response": self.supports_response,
        }
