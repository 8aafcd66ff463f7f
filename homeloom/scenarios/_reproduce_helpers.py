"""Scene rules for helpers and value entities: numbers, texts, selects, dates, counters, timers."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from ._reproduce_base import Rule, _already, _Job, _refused

__all__ = ["HELPER_RULES"]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def _number(job: _Job) -> None:
    """input_number and number: set_value with the state's text, unless already so."""
    if _refused(job, (job.wanted.state,) if _is_number(job.wanted.state) else ()):
        return
    if not _already(job):
        await job.call("set_value", {"value": job.wanted.state})


async def _text(job: _Job) -> None:
    """input_text and text: set_value with the state's text, unless already so."""
    if not _already(job):
        await job.call("set_value", {"value": job.wanted.state})


async def _input_select(job: _Job) -> None:
    if _already(job, "option", "options"):
        return
    if "options" in job.wanted.attributes:
        await job.call("set_options", {"options": job.wanted.attributes["options"]})
    await job.call("select_option", {"option": job.wanted.state})


async def _select(job: _Job) -> None:
    if _refused(job, job.current.attributes.get("options") or ()) or _already(job):
        return
    await job.call("select_option", {"option": job.wanted.state})


def _parses(text: str, kind: type[date] | type[time] | type[datetime]) -> bool:
    try:
        kind.fromisoformat(text)
    except ValueError:
        return False
    return True


async def _input_datetime(job: _Job) -> None:
    has_date = bool(job.current.attributes.get("has_date"))
    has_time = bool(job.current.attributes.get("has_time"))
    kind, key = (
        (datetime, "datetime")
        if has_date and has_time
        else (date, "date")
        if has_date
        else (time, "time")
        if has_time
        else (None, "")
    )
    state = job.wanted.state
    if _refused(job, (state,) if kind is not None and _parses(state, kind) else ()):
        return
    if not _already(job):
        await job.call("set_datetime", {key: state})


_COUNTER_LIMITS = ("maximum", "minimum", "step")


async def _counter(job: _Job) -> None:
    """set_value with the state's text and the limits the scene gives, which counter's
    set_value refuses (as in Home Assistant, whose counter takes only the value)."""
    valid = (job.wanted.state,) if job.wanted.state.isdigit() else ()
    if _refused(job, valid) or _already(job, *_COUNTER_LIMITS):
        return
    data = {"value": job.wanted.state}
    data.update(
        (name, job.wanted.attributes[name])
        for name in _COUNTER_LIMITS
        if name in job.wanted.attributes
    )
    await job.call("set_value", data)


_TIMER_SERVICES = {"active": "start", "paused": "pause", "idle": "cancel"}


async def _timer(job: _Job) -> None:
    if _refused(job, _TIMER_SERVICES) or _already(job, "duration"):
        return
    data: dict[str, Any] = {}
    if job.wanted.state == "active" and "duration" in job.wanted.attributes:
        data["duration"] = job.wanted.attributes["duration"]
    await job.call(_TIMER_SERVICES[job.wanted.state], data)


HELPER_RULES: dict[str, Rule] = {
    "input_number": _number,
    "number": _number,
    "input_text": _text,
    "text": _text,
    "input_select": _input_select,
    "select": _select,
    "input_datetime": _input_datetime,
    "counter": _counter,
    "timer": _timer,
}
