"""The globals, filters and tests templates offer, named and behaving as in Home Assistant."""

from __future__ import annotations

import base64
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from numbers import Number
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode as _urlencode

from homeloom.orchestrator import Runtime, State, valid_entity_id

from ._template_states import AllStates, TemplateState, note_entity, note_time

if TYPE_CHECKING:
    import jinja2

__all__ = ["install_functions"]

_SENTINEL: Any = object()
MAX_RANGE = 100_000
MAX_REGEX = 1000


class TemplateValueError(ValueError):
    """A function got a value it cannot use and no default."""


def _fail(name: str, value: Any) -> Any:
    raise TemplateValueError(f"{name} got invalid input {value!r} and no default was given")


# --- numbers --------------------------------------------------------------------------


def to_float(value: Any, default: Any = _SENTINEL) -> Any:
    try:
        return float(value)
    except (ValueError, TypeError):
        return _fail("float", value) if default is _SENTINEL else default


def to_int(value: Any, default: Any = _SENTINEL, base: int = 10) -> Any:
    try:
        if isinstance(value, str) and base != 10:
            return int(value, base)
        return int(float(value)) if isinstance(value, str) else int(value)
    except (ValueError, TypeError, OverflowError):
        return _fail("int", value) if default is _SENTINEL else default


def to_bool(value: Any, default: Any = _SENTINEL) -> Any:
    # Only text and numbers convert: ``none | bool`` fails, as in Home Assistant.
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.lower().strip()
        if text in ("1", "true", "yes", "on", "enable"):
            return True
        if text in ("0", "false", "no", "off", "disable"):
            return False
    elif isinstance(value, Number):
        return bool(value)
    return _fail("bool", value) if default is _SENTINEL else default


def is_number(value: Any) -> bool:
    try:
        number = float(value)
    except (ValueError, TypeError):
        return False
    return math.isfinite(number)


def round_value(
    value: Any, precision: int = 0, method: str = "common", default: Any = _SENTINEL
) -> Any:
    try:
        number = float(value)
    except (ValueError, TypeError):
        return _fail("round", value) if default is _SENTINEL else default
    if method == "ceil":
        factor = 10**precision
        result: float = math.ceil(number * factor) / factor
    elif method == "floor":
        factor = 10**precision
        result = math.floor(number * factor) / factor
    elif method == "half":
        result = round(number * 2) / 2
    else:
        result = round(number, precision)
    return int(result) if precision == 0 else result


def _values(name: str, args: tuple[Any, ...], default: Any) -> tuple[Any, Any]:
    """The values of ``average`` or ``median``, and the default: an iterable first argument
    takes a second positional one as its default; else the arguments are the values."""
    if not args:
        raise TypeError(f"{name} expected at least 1 argument, got 0")
    if isinstance(args[0], Iterable):
        if len(args) > 1 and default is _SENTINEL:
            default = args[1]
        return args[0], default
    if len(args) == 1:
        raise TypeError(f"'{type(args[0]).__name__}' object is not iterable")
    return args, default


def _average(*args: Any, default: Any = _SENTINEL) -> Any:
    import statistics

    values, default = _values("average", args, default)
    try:
        return statistics.fmean(values)  # text is not converted, as in Home Assistant
    except (TypeError, statistics.StatisticsError):
        return _fail("average", args) if default is _SENTINEL else default


def _median(*args: Any, default: Any = _SENTINEL) -> Any:
    import statistics

    values, default = _values("median", args, default)
    try:
        return statistics.median(values)
    except (TypeError, statistics.StatisticsError):
        return _fail("median", args) if default is _SENTINEL else default


def _min_max(builtin: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Jinja's ``min`` or ``max`` filter as a function of an iterable or of several values."""
    from jinja2 import pass_environment

    @pass_environment
    def apply(environment: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        if not args:
            raise TypeError(f"{name} expected at least 1 argument, got 0")
        if len(args) == 1:
            if isinstance(args[0], Iterable):
                return builtin(environment, args[0], **kwargs)
            raise TypeError(f"'{type(args[0]).__name__}' object is not iterable")
        return builtin(environment, args, **kwargs)

    return apply


def _iif(value: Any, if_true: Any = True, if_false: Any = False, if_none: Any = _SENTINEL) -> Any:
    if value is None and if_none is not _SENTINEL:
        return if_none
    return if_true if bool(value) else if_false


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise OverflowError(f"range longer than {MAX_RANGE}")
    return result


# --- time -----------------------------------------------------------------------------


def _parse_text(text: str) -> datetime | None:
    """A date and time in ISO 8601 text, or None."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_time(text: Any) -> time | None:
    """``H:M`` or ``H:M:S`` with whole numbers, as Home Assistant reads a time, or None."""
    parts = str(text).split(":")
    if len(parts) < 2:
        return None
    try:
        return time(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 0)
    except ValueError:
        return None


class _TimeFunctions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        note_time()
        return self.runtime.local_now()

    def utcnow(self) -> datetime:
        note_time()
        return self.runtime.now().astimezone(UTC)

    def local(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.runtime.settings.tz)
        return value.astimezone(self.runtime.settings.tz)

    def today_at(self, value: str = "") -> datetime:
        note_time()
        at = _parse_time(value) if value else time()
        if at is None:
            raise TemplateValueError(f"today_at: invalid time {value!r}")
        today = self.runtime.local_now()
        return datetime.combine(today.date(), at, tzinfo=self.runtime.settings.tz)

    def as_timestamp(self, value: Any, default: Any = _SENTINEL) -> Any:
        # A datetime, or text read as one (a number is not a timestamp here).
        parsed = value if isinstance(value, datetime) else _parse_text(str(value))
        if parsed is None:
            return _fail("as_timestamp", value) if default is _SENTINEL else default
        return self.local(parsed).timestamp()

    def as_datetime(self, value: Any, default: Any = _SENTINEL) -> Any:
        # A number, or text of one, is a UNIX timestamp; other text a date and time.
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, TypeError):
            pass
        parsed = _parse_text(value) if isinstance(value, str) else None
        if parsed is not None:
            return parsed
        if default is not _SENTINEL:
            return default
        # Text gives None, as in Home Assistant 2024.1 and before.
        return None if isinstance(value, str) else _fail("as_datetime", value)

    def as_local(self, value: datetime) -> datetime:
        return self.local(value)

    def timestamp_custom(
        self,
        value: Any,
        fmt: str = "%Y-%m-%d %H:%M:%S",
        local: bool = True,
        default: Any = _SENTINEL,
    ) -> Any:
        # A number only: text of one is invalid input, as in Home Assistant.
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (ValueError, TypeError):
            return _fail("timestamp_custom", value) if default is _SENTINEL else default
        return (self.local(when) if local else when).strftime(fmt)

    def timestamp_local(self, value: Any, default: Any = _SENTINEL) -> Any:
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (ValueError, TypeError):
            return _fail("timestamp_local", value) if default is _SENTINEL else default
        return self.local(when).isoformat()

    def timestamp_utc(self, value: Any, default: Any = _SENTINEL) -> Any:
        try:
            return datetime.fromtimestamp(value, UTC).isoformat()
        except (ValueError, TypeError):
            return _fail("timestamp_utc", value) if default is _SENTINEL else default

    def relative_time(self, value: Any) -> Any:
        note_time()
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.runtime.settings.tz)
        delta = self.runtime.now() - value
        if delta.total_seconds() < 0:
            return value
        return _humanize(delta.total_seconds())

    def strptime(self, value: str, fmt: str, default: Any = _SENTINEL) -> Any:
        try:
            return datetime.strptime(value, fmt)
        except (ValueError, AttributeError, TypeError):
            return _fail("strptime", value) if default is _SENTINEL else default


_AGE_UNITS = (("second", 60), ("minute", 60), ("hour", 24), ("day", 30), ("month", 12))


def _humanize(seconds: float) -> str:
    """An age in its largest unit, rounded to the nearest (90 minutes is "2 hours")."""
    amount, count, unit = seconds, round(seconds), "year"
    for name, size in _AGE_UNITS:
        if count < size:
            unit = name
            break
        amount /= size
        count = round(amount)
    return f"{count} {unit}{'' if count == 1 else 's'}"


# --- the house ------------------------------------------------------------------------


class _HouseFunctions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _state(self, entity_id: Any) -> Any:
        entity_id = str(entity_id).lower()
        note_entity(entity_id)
        return self.runtime.states.get(entity_id) if valid_entity_id(entity_id) else None

    def is_state(self, entity_id: Any, value: Any) -> bool:
        # Text compared as is (21.5 is not "21.5"); a list (not a tuple) is a choice.
        state = self._state(entity_id)
        if state is None:
            return False
        return bool(state.state == value or (isinstance(value, list) and state.state in value))

    def state_attr(self, entity_id: Any, name: str) -> Any:
        state = self._state(entity_id)
        return state.attributes.get(name) if state is not None else None

    def is_state_attr(self, entity_id: Any, name: str, value: Any) -> bool:
        attribute = self.state_attr(entity_id, name)
        return attribute is not None and bool(attribute == value)

    def has_value(self, entity_id: Any) -> bool:
        state = self._state(entity_id)
        return state is not None and state.state not in ("unknown", "unavailable")

    def expand(self, *args: Any) -> list[TemplateState]:
        """Groups replaced by their members and zones by their persons, as in Home Assistant;
        sorted by entity id, as its documentation says (2024.3 itself left them unsorted)."""
        found: dict[str, TemplateState] = {}
        pending: list[Any] = list(args)
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                got = self._state(item)
                if got is None:
                    continue
                state = TemplateState(got)
            elif isinstance(item, TemplateState):
                state = item
            elif isinstance(item, State):
                state = TemplateState(item)
            elif isinstance(item, Iterable):
                pending += item
                continue
            else:
                continue
            entity_id = state.entity_id
            if entity_id.startswith("group."):
                pending += state.attributes.get("entity_id") or ()
            elif entity_id.startswith("zone."):
                pending += state.attributes.get("persons") or ()
            else:
                note_entity(entity_id)
                found[entity_id] = state
        return sorted(found.values(), key=lambda s: s.entity_id)

    def area_id(self, lookup: Any) -> str | None:
        text = str(lookup)
        registries = self.runtime.registries
        if text in registries.areas:
            return text
        for area in registries.areas.values():
            if area.name.lower() == text.lower():
                return area.id
        entry = registries.entities.get(text)
        if entry is not None:
            return registries.area_of(text)
        thing = registries.things.get(text)
        return thing.area_id if thing is not None else None

    def area_name(self, lookup: Any) -> str | None:
        found = self.area_id(lookup)
        area = self.runtime.registries.areas.get(found) if found else None
        return area.name if area is not None else None

    def area_entities(self, lookup: Any) -> list[str]:
        found = self.area_id(lookup)
        if found is None:
            return []
        return sorted(self.runtime.registries.entities_in_area(found))

    def area_devices(self, lookup: Any) -> list[str]:
        found = self.area_id(lookup)
        return sorted(t.id for t in self.runtime.registries.things.values() if t.area_id == found)

    def device_id(self, entity_id: Any) -> str | None:
        entry = self.runtime.registries.entities.get(str(entity_id))
        return entry.thing_id if entry is not None else None

    def device_attr(self, lookup: Any, name: str) -> Any:
        things = self.runtime.registries.things
        thing = things.get(str(lookup))
        if thing is None:
            thing_id = self.device_id(lookup)
            thing = things.get(thing_id) if thing_id else None
        if thing is None or name.startswith("_"):
            return None
        return getattr(thing, name, None)

    def device_entities(self, thing_id: Any) -> list[str]:
        return sorted(
            e.entity_id
            for e in self.runtime.registries.entities.values()
            if e.thing_id == str(thing_id)
        )

    def integration_entities(self, name: Any) -> list[str]:
        return sorted(
            e.entity_id for e in self.runtime.registries.entities.values() if e.adapter == str(name)
        )

    def label_entities(self, label: Any) -> list[str]:
        return sorted(
            e.entity_id for e in self.runtime.registries.entities.values() if str(label) in e.labels
        )


# --- text -----------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _regex(pattern: str, ignorecase: bool) -> re.Pattern[str]:
    if len(pattern) > MAX_REGEX:
        raise TemplateValueError("regular expression too long")
    return re.compile(pattern, re.IGNORECASE if ignorecase else 0)


def regex_match(value: Any, pattern: str = "", ignorecase: bool = False) -> bool:
    return bool(_regex(pattern, ignorecase).match(str(value)))


def regex_search(value: Any, pattern: str = "", ignorecase: bool = False) -> bool:
    return bool(_regex(pattern, ignorecase).search(str(value)))


def regex_replace(value: Any, find: str = "", replace: str = "", ignorecase: bool = False) -> str:
    return _regex(find, ignorecase).sub(replace, str(value))


def regex_findall(value: Any, find: str = "", ignorecase: bool = False) -> list[Any]:
    return _regex(find, ignorecase).findall(str(value))


def regex_findall_index(
    value: Any, find: str = "", index: int = 0, ignorecase: bool = False
) -> Any:
    return regex_findall(value, find, ignorecase)[index]


def _from_json(value: Any, default: Any = _SENTINEL) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return _fail("from_json", value) if default is _SENTINEL else default


def _to_json(
    value: Any, ensure_ascii: bool = False, pretty_print: bool = False, sort_keys: bool = False
) -> str:
    # Compact, as Home Assistant's orjson writes it, unless ASCII is asked for: then the
    # json library's spacing, as there. Other types than JSON's (a datetime) fail.
    if ensure_ascii:
        return json.dumps(value, indent=2 if pretty_print else None, sort_keys=sort_keys)
    return json.dumps(
        value,
        ensure_ascii=False,
        indent=2 if pretty_print else None,
        separators=None if pretty_print else (",", ":"),
        sort_keys=sort_keys,
    )


def _slugify(value: Any, separator: str = "_") -> str:
    """Home Assistant's slug: accents dropped, other runs of non-alphanumerics one separator."""
    if value is None or value == "":
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    slug = separator.join(re.findall(r"[a-z0-9]+", text))
    return slug or "unknown"


def _ordinal(value: Any) -> str:
    number = int(value)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _math(func: Callable[[float], float], name: str) -> Callable[..., Any]:
    def apply(value: Any, default: Any = _SENTINEL) -> Any:
        try:
            return func(float(value))
        except (ValueError, TypeError, OverflowError):
            return _fail(name, value) if default is _SENTINEL else default

    return apply


def _log(value: Any, base: Any = math.e, default: Any = _SENTINEL) -> Any:
    try:
        return math.log(float(value), float(base))
    except (ValueError, TypeError, ZeroDivisionError):
        return _fail("log", value) if default is _SENTINEL else default


def _multiply(value: Any, amount: Any, default: Any = _SENTINEL) -> Any:
    try:
        return float(value) * amount
    except (ValueError, TypeError):
        return _fail("multiply", value) if default is _SENTINEL else default


def _contains(seq: Any, value: Any) -> bool:
    return value in seq  # a number is no sequence: TypeError, as in Home Assistant


def install_functions(env: jinja2.Environment, runtime: Runtime) -> None:
    """Put Home Assistant's template vocabulary into ``env``."""
    times = _TimeFunctions(runtime)
    house = _HouseFunctions(runtime)
    states = AllStates(runtime)
    shared: dict[str, Callable[..., Any]] = {
        "float": to_float,
        "int": to_int,
        "bool": to_bool,
        "is_number": is_number,
        "as_timestamp": times.as_timestamp,
        "as_datetime": times.as_datetime,
        "as_local": times.as_local,
        "timestamp_custom": times.timestamp_custom,
        "timestamp_local": times.timestamp_local,
        "timestamp_utc": times.timestamp_utc,
        "relative_time": times.relative_time,
        "time_since": times.relative_time,
        "strptime": times.strptime,
        "today_at": times.today_at,
        "is_state": house.is_state,
        "state_attr": house.state_attr,
        "is_state_attr": house.is_state_attr,
        "has_value": house.has_value,
        "expand": house.expand,
        "area_id": house.area_id,
        "area_name": house.area_name,
        "area_entities": house.area_entities,
        "area_devices": house.area_devices,
        "device_id": house.device_id,
        "device_attr": house.device_attr,
        "device_entities": house.device_entities,
        "integration_entities": house.integration_entities,
        "label_entities": house.label_entities,
        "iif": _iif,
        "from_json": _from_json,
        "to_json": _to_json,
        "average": _average,
        "median": _median,
        "round": round_value,
        "log": _log,
        "sqrt": _math(math.sqrt, "sqrt"),
        "sin": _math(math.sin, "sin"),
        "cos": _math(math.cos, "cos"),
        "tan": _math(math.tan, "tan"),
        "regex_match": regex_match,
        "regex_search": regex_search,
        "regex_replace": regex_replace,
        "regex_findall": regex_findall,
        "regex_findall_index": regex_findall_index,
        "slugify": _slugify,
        "ordinal": _ordinal,
        "multiply": _multiply,
        "base64_encode": lambda v: base64.b64encode(str(v).encode()).decode(),
        "base64_decode": lambda v: base64.b64decode(str(v)).decode(),
        "urlencode": lambda v: _urlencode(dict(v)),
    }
    env.globals.update(
        states=states,
        now=times.now,
        utcnow=times.utcnow,
        timedelta=timedelta,
        range=_safe_range,
        min=_min_max(env.filters["min"], "min"),
        max=_min_max(env.filters["max"], "max"),
        pi=math.pi,
        e=math.e,
        tau=math.tau,
        inf=math.inf,
        **{k: v for k, v in shared.items() if k not in ("round",)},
    )
    env.filters.update(shared)
    env.filters.update(states=states, contains=_contains)
    env.tests.update(
        match=regex_match,
        search=regex_search,
        is_number=is_number,
        contains=_contains,
        is_state=house.is_state,
        has_value=house.has_value,
        datetime=lambda v: isinstance(v, datetime),
        string_like=lambda v: isinstance(v, str | bytes),
        list=lambda v: isinstance(v, list),
    )
