"""The workday binary sensor, made from a config entry of the ``workday`` integration as
Home Assistant 2024.3 makes it.

Home Assistant 2024.3 sets the integration up from its UI only: a ``binary_sensor:``
item with ``platform: workday`` is refused (its platform has no YAML setup), so
homeloom leaves such an item unprovided too. An entry's ``options`` give:

* ``country`` (none: no public holidays) and ``province``, looked up in the
  ``holidays`` package (the version Home Assistant 2024.3 pins); an unknown one is an
  error, and the entry makes nothing, as Home Assistant fails to set it up;
* ``language`` of the holidays' names (those ``remove_holidays`` matches): the
  country's own when the entry lacks the key, as Home Assistant then writes it; ``en``
  stands for the country's last English variant (``en_US``...), as Home Assistant
  picks it;
* ``workdays`` (default mon-fri) and ``excludes`` (default sat, sun and holiday), of
  ``mon``...``sun`` and ``holiday``: a day is a workday when its weekday (or its being
  a public holiday) is among the workdays, and neither is among the excludes;
* ``days_offset`` (-10 to 10, as the UI allows): the sensor tells about the day that
  many days from today;
* ``add_holidays`` (dates, or ``first,last`` ranges) and ``remove_holidays`` (dates,
  ranges, or names matched in part and in any case); Home Assistant's UI refuses a
  text that is not a date where one is needed, and so does homeloom. A removal that
  matches no holiday is only logged, as Home Assistant only warns of it. Removals by
  name apply to the year of the sensor's first day only, as in Home Assistant, whose
  holidays object fills in later years as they are asked for.

The sensor is ``on`` on a workday. Home Assistant polls it every 30 seconds from its
setup; as only the date matters, homeloom works it out again at the first of those
polls after each local midnight. Its attributes are ``workdays``, ``excludes`` and
``days_offset``; its name is the options' ``name`` (the entry's title when absent),
its entity id the registry's or one made from that name. ``workday.check_date`` (data
``check_date``: a date; response data only) answers ``{entity_id: {"workday": ...}}``
for each workday sensor targeted, the offset applied to the date too.

The ``holidays`` package is imported only when a house has a workday entry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import Context, Runtime, ServiceCall
from homeloom.orchestrator.types import ServiceResponse

from ._computed_entries import RegisteredEntity, entry_identity
from ._entity_hooks import Hooks, stop_entity
from ._platform_options import OptionError, whole_option

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = ["make_workday_entry"]

DOMAIN = "workday"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = (*WEEKDAYS, "holiday")
_DEFAULT_WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]
_DEFAULT_EXCLUDES = ["sat", "sun", "holiday"]
# Home Assistant's binary sensors are polled this often, from their setup on.
_POLL = timedelta(seconds=30)
# The offsets Home Assistant's UI allows (a larger one would take the day out of range).
_OFFSETS = (-10, 10)
_LOGGER = logging.getLogger(__name__)


class _CheckDate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    check_date: date


@dataclass
class WorkdaySensor:
    runtime: Runtime
    entity_id: str
    name: str
    calendar: HolidayBase
    workdays: list[str]
    excludes: list[str]
    days_offset: int
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self._set_up_at = self.runtime.now()
        self._write()
        self._schedule()

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (before the offset) counts as a workday."""
        shifted = day + timedelta(days=self.days_offset)
        weekday = WEEKDAYS[shifted.weekday()]
        holiday = shifted in self.calendar
        included = weekday in self.workdays or ("holiday" in self.workdays and holiday)
        excluded = weekday in self.excludes or ("holiday" in self.excludes and holiday)
        return included and not excluded

    def _today(self) -> date:
        return self.runtime.now().astimezone(self.runtime.settings.tz).date()

    def _schedule(self) -> None:
        """At the first poll on or after the next local midnight."""
        tz = self.runtime.settings.tz
        tomorrow = self._today() + timedelta(days=1)
        midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz)
        polls = -((self._set_up_at - midnight) // _POLL)  # rounded up
        # First among the timers due then, as other built-in entities' updates.
        due = self._set_up_at + polls * _POLL
        self.hooks.keep(self.runtime.scheduler.call_at(due, self._update, first=True), "update")

    def _update(self, _: datetime) -> None:
        self._write()
        self._schedule()

    def stop(self) -> None:
        _sensors(self.runtime).pop(self.entity_id, None)  # check_date no longer finds it
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _write(self) -> None:
        attributes = {
            "workdays": self.workdays,
            "excludes": self.excludes,
            "days_offset": self.days_offset,
            "friendly_name": self.name,
        }
        state = "on" if self.is_workday(self._today()) else "off"
        self.runtime.states.set(self.entity_id, state, attributes, context=Context())


def make_workday_entry(
    runtime: Runtime,
    entry_id: str,
    title: str,
    options: Mapping[str, Any],
    registered: RegisteredEntity | None,
) -> WorkdaySensor:
    """Make a workday entry's sensor; raises OptionError for an option that stops it."""
    workdays = _days(options, "workdays", _DEFAULT_WORKDAYS)
    excludes = _days(options, "excludes", _DEFAULT_EXCLUDES)
    days_offset = whole_option(options, "days_offset", 0)
    if not _OFFSETS[0] <= days_offset <= _OFFSETS[1]:
        message = f"'days_offset' must be from {_OFFSETS[0]} to {_OFFSETS[1]}, got {days_offset}"
        raise OptionError("days_offset", message)
    added = [day for item, key in _texts(options, "add_holidays") for day in _dates(item, key)]
    removed = [
        day
        for item, key in _texts(options, "remove_holidays")
        for day in (_dates(item, key) if _is_range(item) else [_parse_date(item) or item])
    ]
    year = (runtime.now().astimezone(runtime.settings.tz) + timedelta(days=days_offset)).year
    calendar = _calendar(options, year)
    calendar.append([day.isoformat() for day in added])
    for item in removed:
        try:
            if isinstance(item, date):
                calendar.pop(item)
            else:
                calendar.pop_named(item)
        except KeyError:
            _LOGGER.warning("workday entry %s: no holiday found matching %s", entry_id, item)
    name = options.get("name")
    name = name if isinstance(name, str) and name else title
    entity_id, name = entry_identity(runtime, "binary_sensor", name, registered)
    sensor = WorkdaySensor(runtime, entity_id, name, calendar, workdays, excludes, days_offset)
    _sensors(runtime)[entity_id] = sensor
    sensor.start()
    return sensor


def _calendar(options: Mapping[str, Any], year: int) -> HolidayBase:
    """The public holidays of the entry's country and province (none without a country),
    named in its language, as Home Assistant picks it."""
    import holidays  # large: imported only by houses with a workday sensor

    country, province = options.get("country"), options.get("province")
    if not country:
        return holidays.HolidayBase()
    language = options.get("language")
    if language is not None and not isinstance(language, str):
        raise OptionError("language", f"'language' must be a text, got {language!r}")
    supported = holidays.list_supported_countries()
    try:
        holidays.country_holidays(country)
    except (NotImplementedError, TypeError):
        valid = ", ".join(sorted(supported))
        raise OptionError("country", f"country {country!r} is not known; valid: {valid}") from None
    try:
        holidays.country_holidays(country, subdiv=province)
    except (NotImplementedError, TypeError):
        valid = ", ".join(supported[country]) or "none"
        message = f"province {province!r} is not one of {country}'s; valid: {valid}"
        raise OptionError("province", message) from None
    calendar = holidays.country_holidays(country, subdiv=province, years=year)
    # Only a missing key takes the country's language (a null one stays, as in Home
    # Assistant, which fills in the key when the entry lacks it).
    if "language" not in options:
        language = calendar.default_language
    english = [code for code in calendar.supported_languages if code.startswith("en")]
    if language == "en" and english:
        language = english[-1]  # Home Assistant's loop keeps the last one
    return holidays.country_holidays(country, subdiv=province, years=year, language=language)


def _days(options: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
    if key not in options:
        return default
    for day, where in _texts(options, key):
        if day not in _DAYS:
            raise OptionError(where, f"{day!r} is not one of {', '.join(_DAYS)}")
    return list(options[key])


def _texts(options: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    """The option's texts, each with its key (``add_holidays[0]``)."""
    value = options.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise OptionError(key, f"'{key}' must be a list of texts, got {value!r}")
    return [(item, f"{key}[{n}]") for n, item in enumerate(value)]


def _parse_date(text: str) -> date | None:
    """A ``YYYY-MM-DD`` date as Home Assistant parses one, None for any other text."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _is_range(text: str) -> bool:
    """Whether Home Assistant reads ``text`` as a ``first,last`` range of dates."""
    return text.find(",") > 0


def _dates(text: str, key: str) -> list[date]:
    """The days of a date or of a ``first,last`` range (none when last comes first)."""
    first, _, last = text.partition(",") if _is_range(text) else (text, "", text)
    start, end = _parse_date(first), _parse_date(last)
    if start is None or end is None:
        raise OptionError(key, f"{text!r} is not a date (YYYY-MM-DD) or a range of two")
    return [start + timedelta(days=days) for days in range((end - start).days + 1)]


def _sensors(runtime: Runtime) -> dict[str, WorkdaySensor]:
    """The house's workday sensors by entity id; the first registers check_date."""
    sensors: dict[str, WorkdaySensor] | None = runtime.components.get(DOMAIN)
    if sensors is None:
        sensors = runtime.components[DOMAIN] = {}
        known = sensors

        def check_date(call: ServiceCall) -> ServiceResponse:
            day: date = call.data["check_date"]
            return {
                entity_id: {"workday": known[entity_id].is_workday(day)}
                for entity_id in call.entity_ids
                if entity_id in known
            }

        runtime.services.register(
            DOMAIN,
            "check_date",
            check_date,
            schema=_CheckDate,
            target="required",
            entity_domains=("binary_sensor",),
            supports_response="only",
        )
    return sensors
