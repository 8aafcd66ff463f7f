"""The globals, filters and tests templates offer, named and behaving as in Home Assistant."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from numbers import Number
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode as _urlencode

from homeloom.orchestrator import Runtime, guard_template_filters
from homeloom.orchestrator.template_limits import (
    MAX_LENGTH,
    check_length,
    regex_seconds,
    regex_timed_out,
)

from ._slugs import entity_slug
from ._template_defaults import NO_DEFAULT, TemplateValueError, fail
from ._template_house import HouseFunctions
from ._template_more import install_more, math_function
from ._template_states import AllStates
from ._template_time import TimeFunctions

if TYPE_CHECKING:
    import jinja2
    import regex

__all__ = ["install_functions"]

MAX_RANGE = 100_000
MAX_REGEX = 1000
_T = TypeVar("_T")


# --- numbers --------------------------------------------------------------------------


def to_float(value: Any, default: Any = NO_DEFAULT) -> Any:
    try:
        return float(value)
    except (ValueError, TypeError):
        return fail("float", value) if default is NO_DEFAULT else default


def to_int(value: Any, default: Any = NO_DEFAULT, base: int = 10) -> Any:
    # Whole-number text first, as Home Assistant (jinja's int): a long number stays
    # exact; then through a float, so that "42.7" gives 42.
    try:
        return int(value, base) if isinstance(value, str) else int(value)
    except (ValueError, TypeError, OverflowError):
        pass
    try:
        return int(float(value))
    except (ValueError, TypeError, OverflowError):
        return fail("int", value) if default is NO_DEFAULT else default


def to_bool(value: Any, default: Any = NO_DEFAULT) -> Any:
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
    return fail("bool", value) if default is NO_DEFAULT else default


def is_number(value: Any) -> bool:
    try:
        number = float(value)
    except (ValueError, TypeError):
        return False
    return math.isfinite(number)


def round_value(
    value: Any, precision: int = 0, method: str = "common", default: Any = NO_DEFAULT
) -> Any:
    try:
        number = float(value)
    except (ValueError, TypeError):
        return fail("round", value) if default is NO_DEFAULT else default
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
        if len(args) > 1 and default is NO_DEFAULT:
            default = args[1]
        return args[0], default
    if len(args) == 1:
        raise TypeError(f"'{type(args[0]).__name__}' object is not iterable")
    return args, default


def _average(*args: Any, default: Any = NO_DEFAULT) -> Any:
    import statistics

    values, default = _values("average", args, default)
    try:
        return statistics.fmean(values)  # text is not converted, as in Home Assistant
    except (TypeError, statistics.StatisticsError):
        return fail("average", args) if default is NO_DEFAULT else default


def _median(*args: Any, default: Any = NO_DEFAULT) -> Any:
    import statistics

    values, default = _values("median", args, default)
    try:
        return statistics.median(values)
    except (TypeError, statistics.StatisticsError):
        return fail("median", args) if default is NO_DEFAULT else default


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


def _iif(value: Any, if_true: Any = True, if_false: Any = False, if_none: Any = NO_DEFAULT) -> Any:
    if value is None and if_none is not NO_DEFAULT:
        return if_none
    return if_true if bool(value) else if_false


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise OverflowError(f"range longer than {MAX_RANGE}")
    return result


# --- text -----------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _regex(pattern: str, ignorecase: bool) -> regex.Pattern[str]:
    # The regex engine rather than re: it can stop a match that backtracks for ever,
    # which would otherwise hold the whole house. VERSION0 reads patterns as re does.
    # Imported here: a house whose templates use no regular expression never needs it.
    import regex

    if len(pattern) > MAX_REGEX:
        raise TemplateValueError("regular expression too long")
    try:
        return regex.compile(pattern, (regex.IGNORECASE if ignorecase else 0) | regex.VERSION0)
    except regex.error as err:
        raise re.error(str(err)) from None  # the error re would raise, as in Home Assistant


def _timed(run: Callable[[float], _T]) -> _T:
    """``run(timeout)`` within what is left of the render's time."""
    seconds = regex_seconds()
    try:
        return run(seconds)
    except TimeoutError:
        raise regex_timed_out(seconds) from None


def regex_match(value: Any, pattern: str = "", ignorecase: bool = False) -> bool:
    compiled = _regex(pattern, ignorecase)
    return _timed(lambda timeout: compiled.match(str(value), timeout=timeout)) is not None


def regex_search(value: Any, pattern: str = "", ignorecase: bool = False) -> bool:
    compiled = _regex(pattern, ignorecase)
    return _timed(lambda timeout: compiled.search(str(value), timeout=timeout)) is not None


_GROUP_REFERENCE = re.compile(r"\\(?:\d+|g<[^>]*>)")


def regex_replace(value: Any, find: str = "", replace: str = "", ignorecase: bool = False) -> str:
    text = str(value)
    pattern = _regex(find, ignorecase)
    # A replacement is the text given, each group it names adding at most that group.
    references = len(_GROUP_REFERENCE.findall(replace))
    if (len(text) + 1) * (len(replace) + references * len(text)) > MAX_LENGTH:
        # Many matches could make a huge text: measured before it is made.
        size = len(text)
        for match in _timed(lambda timeout: list(pattern.finditer(text, timeout=timeout))):
            longest = max(end - start for start, end in match.regs) if references else 0
            size += len(replace) + references * longest
            if size > MAX_LENGTH:
                check_length(size)
    return _timed(lambda timeout: pattern.sub(replace, text, timeout=timeout))


def regex_findall(value: Any, find: str = "", ignorecase: bool = False) -> list[Any]:
    pattern = _regex(find, ignorecase)
    return _timed(lambda timeout: pattern.findall(str(value), timeout=timeout))


def regex_findall_index(
    value: Any, find: str = "", index: int = 0, ignorecase: bool = False
) -> Any:
    return regex_findall(value, find, ignorecase)[index]


def from_json(value: Any, default: Any = NO_DEFAULT) -> Any:
    """JSON read as orjson, Home Assistant's reader, reads it: NaN, Infinity and numbers
    too big for a double are not JSON (Python's reader would take them); integers keep
    their value within 64 bits and become doubles beyond. Text that is not JSON fails
    the render, or gives ``default`` (a later release's argument, which 2024.3 lacks)."""
    try:
        return json.loads(
            value, parse_float=_json_double, parse_int=_json_integer, parse_constant=_no_constant
        )
    except (ValueError, TypeError):
        if default is NO_DEFAULT:
            raise
        return default


def _json_double(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"number is infinity when parsed as double: {text[:40]}")
    return number


def _json_integer(text: str) -> int | float:
    number = int(text)
    return number if -(2**63) <= number < 2**64 else _json_double(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"unexpected character: {name} is not JSON")


def _attributes_as_dict(value: Any) -> dict[str, Any]:
    """A state's attributes (a read-only mapping) written as the object they are, as
    Home Assistant's (a dict) are; any other type than JSON's still fails."""
    if isinstance(value, MappingProxyType):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _to_json(
    value: Any, ensure_ascii: bool = False, pretty_print: bool = False, sort_keys: bool = False
) -> str:
    # Compact, as Home Assistant's orjson writes it, unless ASCII is asked for: then the
    # json library's spacing, as there. Other types than JSON's (a datetime) fail.
    if ensure_ascii:
        return json.dumps(
            value,
            indent=2 if pretty_print else None,
            sort_keys=sort_keys,
            default=_attributes_as_dict,
        )
    return json.dumps(
        value,
        ensure_ascii=False,
        indent=2 if pretty_print else None,
        separators=None if pretty_print else (",", ":"),
        sort_keys=sort_keys,
        default=_attributes_as_dict,
    )


def _slugify(value: Any, separator: str = "_") -> str:
    """Home Assistant's ``slugify`` filter: its slug of names, and nothing of nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "ignore")
    if not isinstance(value, str):
        # Home Assistant's slug library decodes anything else as bytes and fails
        # (`{{ 5 | slugify }}` is a render error there, not '5').
        raise TypeError(f"decoding to str: need a bytes-like object, {type(value).__name__} found")
    return entity_slug(value, separator)


def _ordinal(value: Any) -> str:
    number = int(value)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _log(value: Any, base: Any = math.e, default: Any = NO_DEFAULT) -> Any:
    # As Home Assistant: a base that is no number is the one named; a base of 1 divides
    # by zero, which fails the render whatever the default.
    try:
        base_number = float(base)
    except (ValueError, TypeError):
        return fail("log", base) if default is NO_DEFAULT else default
    try:
        return math.log(float(value), base_number)
    except (ValueError, TypeError):
        return fail("log", value) if default is NO_DEFAULT else default


def _multiply(value: Any, amount: Any, default: Any = NO_DEFAULT) -> Any:
    try:
        return float(value) * amount
    except (ValueError, TypeError):
        return fail("multiply", value) if default is NO_DEFAULT else default


def _contains(seq: Any, value: Any) -> bool:
    return value in seq  # a number is no sequence: TypeError, as in Home Assistant


# Home Assistant 2024.3 offers these as filters only: called as functions there they
# are undefined, and the template fails.
_FILTERS_ONLY = frozenset(
    {
        "round",
        "from_json",
        "to_json",
        "timestamp_custom",
        "timestamp_local",
        "timestamp_utc",
        "regex_match",
        "regex_search",
        "regex_replace",
        "regex_findall",
        "regex_findall_index",
        "ordinal",
        "multiply",
        "base64_encode",
        "base64_decode",
    }
)


def install_functions(env: jinja2.Environment, runtime: Runtime) -> None:
    """Put Home Assistant's template vocabulary into ``env``."""
    # Jinja's own ``tojson``: sorted keys, as there, and attributes as objects.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _attributes_as_dict}
    times = TimeFunctions(runtime)
    house = HouseFunctions(runtime)
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
        "from_json": from_json,
        "to_json": _to_json,
        "average": _average,
        "median": _median,
        "round": round_value,
        "log": _log,
        "sqrt": math_function(math.sqrt, "sqrt"),
        "sin": math_function(math.sin, "sin"),
        "cos": math_function(math.cos, "cos"),
        "tan": math_function(math.tan, "tan"),
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
        # A function only, as in Home Assistant: the filter stays Jinja's own (it quotes
        # a text, where this one encodes a mapping).
        urlencode=lambda v: _urlencode(dict(v)),
        **{k: v for k, v in shared.items() if k not in _FILTERS_ONLY},
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
    install_more(env, runtime, house)
    # The filters (jinja's own and these) that can make a huge value, checked first.
    guard_template_filters(env)
