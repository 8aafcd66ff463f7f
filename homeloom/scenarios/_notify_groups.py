"""Notify groups: ``notify:`` items with ``platform: group``, as Home Assistant 2024.3
makes them.

Each item makes the service ``notify.<slug of its name>`` (``notify.notify`` without
a name). Calling it calls ``notify.<service>`` of every member, each with the call's
message, and its title, target and data when they are given and not empty, then the
member's own ``data`` added as defaults: its keys join the payload's top level
(``data: {data: {priority: high}}`` reaches the message's ``data``), a mapping is
merged key by key, and what the call gave wins. Members are called together and a
failing member fails none of the others, as Home Assistant waits for them all
without looking at their errors.

Every member is a ``notify`` service like any other: a channel opens for one that
nothing else provides (:mod:`homeloom.orchestrator._notifications`), and none is
ever held for approval. Other ``notify`` platforms are left to ``unsupported_keys``,
which warns about each item.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from homeloom.orchestrator import ConfigIssue, Runtime, ServiceCall
from homeloom.orchestrator._notifications import TemplateText

from ._errors import issue_at
from ._platform_options import platform_items
from ._slugs import entity_slug
from ._templates import get_template_engine

__all__ = ["PLATFORM", "setup_notify_groups"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "notify"
PLATFORM = "group"
_MEMBER_KEYS = ("service", "data")


class _GroupCall(BaseModel):
    """A notify group's fields, as Home Assistant's notify services take them."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    message: TemplateText
    title: TemplateText = None
    target: list[str] | None = None
    data: dict[str, Any] | None = None

    @field_validator("target", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        if value is None:
            return None
        return [str(item) for item in value] if isinstance(value, list) else [str(value)]


@dataclass(frozen=True, slots=True)
class _Member:
    service: str
    defaults: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _NotifyGroup:
    runtime: Runtime
    members: tuple[_Member, ...]

    async def send(self, call: ServiceCall) -> None:
        payload = self._payload(call.data)
        sends = [self._send_to(member, payload, call) for member in self.members]
        for member, outcome in zip(
            self.members, await asyncio.gather(*sends, return_exceptions=True), strict=True
        ):
            if isinstance(outcome, Exception):
                _LOGGER.error("%s: notify.%s failed: %s", call.name, member.service, outcome)

    def _payload(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The message and, when given and not empty, the title, target and data; the
        message and title are templates, as the notify services read them."""
        engine = get_template_engine(self.runtime)
        payload: dict[str, Any] = {
            "message": engine.template(str(data["message"])).render(parse_result=False)
        }
        if data.get("title"):
            title = engine.template(str(data["title"])).render(parse_result=False)
            if title:
                payload["title"] = title
        for key in ("target", "data"):
            if data.get(key):
                payload[key] = data[key]
        return payload

    async def _send_to(self, member: _Member, payload: dict[str, Any], call: ServiceCall) -> None:
        sent = copy.deepcopy(payload)
        if member.defaults is not None:
            _add_defaults(sent, member.defaults)
        await self.runtime.services.call(DOMAIN, member.service, sent, context=call.context)


def _add_defaults(payload: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` merged into ``payload`` in place: what ``payload`` has wins."""
    for key, value in defaults.items():
        if isinstance(value, Mapping):
            inner = payload.get(key)
            payload[key] = _add_defaults(inner if isinstance(inner, dict) else {}, value)
        elif key not in payload:
            payload[key] = value
    return payload


def setup_notify_groups(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Register every ``platform: group`` item's service (labelled blocks, ``notify
    family:``, too); a bad item is reported and skipped, as Home Assistant skips a
    platform it cannot validate. Two groups of one name: the later one is kept."""
    issues: list[ConfigIssue] = []
    for where, item in platform_items(config, DOMAIN, PLATFORM):
        members = _members(item, where, issues)
        if members is None:
            continue
        name = item.get("name")
        service = entity_slug(str(name)) if name else "notify"
        group = _NotifyGroup(runtime, members)
        runtime.services.register(DOMAIN, service, group.send, schema=_GroupCall)
    return issues


def _members(
    item: Mapping[str, Any], where: str, issues: list[ConfigIssue]
) -> tuple[_Member, ...] | None:
    """The members of ``services``, or None (with an issue) when Home Assistant's schema
    refuses the item."""
    if "name" in item and isinstance(item["name"], Mapping | list):
        issues.append(issue_at(item, "name", f"{where}.name", "expected a name (text)"))
        return None
    listed = item.get("services")
    if listed is None:
        message = "'services' missing: list the notify services, as '- service: <name>'"
        issues.append(issue_at(item, None, f"{where}.services", message))
        return None
    entries = listed if isinstance(listed, list) else [listed]
    members: list[_Member] = []
    for index, entry in enumerate(entries):
        here = f"{where}.services[{index}]"
        container = listed if isinstance(listed, list) else item
        at = index if isinstance(listed, list) else "services"
        problem = _member_problem(entry)
        if problem is not None:
            issues.append(issue_at(container, at, here, problem))
            return None
        defaults = entry.get("data")
        members.append(_Member(str(entry["service"]), dict(defaults) if defaults else None))
    return tuple(members)


def _member_problem(entry: Any) -> str | None:
    """Why Home Assistant 2024.3 refuses a member, or None."""
    valid = "each member is '{service: <notify service name>, data: {...}}'"
    if not isinstance(entry, Mapping):
        return f"expected a mapping; {valid}"
    for key in entry:
        if key not in _MEMBER_KEYS:
            return f"unknown key {key!r} (valid: service, data); {valid}"
    service = entry.get("service")
    if service is None:
        return f"'service' missing; {valid}"
    if isinstance(service, Mapping | list) or entity_slug(str(service)) != str(service):
        return (
            f"'service' must be a notify service's name, such as "
            f"{entity_slug(str(service))!r}, got {service!r}"
        )
    data = entry.get("data")
    if data is not None and not isinstance(data, Mapping):
        return f"'data' must be a mapping, got {data!r}"
    return None
