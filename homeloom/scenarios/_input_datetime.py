"""The ``input_datetime`` helper: a date, a time or both, as in Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from homeloom.orchestrator import Context, ServiceValidationError

from ._durations import parse_time_of_day
from ._helpers_base import HelperConfig, HelperEntity

__all__ = ["InputDateTime"]


class _DateTime(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    date: str | None = None
    time: str | None = None
    datetime: str | None = None
    timestamp: float | None = None


def _parse_time(text: str) -> time:
    """A time as Home Assistant reads one (``7:05``, ``07:05:30``)."""
    try:
        return parse_time_of_day(text)
    except ValueError:
        raise ValueError(f"invalid time: {text!r}") from None


def _parse_date(text: str) -> date:
    """A date as Home Assistant reads one: year-month-day (``2026-6-4`` too)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"invalid date: {text!r}") from None


class DateTimeConfig(HelperConfig):
    has_date: bool = False
    has_time: bool = False
    initial: str | None = None

    @model_validator(mode="after")
    def _something(self) -> DateTimeConfig:
        if not (self.has_date or self.has_time):
            raise ValueError("set has_date, has_time or both")
        if self.initial:
            self.parse(self.initial)  # refused as Home Assistant refuses it
        return self

    def parse(self, text: str) -> datetime:
        """A value written for this helper (its ``initial``, a saved state), read as Home
        Assistant reads it for the parts the helper has (aware only if ``text`` is)."""
        if self.has_date and self.has_time:
            return datetime.fromisoformat(text)
        if self.has_date:
            return datetime.combine(_parse_date(text), time(0))
        return datetime.combine(date(1970, 1, 1), _parse_time(text))


class InputDateTime(HelperEntity):
    domain = "input_datetime"
    editable = False
    config_model = DateTimeConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {"set_datetime": _DateTime}
    config: DateTimeConfig

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "has_date": self.config.has_date,
            "has_time": self.config.has_time,
        }

    def _text(self, value: datetime) -> str:
        if self.config.has_date and self.config.has_time:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if self.config.has_date:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%H:%M:%S")

    def _show(self, value: datetime, context: Context | None = None) -> None:
        """The state and, as in Home Assistant, the parts the helper has as attributes."""
        parts: dict[str, Any] = {}
        if self.config.has_date:
            parts.update(year=value.year, month=value.month, day=value.day)
        if self.config.has_time:
            parts.update(hour=value.hour, minute=value.minute, second=value.second)
        if not self.config.has_date:
            parts["timestamp"] = value.hour * 3600 + value.minute * 60 + value.second
        else:
            moment = value if self.config.has_time else datetime.combine(value.date(), time(0))
            parts["timestamp"] = moment.replace(tzinfo=self.runtime.settings.tz).timestamp()
        self.write(self._text(value), context, **parts)

    def _parse(self, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return datetime.combine(date(1970, 1, 1), time.fromisoformat(text))

    def restore(self) -> None:
        previous = self.previous()
        text = self.config.initial or (previous.state if previous is not None else None)
        try:
            value = self.config.parse(text) if text else None
        except ValueError:
            value = None
        if value is not None and value.tzinfo is not None:
            # As Home Assistant: a value with an offset is shown in the house's time.
            value = value.astimezone(self.runtime.settings.tz).replace(tzinfo=None)
        if value is None:
            value = (
                datetime(1970, 1, 1)
                if not self.config.has_date
                else datetime.combine(self.runtime.local_now().date(), time(0))
            )
        self._show(value)

    def apply_reload(self, config: Any) -> None:
        """The date and time are kept; the state shows the parts the new options have."""
        current = self._parse(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        self.take_options(config)
        self._show(current)

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        """As in Home Assistant: date and time, datetime and timestamp exclude each other;
        the parts the helper does not have are dropped, and a call left with nothing to set
        fails; a part not given keeps its current value."""
        given = [
            any(data.get(key) is not None for key in ("date", "time")),
            data.get("datetime") is not None,
            data.get("timestamp") is not None,
        ]
        if sum(given) > 1:
            keys = ", ".join(key for key in data if data[key] is not None)
            raise ServiceValidationError(  # all three: vol.Invalid in Home Assistant
                self.domain, service, "datetime", f"cannot use together: {keys}", invalid_data=True
            )
        current = self._parse(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        try:
            day = _parse_date(str(data["date"])) if data.get("date") else None
            at = _parse_time(str(data["time"])) if data.get("time") else None
            moment: datetime | None = None
            if data.get("timestamp"):
                moment = datetime.fromtimestamp(
                    float(data["timestamp"]), self.runtime.settings.tz
                ).replace(tzinfo=None)
            elif data.get("datetime"):
                moment = datetime.fromisoformat(str(data["datetime"])).replace(tzinfo=None)
        except ValueError as err:
            raise ServiceValidationError(
                self.domain, service, "datetime", str(err), invalid_data=True
            ) from None
        if moment is not None:
            day, at = moment.date(), moment.time()
        day = day if self.config.has_date else None
        at = at if self.config.has_time else None
        if day is None and at is None:
            raise ServiceValidationError(
                self.domain, service, "datetime", "nothing to set", invalid_data=True
            )
        value = datetime.combine(day or current.date(), at or current.time())
        self._show(value, context)
