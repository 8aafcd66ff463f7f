"""History stats sensors: ``sensor:`` items with ``platform: history_stats``, as Home
Assistant 2024.3 makes them.

Each item watches one entity (``entity_id``) over a period given by two of ``start``,
``end`` (templates, rendered on each update into a date and time or a UNIX timestamp)
and ``duration``, and shows how long the entity was in one of its ``state``\\ s during
the period (``type: time``, hours, rounded to 2 digits unless the item has a
``unique_id``), that time as a share of the whole period (``ratio``, %, 1 digit) or
how many times it went into one of them (``count``; being in one at the period's start
counts once). Before its start the period has no value (unknown); a template that
fails makes the sensor unavailable (at setup: no sensor, tried again at the house's
start, then 30, 60... s after each failure).

It updates on each change of the entity once the house has started, and every minute
after its last update. As Home Assistant does, it reads the entity's history from the
recorder at setup and whenever the period's start moves (a rolling window), and between
those reads adds the changes it sees to what it read. The recorder here is homeloom's
database when the house has one (the rows read at setup, then kept in memory down to
the one in effect at the period's start, those before read again when the start moves
back before it); otherwise the record starts with the entity's state at setup, which
Home Assistant's recorder has not yet stored when the sensor first reads it, and the
rows dropped from memory are gone. Home Assistant's quirks are
kept: history that begins inside the period in a matching state counts from the
period's start, and the times of the period are cut to whole seconds.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, State

from ._durations import DurationError, parse_duration
from ._platform_options import (
    OptionError,
    entity_id_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug
from ._templates import Template, TemplateError, get_template_engine

__all__ = ["HistoryStatsSensor", "setup_history_stats"]

_LOGGER = logging.getLogger(__name__)
_KEYS = frozenset(
    {"platform", "entity_id", "state", "start", "end", "duration", "type", "name", "unique_id"}
)
_PERIOD_KEYS = ("start", "end", "duration")
_UNITS = {"time": "h", "ratio": "%", "count": ""}
UPDATE_INTERVAL_S = 60.0
# Home Assistant tries a platform that is not ready again after 30, 60... 180 s.
_RETRY_STEP_S = 30.0
_RETRY_STEPS_MAX = 6


@dataclass(frozen=True, slots=True)
class _Row:
    """What the recorder keeps of one state write of the watched entity."""

    state: str
    changed: float  # last_changed, as a timestamp
    updated: float  # last_updated


class PeriodError(ValueError):
    """A template that does not give the period's start or end."""


@dataclass
class HistoryStatsSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    matching: frozenset[str]
    kind: str
    start_template: Template | None
    end_template: Template | None
    duration: timedelta | None
    rounded: bool
    # The recorder's rows of the source, oldest first (trimmed to the period).
    recorded: list[_Row] = field(default_factory=list)
    # Rows dropped from memory leave them right only for periods starting after this.
    complete_after: float = -math.inf
    # What Home Assistant keeps of the period's history: (state, time it began).
    history: list[tuple[str, float]] = field(default_factory=list)
    period: tuple[float, float] = (-math.inf, -math.inf)
    before_start: bool = False
    seconds: float | None = None
    count: int | None = None
    available: bool = True
    ready: bool = False  # the sensor exists (its first update worked)
    _cancel_tick: Callable[[], None] | None = None

    def start(self) -> None:
        persistence = self.runtime.components.get("persistence")
        if persistence is not None:
            self.recorded = [_row(state) for state in persistence.history(self.source, _EPOCH)]
        self._set_up(0)
        if persistence is None:
            self._record_current()
        self.runtime.states.track(self.source, self._source_changed)

    def _set_up(self, tries: int) -> None:
        try:
            self._update(None)
        except (PeriodError, TemplateError) as err:
            # Home Assistant makes no sensor and sets the platform up again: once the
            # house has started, then 30, 60... s after each failure.
            tries += 1
            if tries == 1:
                _LOGGER.warning(
                    "%s: the period cannot be worked out (%s); trying again", self.entity_id, err
                )
            if not self.runtime.running:
                self.runtime.on_start(lambda: self._set_up(tries))
                return
            wait = min(tries, _RETRY_STEPS_MAX) * _RETRY_STEP_S
            self.runtime.scheduler.call_later(wait, lambda _: self._set_up(tries))
            return
        self.ready = True
        self._write()
        self._schedule_tick()

    def _record_current(self) -> None:
        current = self.runtime.states.get(self.source)
        if current is not None:
            self._record(_row(current))

    def _record(self, row: _Row) -> None:
        self.recorded.append(row)
        # Keep only what a query of the period can still need: the last row before it.
        start = self.period[0]
        while len(self.recorded) > 1 and self.recorded[1].updated < start:
            del self.recorded[0]
            self.complete_after = self.recorded[0].updated

    def _source_changed(self, event: Event) -> None:
        new = event.data.get("new_state")
        if new is not None:
            self._record(_row(new))
        if not (self.ready and self.runtime.running):
            return  # Home Assistant follows the entity once the house has started
        try:
            self._update(new)
        except (PeriodError, TemplateError):
            return  # Home Assistant logs it; the sensor keeps its value
        self.available = True
        self._write()
        self._schedule_tick()

    def _tick(self, _: datetime) -> None:
        self._cancel_tick = None
        try:
            self._update(None)
            self.available = True
        except (PeriodError, TemplateError):
            self.available = False
        self._write()
        self._schedule_tick()

    def _schedule_tick(self) -> None:
        if self._cancel_tick is not None:
            self._cancel_tick()
        self._cancel_tick = self.runtime.scheduler.call_later(UPDATE_INTERVAL_S, self._tick)

    def _update(self, new: State | None) -> None:
        """Work the period out and count in it, as Home Assistant's update does."""
        previous_start, previous_end = self.period
        start, end = self._period()
        self.period = (start, end)
        now = math.floor(self.runtime.now().timestamp())
        if start > now:  # history cannot tell the future
            self.history = []
            self.before_start = True
            self.seconds = self.count = None
            return
        unchanged = start == previous_start and (
            end == previous_end or (end >= previous_end and previous_end <= now)
        )
        if unchanged and not self.before_start:
            if new is not None and start <= math.floor(new.last_changed.timestamp()) <= end:
                self.history.append((new.state, new.last_changed.timestamp()))
            elif end < now:
                return  # the period is over and nothing new came in it
        else:
            self.history = self._query(start, end)
            self.before_start = False
        self.seconds, self.count = self._count(now, start, end)

    def _period(self) -> tuple[float, float]:
        zone = self.runtime.settings.tz
        start = _bound(self.start_template, "start", zone)
        end = _bound(self.end_template, "end", zone)
        span = 0.0 if self.duration is None else self.duration.total_seconds()
        if start is None and end is not None:
            start = end - span
        elif end is None and start is not None:
            end = start + span
        if start is None or end is None:  # refused with the configuration already
            raise PeriodError("the period needs two of start, end and duration")
        return math.floor(start), math.floor(end)

    def _query(self, start: float, end: float) -> list[tuple[str, float]]:
        """The recorder's answer: the state in effect at the start (written before it,
        dated at it), then each change of state (not of attributes only) inside."""
        if start <= self.complete_after:
            self._read_back()
        before = [row for row in self.recorded if row.updated < start]
        found = [(before[-1].state, start)] if before else []
        found.extend(
            (row.state, row.changed)
            for row in self.recorded
            if row.changed == row.updated and start < row.updated < end
        )
        return found

    def _read_back(self) -> None:
        """The period starts before the rows kept in memory: read the older ones from
        the database again, as Home Assistant asks its recorder on each move. (The
        kept ones stay: they hold what the database may not have written yet.)"""
        persistence = self.runtime.components.get("persistence")
        if persistence is None:
            return  # nothing else keeps them
        first = self.recorded[0].updated if self.recorded else math.inf
        stored = (_row(state) for state in persistence.history(self.source, _EPOCH))
        self.recorded[:0] = [row for row in stored if row.updated < first]
        self.complete_after = -math.inf

    def _count(self, now: float, start: float, end: float) -> tuple[float, int]:
        # The first state is taken as in effect from the period's start, whenever it began.
        matched = bool(self.history) and self.history[0][0] in self.matching
        since = start
        elapsed = 0.0
        count = 1 if matched else 0
        for state, began in self.history:
            matches = state in self.matching
            if matched:
                elapsed += began - since
            elif matches:
                count += 1
            matched = matches
            since = began
        if matched:
            elapsed += min(end, now) - since
        return elapsed, count

    def _value(self) -> str:
        if not self.available:
            return "unavailable"
        if self.seconds is None or self.count is None:
            return "unknown"
        if self.kind == "count":
            return str(self.count)
        if self.kind == "ratio":
            start, end = self.period
            ratio = 0.0 if start == end else round(100 * self.seconds / (end - start), 1)
            return f"{ratio:.15}"
        hours = self.seconds / 3600
        # Home Assistant writes a float with 15 significant digits.
        return f"{round(hours, 2) if self.rounded else hours:.15}"

    def _write(self) -> None:
        attributes: dict[str, Any] = {
            "state_class": "measurement",
            "unit_of_measurement": _UNITS[self.kind],
        }
        if self.kind == "time":
            attributes["device_class"] = "duration"
        attributes["icon"] = "mdi:chart-line"
        attributes["friendly_name"] = self.name
        # Home Assistant writes it from a task of its own, under a context of its own.
        named = with_registry_names(self.runtime, self.entity_id, attributes)
        self.runtime.states.set(self.entity_id, self._value(), named, context=Context())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _row(state: State) -> _Row:
    return _Row(state.state, state.last_changed.timestamp(), state.last_updated.timestamp())


def _bound(template: Template | None, key: str, zone: tzinfo) -> float | None:
    """The timestamp ``template`` gives: a date and time (local without a zone) or a
    UNIX timestamp, cut to whole seconds; None without a template."""
    if template is None:
        return None
    rendered = template.render()
    if isinstance(rendered, str):
        parsed = _parse_datetime(rendered, zone)
        if parsed is not None:
            return parsed.timestamp()
    try:
        return float(math.floor(float(rendered)))
    except (TypeError, ValueError, OverflowError) as err:
        raise PeriodError(
            f"Parsing error: {key} must be a datetime or a timestamp: {err}"
        ) from None


def _parse_datetime(text: str, zone: tzinfo) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _states(item: Mapping[str, Any]) -> frozenset[str]:
    if "state" not in item or item["state"] is None:
        raise OptionError("state", "'state' is required: the state, or a list of states")
    value = item["state"]
    values = value if isinstance(value, list) else [value]
    for one in values:
        if isinstance(one, (dict, list)) or one is None:
            raise OptionError("state", f"each state must be a text, got {one!r}")
    return frozenset(str(one) for one in values)


def _template(runtime: Runtime, item: Mapping[str, Any], key: str) -> Template | None:
    if key not in item:
        return None
    value = item[key]
    if isinstance(value, (dict, list)) or value is None:
        raise OptionError(key, f"{key} must be a template, got {value!r}")
    template = get_template_engine(runtime).template(str(value))
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise OptionError(key, f"invalid template: {err}") from None
    return template


def _duration(item: Mapping[str, Any]) -> timedelta | None:
    if "duration" not in item:
        return None
    try:
        return parse_duration(item["duration"])
    except DurationError as err:
        raise OptionError("duration", str(err)) from None


def setup_history_stats(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: history_stats`` item's sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, _KEYS)
        source = entity_id_option(item, "entity_id")
        matching = _states(item)
        kind = text_option(item, "type") or "time"
        if kind not in _UNITS:
            raise OptionError("type", f"type must be one of time, ratio, count; got {kind!r}")
        name = text_option(item, "name")
        name = "unnamed statistics" if name is None else name
        unique_id = text_option(item, "unique_id")
        if sum(key in item for key in _PERIOD_KEYS) != 2:
            raise OptionError(
                None, "You must provide exactly 2 of the following: start, end, duration"
            )
        start = _template(runtime, item, "start")
        end = _template(runtime, item, "end")
        duration = _duration(item)
    except OptionError as err:
        return [option_issue(item, where, err)]
    entity_id = registered_entity_id(
        runtime, f"sensor.{entity_slug(name)}", set(), "history_stats", item.get("unique_id")
    )
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    HistoryStatsSensor(
        runtime,
        entity_id,
        name,
        source,
        matching,
        kind,
        start,
        end,
        duration,
        rounded=unique_id is None,
    ).start()
    return []
