"""Template functions Home Assistant 2024.3 added to the basics: arc functions, the
statistical mode, bitwise operations, ``pack``/``unpack``, sets and tuples, durations."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime
from homeloom.orchestrator.template_limits import checked_pack_format

from ._template_defaults import NO_DEFAULT, fail
from ._template_house import HouseFunctions
from ._template_location import LocationFunctions
from ._template_translations import StateTranslated
from ._template_version import version

if TYPE_CHECKING:
    import jinja2

__all__ = ["install_more", "math_function"]

_LOGGER = logging.getLogger(__name__)


def atan2(*args: Any, default: Any = NO_DEFAULT) -> Any:
    """The angle of ``(y, x)``: two values, or one pair; a third value (or a second
    after a pair) is the default, as in Home Assistant."""
    values: Any = args
    try:
        if 1 <= len(args) <= 2 and isinstance(args[0], list | tuple):
            if len(args) == 2 and default is NO_DEFAULT:
                default = args[1]
            values = args[0]
        elif len(args) == 3 and default is NO_DEFAULT:
            default = args[2]
        return math.atan2(float(values[0]), float(values[1]))
    except (ValueError, TypeError, IndexError):
        return fail("atan2", values) if default is NO_DEFAULT else default


def statistical_mode(*args: Any, default: Any = NO_DEFAULT) -> Any:
    """The most common value of an iterable, or of the values given; the first of
    the most common on a tie (Python's ``statistics.mode``, as there)."""
    import statistics

    if not args:
        raise TypeError("statistical_mode expected at least 1 argument, got 0")
    values: Iterable[Any]
    if len(args) == 1 and isinstance(args[0], Iterable):
        values = args[0]
    elif isinstance(args[0], list | tuple):
        values = args[0]
        if len(args) > 1 and default is NO_DEFAULT:
            default = args[1]
    elif len(args) == 1:
        raise TypeError(f"'{type(args[0]).__name__}' object is not iterable")
    else:
        values = args
    try:
        return statistics.mode(values)
    except (TypeError, statistics.StatisticsError):
        return fail("statistical_mode", args) if default is NO_DEFAULT else default


def bitwise_and(first: Any, second: Any) -> Any:
    return first & second


def bitwise_or(first: Any, second: Any) -> Any:
    return first | second


def bitwise_xor(first: Any, second: Any) -> Any:
    return first ^ second


def pack(value: Any, format_string: str) -> bytes | None:
    """``value`` packed by a ``struct`` format; None (and a warning) when it does not fit."""
    import struct

    checked_pack_format(format_string)
    try:
        return struct.pack(format_string, value)
    except struct.error:
        _LOGGER.warning(
            "Template warning: 'pack' unable to pack object '%s' with type '%s' and"
            " format_string '%s'",
            value,
            type(value).__name__,
            format_string,
        )
        return None


def unpack(value: Any, format_string: str, offset: int = 0) -> Any:
    """The first value a ``struct`` format reads from ``value`` at ``offset``; None (and
    a warning) when it cannot."""
    import struct

    try:
        return struct.unpack_from(format_string, value, offset)[0]
    except struct.error:
        _LOGGER.warning(
            "Template warning: 'unpack' unable to unpack object '%s' with"
            " format_string '%s' and offset %s",
            value,
            format_string,
            offset,
        )
        return None


def to_set(value: Any) -> set[Any]:
    return set(value)


def to_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def is_set(value: Any) -> bool:
    return isinstance(value, set)


def is_tuple(value: Any) -> bool:
    return isinstance(value, tuple)


def fail_when_undefined(value: Any) -> Any:
    """``value``, unless it is undefined: then the render fails, naming it."""
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


# Home Assistant's duration forms: "[D day[s], ][[HH:]MM:]SS[.ffffff]", ISO 8601's
# "P1DT2H3M4S" and PostgreSQL's "3 days 04:05:06".
_CLOCK_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) (days?, )?)?(?P<sign>-?)((?:(?P<hours>\d+):)(?=\d+:\d+))?"
    r"(?:(?P<minutes>\d+):)?(?P<seconds>\d+)(?:[\.,](?P<microseconds>\d{1,6})\d{0,6})?$"
)
_ISO_DURATION = re.compile(
    r"^(?P<sign>[-+]?)P(?:(?P<days>\d+([\.,]\d+)?)D)?(?:T(?:(?P<hours>\d+([\.,]\d+)?)H)?"
    r"(?:(?P<minutes>\d+([\.,]\d+)?)M)?(?:(?P<seconds>\d+([\.,]\d+)?)S)?)?$"
)
_POSTGRES_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) (days? ?))?(?:(?P<sign>[-+])?(?P<hours>\d+):(?P<minutes>\d\d):"
    r"(?P<seconds>\d\d)(?:\.(?P<microseconds>\d{1,6}))?)?$"
)
_DURATION_UNITS = ("hours", "minutes", "seconds", "microseconds")


def as_timedelta(value: str) -> timedelta | None:
    """A duration read from text in one of Home Assistant's forms; None when it is none.

    The sign applies to the time part; ISO 8601's applies to the days too."""
    match = (
        _CLOCK_DURATION.match(value)
        or _ISO_DURATION.match(value)
        or _POSTGRES_DURATION.match(value)
    )
    if match is None:
        return None
    found = match.groupdict()
    sign = -1 if found["sign"] == "-" else 1
    if found.get("microseconds"):
        found["microseconds"] = found["microseconds"].ljust(6, "0")
    parts = {
        unit: float(found[unit].replace(",", "."))
        for unit in _DURATION_UNITS
        if found.get(unit) is not None
    }
    days = timedelta(float((found["days"] or "0").replace(",", ".")))
    if match.re is _ISO_DURATION:
        days *= sign
    return days + sign * timedelta(**parts)


def math_function(func: Callable[[float], float], name: str) -> Callable[..., Any]:
    """A math function of one value, with Home Assistant's optional ``default``."""

    def apply(value: Any, default: Any = NO_DEFAULT) -> Any:
        try:
            return func(float(value))
        except (ValueError, TypeError, OverflowError):
            return fail(name, value) if default is NO_DEFAULT else default

    return apply


def install_more(env: jinja2.Environment, runtime: Runtime, house: HouseFunctions) -> None:
    """Add the names of this module (and of the location, translation and version
    modules) to ``env``, each as a function, a filter or a test where Home Assistant
    2024.3 offers it as one."""
    places = LocationFunctions(runtime, house)
    functions_and_filters: dict[str, Callable[..., Any]] = {
        "asin": math_function(math.asin, "asin"),
        "acos": math_function(math.acos, "acos"),
        "atan": math_function(math.atan, "atan"),
        "atan2": atan2,
        "statistical_mode": statistical_mode,
        "as_timedelta": as_timedelta,
        "pack": pack,
        "unpack": unpack,
        "version": version,
        "areas": house.areas,
        "config_entry_id": house.config_entry_id,
        "state_translated": StateTranslated(runtime),
    }
    env.globals.update(
        functions_and_filters,
        closest=places.closest,
        distance=places.distance,
        is_device_attr=house.is_device_attr,
        is_hidden_entity=house.is_hidden_entity,
        set=to_set,
        tuple=to_tuple,
    )
    env.filters.update(
        functions_and_filters,
        closest=places.closest_filter,
        bitwise_and=bitwise_and,
        bitwise_or=bitwise_or,
        bitwise_xor=bitwise_xor,
        ord=ord,
        is_defined=fail_when_undefined,
    )
    env.tests.update(
        set=is_set,
        tuple=is_tuple,
        is_state_attr=house.is_state_attr,
        is_device_attr=house.is_device_attr,
        is_hidden_entity=house.is_hidden_entity,
    )
