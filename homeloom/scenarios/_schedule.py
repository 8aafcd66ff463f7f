"""The ``schedule`` helper: on inside weekly time blocks, off outside, as in Home Assistant.

Each weekday holds a list of ``{from, to}`` blocks; ``to`` may be ``24:00`` (the end
of the day). The entity wakes up at the next block edge only (a timer of the
runtime's scheduler, so a test clock moves it), and then works its state out
again from the local wall clock. Like Home Assistant 2024.3, edges are wall-clock
times: across a DST change an edge that does not exist fires an hour later, and a
block in the hour that repeats follows its first occurrence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from homeloom.orchestrator import Context, Runtime, ServiceCall, Unsubscribe

from ._config_dir import reread_config_dir
from ._helpers_base import HelperConfig, HelperEntity, setup_kind

__all__ = ["END_OF_DAY", "Schedule", "ScheduleConfig", "install_schedule_reload"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# ``to: "24:00"``: the last instant of the day, so every time of the day lies before it.
END_OF_DAY = time.max
_VALID_TIME = 'a time as "HH:MM" or "HH:MM:SS"'


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("schedule", message)


def _parse_time(value: Any, *, may_end_day: bool) -> time:
    """Home Assistant's reading of a time: hours and minutes, seconds optional; ``to``
    also takes hour 24 minute 0 (whatever its seconds) as the end of the day."""
    if isinstance(value, time):
        return value
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 07:30 as 450 (base 60)
        raise _error(f"{value!r} is not {_VALID_TIME}: quote a time like 07:30")
    if not isinstance(value, str):
        raise _error(f"{value!r} is not {_VALID_TIME}")
    parts = value.split(":")
    try:
        numbers = [int(part) for part in parts[:3]]
        if len(numbers) < 2:
            raise ValueError(value)
        if may_end_day and numbers[:2] == [24, 0]:
            return END_OF_DAY
        hour, minute, second = [*numbers, 0][:3]
        return time(hour, minute, second)
    except ValueError:
        valid = f"{_VALID_TIME}{', or 24:00' if may_end_day else ''}"
        raise _error(f"{value!r} is not {valid}") from None


def _text(moment: time) -> str:
    return "24:00:00" if moment == END_OF_DAY else moment.isoformat()


@dataclass(frozen=True, slots=True)
class TimeBlock:
    """One block of a day: on from ``start`` (included) until ``end`` (excluded)."""

    start: time
    end: time

    def holds(self, moment: time) -> bool:
        return self.start <= moment and (moment < self.end or self.end == END_OF_DAY)


def _blocks(value: Any) -> list[TimeBlock]:
    """A day's blocks: a list of ``{from, to}`` mappings, or one such mapping."""
    if value is None:
        return []
    blocks = []
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, Mapping):
            raise _error(f"{item!r} is not a block: expected a mapping with 'from' and 'to'")
        extra = sorted(str(key) for key in item if key not in ("from", "to"))
        if extra:  # ``data:`` too: a block of Home Assistant 2024.3 carries none
            raise _error(f"a block takes only 'from' and 'to', not {', '.join(extra)}")
        missing = [key for key in ("from", "to") if key not in item]
        if missing:
            raise _error(f"a block needs both 'from' and 'to'; {missing[0]!r} is missing")
        start = _parse_time(item["from"], may_end_day=False)
        blocks.append(TimeBlock(start, _parse_time(item["to"], may_end_day=True)))
    return blocks


Day = Annotated[list[TimeBlock], BeforeValidator(_blocks)]


class ScheduleConfig(HelperConfig):
    name: str = Field(min_length=1)  # required, unlike the other helpers' names
    monday: Day = []
    tuesday: Day = []
    wednesday: Day = []
    thursday: Day = []
    friday: Day = []
    saturday: Day = []
    sunday: Day = []

    @field_validator(*WEEKDAYS, mode="after")
    @classmethod
    def _in_order(cls, blocks: list[TimeBlock]) -> list[TimeBlock]:
        """Sorted by start; each block must end after it starts, and may touch the next
        one but not overlap it."""
        blocks = sorted(blocks, key=lambda block: block.start)
        previous: TimeBlock | None = None
        for block in blocks:
            if block.start >= block.end:
                raise _error(
                    f"the block from {_text(block.start)} to {_text(block.end)} does not end "
                    "after it starts: 'to' must be later than 'from' (24:00 for midnight)"
                )
            if previous is not None and previous.end > block.start:
                raise _error(
                    f"the blocks {_text(previous.start)}-{_text(previous.end)} and "
                    f"{_text(block.start)}-{_text(block.end)} overlap: a block may start "
                    "when the one before ends, not earlier"
                )
            previous = block
        return blocks

    def day(self, weekday: int) -> list[TimeBlock]:
        blocks: list[TimeBlock] = getattr(self, WEEKDAYS[weekday])
        return blocks


class Schedule(HelperEntity):
    domain = "schedule"
    editable = False
    config_model = ScheduleConfig
    config: ScheduleConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.next_event: datetime | None = None
        self._cancel: Unsubscribe | None = None

    def attributes(self) -> dict[str, Any]:
        # Home Assistant's order: capability, then extra attributes, then icon and name.
        return {
            "editable": self.editable,
            "next_event": self.next_event,
            **({"icon": self.config.icon} if self.config.icon else {}),
            "friendly_name": self.name,
        }

    def restore(self) -> None:
        """No state is restored: it follows from the configuration and the clock."""
        self._update()

    def reconfigure(self, config: ScheduleConfig) -> None:
        """Take a reloaded configuration: the state is worked out again at once."""
        self._disarm()
        self.config = config
        self.name = config.name
        self._update()

    def remove(self, context: Context) -> None:
        """Stop waking up and drop the entity (a reload that no longer has it)."""
        self._disarm()
        self.runtime.states.remove(self.entity_id, context=context)

    def _disarm(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _update(self, _: datetime | None = None) -> None:
        self._cancel = None
        now = self.runtime.local_now()
        today = self.config.day(now.weekday())
        state = "on" if any(block.holds(now.time()) for block in today) else "off"
        self.next_event = self._next_edge(now)
        self.runtime.states.set(
            self.entity_id,
            state,
            self.attributes(),
            context=Context(origin="system", source=self.entity_id),
        )
        if self.next_event is not None:
            # First among the timers due then: Home Assistant's time triggers fire a few
            # milliseconds after the second, so they read the new state.
            self._cancel = self.runtime.scheduler.call_at(self.next_event, self._update, first=True)

    def _next_edge(self, now: datetime) -> datetime | None:
        """The first block edge after ``now``, looking up to the same weekday next week.

        Edges are wall-clock times on ``now``'s time zone, compared as wall-clock times
        (Python does so for datetimes that share their tzinfo), as Home Assistant does.
        """
        for days_ahead in range(8):
            blocks = self.config.day((now.weekday() + days_ahead) % 7)
            edges = sorted(edge for block in blocks for edge in (block.start, block.end))
            for edge in edges:
                if edge == END_OF_DAY:
                    moment = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
                    moment += timedelta(days=days_ahead + 1)
                else:
                    moment = datetime.combine(now.date(), edge, tzinfo=now.tzinfo)
                    moment += timedelta(days=days_ahead)
                if moment > now:
                    return moment
        return None


def install_schedule_reload(runtime: Runtime, schedules: dict[str, Schedule]) -> None:
    """``schedule.reload``: the ``schedule:`` block read again. A schedule kept is updated
    in place (left as it was, it writes no new state), a new one is made, a dropped one
    removed.

    Unlike Home Assistant, which drops every schedule when the block has a bad item, a
    bad block fails the call and changes nothing.
    """

    def reload(call: ServiceCall) -> None:
        config = reread_config_dir(runtime.config_dir, "schedules")
        block = config.get(Schedule.domain) or {}
        if not isinstance(block, Mapping):
            raise ValueError("schedule: expected a mapping of schedules")
        parsed = {str(object_id): _parsed(object_id, item) for object_id, item in block.items()}
        for entity_id, schedule in list(schedules.items()):
            if schedule.object_id not in parsed:
                del schedules[entity_id]
                schedule.remove(call.context)
        kept = {schedule.object_id: schedule for schedule in schedules.values()}
        for object_id, item in parsed.items():
            if object_id in kept:
                kept[object_id].reconfigure(item)
        added = {key: value for key, value in block.items() if str(key) not in kept}
        made, _ = setup_kind(runtime, {Schedule.domain: added}, Schedule)
        schedules.update(
            {item.entity_id: item for item in made.values() if isinstance(item, Schedule)}
        )

    runtime.services.register(Schedule.domain, "reload", reload)


def _parsed(object_id: Any, item: Any) -> ScheduleConfig:
    try:
        return ScheduleConfig.model_validate(dict(item or {}))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"][:1])
        raise ValueError(f"schedule.{object_id}.{where}: {first['msg']}") from None
    except (TypeError, ValueError):
        raise ValueError(f"schedule.{object_id}: expected a mapping of options") from None
