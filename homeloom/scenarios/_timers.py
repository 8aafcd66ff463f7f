"""Timers, configured in YAML as in Home Assistant.

Timers differ from Home Assistant on purpose: a running timer survives a
restart with its remaining time (its ``finishes_at`` is kept), and one that
ran out while the house was down finishes at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator

from homeloom.orchestrator import Context, ServiceValidationError, Unsubscribe

from ._durations import DurationError, parse_duration
from ._ha_restore import restored_state
from ._helpers_base import HelperConfig, HelperEntity

__all__ = ["Timer"]


def _duration_text(value: timedelta) -> str:
    seconds = round(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _as_duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise ValueError(str(err)) from None


class TimerConfig(HelperConfig):
    duration: timedelta = timedelta()
    restore: bool = True

    @field_validator("duration", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> timedelta:
        return _as_duration(value)


class _Start(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    duration: Any = None


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    duration: Any


class Timer(HelperEntity):
    domain = "timer"
    editable = False
    config_model = TimerConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "start": _Start,
        "pause": None,
        "cancel": None,
        "finish": None,
        "change": _Change,
    }
    config: TimerConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # ``duration`` is the running duration: a ``timer.start`` with a duration sets it for
        # that run only; cancelling or finishing brings back the configured one.
        self.duration = self.config.duration
        # As in Home Assistant, ``remaining`` is only brought up to date on start, pause and
        # change: a restart of an active timer runs for the remaining time of its last start.
        self.remaining: timedelta | None = None
        self.finishes_at: datetime | None = None
        self._cancel: Unsubscribe | None = None

    def _write(self, state: str, context: Context | None = None) -> None:
        # In Home Assistant's order (a printed state or attributes shows it): the timer's
        # own attributes first, then the name and icon.
        attrs: dict[str, Any] = {
            "duration": _duration_text(self.duration),
            "editable": self.editable,
        }
        if self.finishes_at is not None and state == "active":
            attrs["finishes_at"] = self.finishes_at.isoformat()
        if self.remaining is not None and state != "idle":
            attrs["remaining"] = _duration_text(self.remaining)
        # Shown as Home Assistant shows it: only when written true (homeloom's own default
        # is to restore, see restore()).
        if self.config.restore and "restore" in self.config.model_fields_set:
            attrs["restore"] = True
        # Home Assistant's timers force their updates: every write is a state change
        # (`timer.cancel` on an idle timer, a restart within the same second), which
        # `state_changed` listeners, state triggers and the state's last_changed see.
        self.runtime.states.set(
            self.entity_id,
            state,
            {**attrs, **self.attributes()},
            context=context or Context(),
            force_update=True,
        )

    def restore(self) -> None:
        # Home Assistant's timers restore only with ``restore: true`` (homeloom's own saved
        # ones by default): one without it restarted idle there, so starts idle from there.
        from_home_assistant = "restore" in self.config.model_fields_set
        previous = restored_state(self.runtime, self.entity_id, home_assistant=from_home_assistant)
        if not self.config.restore or previous is None or previous.state == "idle":
            self._write("idle")
            return
        if previous.attributes.get("duration"):
            self.duration = _as_duration(previous.attributes["duration"])
        if previous.state == "paused" and previous.attributes.get("remaining"):
            self.remaining = _as_duration(previous.attributes["remaining"])
            self._write("paused")
            return
        finishes = previous.attributes.get("finishes_at")
        if previous.state == "active" and finishes:
            self.finishes_at = datetime.fromisoformat(str(finishes))
            self.remaining = max(self.finishes_at - self.runtime.now(), timedelta())
            self._write("active")
            self._arm()
            return
        self.duration = self.config.duration
        self._write("idle")

    def apply_reload(self, config: Any) -> None:
        """A running or paused timer goes on as it was; an idle one takes the new duration
        at once (Home Assistant's order)."""
        self.take_options(config)
        state = self.runtime.states.get(self.entity_id)
        current = state.state if state is not None else "idle"
        if current == "idle":
            self.duration = config.duration
        self._write(current)

    def remove(self, context: Context) -> None:
        self._disarm()
        super().remove(context)

    def _arm(self) -> None:
        self._disarm()
        assert self.finishes_at is not None
        self._cancel = self.runtime.scheduler.call_at(self.finishes_at, self._finished)

    def _disarm(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _finished(self, _: datetime) -> None:
        self._cancel = None
        self._finish(Context(origin="system", source=self.entity_id))

    def _finish(self, context: Context, *, changed: bool = False) -> None:
        """Back to idle with the configured duration; ``timer.finished`` says when it ended.

        ``changed``: ended by a ``timer.change``, whose ``timer.changed`` comes first.
        """
        end = self.finishes_at
        self._disarm()
        self._idle(context)
        if changed:
            self._event("changed", context)
        finished_at = end.astimezone(UTC).isoformat() if end is not None else None
        self._event("finished", context, finished_at=finished_at)

    def _idle(self, context: Context) -> None:
        self.finishes_at = None
        self.remaining = None
        self.duration = self.config.duration
        self._write("idle", context)

    def _event(self, what: str, context: Context, **data: Any) -> None:
        # after the other timers of the same call have changed (see StateStore.fire)
        self.runtime.states.fire(f"timer.{what}", {"entity_id": self.entity_id, **data}, context)

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        """The commands as in Home Assistant: ``cancel`` always fires ``timer.cancelled``,
        ``finish`` acts on an active timer only, and ``change`` fails unless the timer is
        active and the new remaining time lies between zero and the running duration."""
        state = self.runtime.states.get(self.entity_id)
        current = state.state if state is not None else "idle"
        now = self.runtime.now().replace(microsecond=0)
        if service == "start":
            self._start(data, current, now, context)
        elif service == "pause" and current == "active" and self.finishes_at is not None:
            self._disarm()
            self.remaining = self.finishes_at - now
            self.finishes_at = None
            self._write("paused", context)
            self._event("paused", context)
        elif service == "cancel":
            self._disarm()
            self._idle(context)
            self._event("cancelled", context)
        elif service == "finish" and current == "active" and self.finishes_at is not None:
            self._finish(context)
        elif service == "change":
            self._change(_as_duration(data["duration"]), service, context, now)

    def _start(
        self, data: Mapping[str, Any], current: str, now: datetime, context: Context
    ) -> None:
        length = _as_duration(data["duration"]) if data.get("duration") is not None else None
        if length:
            self.duration = length
        remaining = length or self.remaining or self.duration
        self.remaining = remaining
        self.finishes_at = now + remaining
        self._write("active", context)
        self._arm()
        self._event("restarted" if current in ("active", "paused") else "started", context)

    def _change(self, delta: timedelta, service: str, context: Context, now: datetime) -> None:
        if self._cancel is None or self.finishes_at is None:
            raise ServiceValidationError(
                self.domain, service, "", f"timer {self.entity_id} is not running"
            )
        if self.remaining and self.remaining + delta > self.duration:
            raise ServiceValidationError(
                self.domain, service, "duration", f"cannot change {self.entity_id} beyond duration"
            )
        if self.remaining and self.remaining + delta < timedelta():
            raise ServiceValidationError(
                self.domain, service, "duration", "the remaining time cannot be negative"
            )
        self.finishes_at += delta
        self.remaining = self.finishes_at - now
        self._write("active", context)
        if self.finishes_at <= now:
            # The change took more than was left since the last start or change (the limit
            # counts from then): Home Assistant arms an end already past, which comes
            # before any run started by the change reads the timer, so those see it idle.
            self._finish(context, changed=True)
            return
        self._arm()
        self._event("changed", context)
