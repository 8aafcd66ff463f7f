"""Bounds on what one template render may build or do, so that a hostile or mistyped
template fails with a template error instead of eating the house's memory or time.

Home Assistant bounds only ``range()`` (100,000 numbers); a template such as
``'x' * 10**10``, ``'x' | center(10**9)`` or two nested loops over ``range(100000)``
exhausts its memory or hangs it. Here, within one render:

- no text, list, tuple or bytes made by an operator (``*``, ``+``, ``%``, ``~``), a
  filter (wrapped by :mod:`._template_filter_limits`), a method of text (``center``,
  ``ljust``, ``replace``, ``join``, ``format``...) or printed may hold more than
  :data:`MAX_LENGTH` characters or items, checked *before* it is made where the size
  can be known (a list holding another many times counts it each time, as printing it
  would write it);
- no whole number made by ``*`` or ``**`` may have more than :data:`MAX_INT_BITS` bits;
- loop iterations (one step each) and calls (macros, functions, methods:
  :data:`CALL_STEPS` each) count as steps, at most :data:`MAX_STEPS`; making a large
  value counts one step per 4 KiB of it; and, as a backstop for steps that each take
  long, a render may use at most :data:`MAX_RENDER_SECONDS` of processor time (checked
  every 1024 steps);
- the render may not grow the process by more than :data:`MAX_RENDER_MEMORY` (read
  from ``/proc/self/statm`` after each 16 MiB made, where there is one).

Sizes and steps are facts of the template, not of the machine: the same template
fails the same way everywhere. Processor time and memory are the machine's, backstops
for what the counts miss (steps that each take long, many values kept together). All
are far above what a template Home Assistant renders in reasonable time and memory
needs.

A regular expression (the ``regex_*`` filters, the ``match`` and ``search`` tests) runs
with the ``regex`` engine, which can be interrupted: one that backtracks for ever
(``(a|aa)+$`` on a long text) stops when what is left of the render's processor time
has passed (:func:`regex_seconds`).

Not bounded: comparing two separately built, deeply self-sharing lists, which runs in
C and cannot be interrupted.
"""

from __future__ import annotations

import math
import operator
import os
import re
import struct
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import BuiltinMethodType, MappingProxyType
from typing import Any

__all__ = [
    "CALL_STEPS",
    "MAX_INT_BITS",
    "MAX_LENGTH",
    "MAX_RENDER_MEMORY",
    "MAX_RENDER_SECONDS",
    "MAX_STEPS",
    "RenderBudget",
    "TemplateLimitError",
    "binop",
    "check_method_call",
    "check_percent_format",
    "check_printable",
    "check_spec",
    "counted",
    "join_text",
    "made",
    "produced",
    "regex_seconds",
    "regex_timed_out",
    "render_budget",
    "replaced_size",
    "step",
]

MAX_LENGTH = 16 * 1024 * 1024
MAX_INT_BITS = 1024 * 1024
MAX_STEPS = 2_000_000
CALL_STEPS = 4  # a call (a macro's, a function's) costs about as much as 4 iterations
MAX_RENDER_MEMORY = 512 * 1024 * 1024
MAX_RENDER_SECONDS = 10
_BYTES_PER_STEP = 4096  # making a value this large costs about one loop iteration
_MEMORY_CHECK_EVERY = 16 * 1024 * 1024  # characters or items made between two reads
_SIZED = (str, bytes, list, tuple)
_CONTAINERS = (list, tuple, dict, set, frozenset, MappingProxyType)
_LEAVES = frozenset({int, float, bool, type(None)})


class TemplateLimitError(Exception):
    """A render went past one of the limits; the message says which and how far."""


@dataclass(slots=True)
class RenderBudget:
    """What one render has used so far."""

    steps: int = 0
    started: float | None = None  # this thread's processor time at the 1024th step
    made_since_check: int = 0
    memory_at_start: int | None = None


render_budget: ContextVar[RenderBudget | None] = ContextVar("render_budget", default=None)


def step(count: int = 1) -> None:
    """Count ``count`` steps against the running render's budget."""
    budget = render_budget.get()
    if budget is not None:
        before = budget.steps
        budget.steps = before + count
        if (before ^ budget.steps) >> 10:  # past another 1024 steps
            _check_budget(budget)


def counted(iterable: Any) -> Iterator[Any]:
    """``iterable`` iterated with one step counted per item (every ``{% for %}``)."""
    budget = render_budget.get()
    if budget is None:
        yield from iterable
        return
    for item in iterable:
        budget.steps += 1
        if not budget.steps & 1023:
            _check_budget(budget)
        yield item


def _check_budget(budget: RenderBudget) -> None:
    """Every 1024 steps: the steps taken, and the processor time this render used."""
    if budget.steps > MAX_STEPS:
        raise TemplateLimitError(
            f"the template took more than {MAX_STEPS:,} steps"
            " (loop iterations and calls): it would run too long"
        )
    now = time.thread_time()
    if budget.started is None:
        budget.started = now
    elif now - budget.started > MAX_RENDER_SECONDS:
        raise TemplateLimitError(
            f"the template ran for more than {MAX_RENDER_SECONDS} seconds of processor time"
        )


def regex_seconds() -> float:
    """How long a regular expression may run now: what is left of the running render's
    processor-time backstop (all of it outside a render or early in one)."""
    budget = render_budget.get()
    if budget is None or budget.started is None:
        return MAX_RENDER_SECONDS
    return max(MAX_RENDER_SECONDS - (time.thread_time() - budget.started), 0.001)


def regex_timed_out(seconds: float) -> TemplateLimitError:
    return TemplateLimitError(
        f"a regular expression ran for more than {seconds:.3g} seconds (the template's"
        f" backstop is {MAX_RENDER_SECONDS} seconds): it backtracks too much"
    )


def check_length(size: int, what: str = "result") -> None:
    if size > MAX_LENGTH:
        raise TemplateLimitError(
            f"the {what} would hold {size:,} characters or items,"
            f" more than the {MAX_LENGTH:,} a template may make"
        )


def produced(size: int) -> None:
    """Account for a value of ``size`` characters or items just made: a step per 4 KiB
    of it, and, every 16 MiB made, how much the process grew since the render started."""
    budget = render_budget.get()
    if budget is None:
        return
    if size >= _BYTES_PER_STEP:
        step(size // _BYTES_PER_STEP)
    budget.made_since_check += size
    if budget.made_since_check < _MEMORY_CHECK_EVERY:
        return
    budget.made_since_check = 0
    resident = _resident_memory()
    if resident is None:
        return
    if budget.memory_at_start is None:
        budget.memory_at_start = resident
    elif resident - budget.memory_at_start > MAX_RENDER_MEMORY:
        raise TemplateLimitError(
            f"the template used more than {MAX_RENDER_MEMORY // (1024 * 1024)} MiB of memory"
        )


def _resident_memory() -> int | None:
    """The process's resident memory in bytes (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def made(value: Any) -> Any:
    """``value``, its size counted against the running render's budget."""
    if isinstance(value, _SIZED):
        produced(len(value))
    return value


# --- the operators ----------------------------------------------------------------------


def binop(symbol: str, left: Any, right: Any) -> Any:
    """``left symbol right`` for the operators that can make a huge value."""
    if symbol == "*":
        return _multiply(left, right)
    if symbol == "**":
        return _power(left, right)
    if symbol == "+":
        if isinstance(left, _SIZED) and isinstance(right, _SIZED):
            check_length(len(left) + len(right))
            added = operator.add(left, right)  # mixed kinds fail here, as unchecked
            return made(added)
        return left + right
    if symbol == "%":
        if isinstance(left, str | bytes):
            check_percent_format(left, right)
            return made(left % right)
        return left % right
    raise AssertionError(f"operator {symbol!r} is not intercepted")


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, _SIZED) and isinstance(right, int):
        check_length(len(left) * right)
        return made(left * right)
    if isinstance(right, _SIZED) and isinstance(left, int):
        check_length(len(right) * left)
        return made(left * right)
    if isinstance(left, int) and isinstance(right, int):
        _check_bits(left.bit_length() + right.bit_length())
    return left * right


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        _check_bits(math.ceil(math.log2(abs(base)) * exponent))
    return base**exponent


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise TemplateLimitError(
            f"the number would have about {bits:,} bits,"
            f" more than the {MAX_INT_BITS:,} a template may make"
        )


# --- text formatting --------------------------------------------------------------------

# One %-conversion: flags, then width and precision (a number or "*").
_PERCENT = re.compile(rb"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_PERCENT_TEXT = re.compile(_PERCENT.pattern.decode())
_NUMBERS = re.compile(r"\d+")


def check_percent_format(template: str | bytes, values: Any) -> None:
    """Refuse a ``%`` format whose widths or precisions would make a huge text."""
    pattern: Any = _PERCENT if isinstance(template, bytes) else _PERCENT_TEXT
    for conversion in pattern.finditer(template):
        for size in conversion.groups():
            if size is None:
                continue
            if size in ("*", b"*"):  # the width is one of the values
                numbers = values if isinstance(values, tuple) else (values,)
                for number in numbers:
                    if isinstance(number, int):
                        check_length(abs(number), "formatted text")
            else:
                check_length(int(size), "formatted text")


def check_spec(spec: str) -> None:
    """Refuse a ``str.format`` field spec (``>1000000``, ``.99999f``) making a huge text."""
    for number in _NUMBERS.findall(spec):
        check_length(int(number), "formatted text")


# --- methods of text, bytes and numbers -------------------------------------------------


def _width(args: tuple[Any, ...], kwargs: Mapping[str, Any], name: str = "width") -> int:
    width = args[0] if args else kwargs.get(name, 0)
    return width if isinstance(width, int) else 0


def replaced_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    """How long ``text.replace(old, new, count)`` would be."""
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return len(text)
    found = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _check_replace(text: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    if len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        check_length(replaced_size(text, args[0], args[1], count))


def _check_join(separator: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    if args and isinstance(args[0], list | tuple):
        items = args[0]
        size = len(separator) * max(len(items) - 1, 0)
        size += sum(len(item) for item in items if isinstance(item, str | bytes))
        check_length(size)


def _check_expandtabs(text: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    tab = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(tab, int):
        check_length(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tab)


def _check_translate(text: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    table = args[0] if args else None
    if isinstance(text, str) and isinstance(table, Mapping):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        check_length(len(text) * max(longest, 1))


def _check_to_bytes(number: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    check_length(_width(args, kwargs, "length"), "bytes")


_Check = Callable[[Any, tuple[Any, ...], Mapping[str, Any]], None]
_METHOD_CHECKS: dict[str, _Check] = {
    "center": lambda text, args, kwargs: check_length(_width(args, kwargs)),
    "ljust": lambda text, args, kwargs: check_length(_width(args, kwargs)),
    "rjust": lambda text, args, kwargs: check_length(_width(args, kwargs)),
    "zfill": lambda text, args, kwargs: check_length(_width(args, kwargs)),
    "expandtabs": _check_expandtabs,
    "replace": _check_replace,
    "join": _check_join,
    "translate": _check_translate,
    "to_bytes": _check_to_bytes,
}


def check_method_call(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a call of a method of text, bytes or a number that would make a huge value."""
    if type(method) is BuiltinMethodType:
        check = _METHOD_CHECKS.get(method.__name__)
        owner = method.__self__
        if check is not None and isinstance(owner, str | bytes | int):
            check(owner, args, kwargs)


# --- printing ---------------------------------------------------------------------------


def expanded_size(value: Any, limit: int = MAX_LENGTH) -> int:
    """About how many characters writing ``value`` out makes: a text's length, one for
    any other leaf, and a container's items, a part it holds several times counted each
    time (as ``str()`` writes it) but measured once; stops counting past ``limit``."""
    measured: dict[int, int] = {}

    def size_of(item: Any) -> int:
        kind = type(item)
        if kind is str or kind is bytes:
            return len(item)
        if _is_namespace(kind):  # written with its values: measured as a mapping of them
            item = _namespace_values(item)
        elif not isinstance(item, _CONTAINERS):
            return 1
        known = measured.get(id(item))
        if known is not None:
            return known
        total = len(item) + 1
        parts = (*item.keys(), *item.values()) if isinstance(item, Mapping) else item
        for part in parts:
            total += 1 if type(part) in _LEAVES else size_of(part)
            if total > limit:
                break
        measured[id(item)] = total
        return total

    return size_of(value)


def _is_namespace(kind: type) -> bool:
    """Whether ``kind`` is jinja's ``namespace()`` (without importing jinja here)."""
    return kind.__name__ == "Namespace" and kind.__module__ == "jinja2.utils"


def _namespace_values(namespace: Any) -> dict[str, Any]:
    """A namespace's values (jinja keeps them in a private mapping); none if not found."""
    try:
        values = object.__getattribute__(namespace, "_Namespace__attrs")
    except AttributeError:
        return {}
    return values if isinstance(values, dict) else {}


def check_printable(value: Any) -> None:
    """Refuse writing out a list, tuple, set, mapping or namespace that would make a
    huge text."""
    if isinstance(value, _CONTAINERS) or _is_namespace(type(value)):
        check_length(expanded_size(value), "text written")


def join_text(values: Iterable[Any]) -> str:
    """``a ~ b ~ c``: each written as text, the whole checked first."""
    parts = tuple(values)
    size = 0
    for part in parts:
        size += len(part) if type(part) is str else expanded_size(part)
    check_length(size, "joined text")
    joined = "".join([part if type(part) is str else str(part) for part in parts])
    produced(len(joined))
    return joined


def bounded_concat(parts: Iterable[str]) -> str:
    """The environment's ``concat``: a render's (or a macro's, or a block's) output
    pieces joined, failing as soon as they add up to more than :data:`MAX_LENGTH`."""
    kept = []
    size = 0
    for part in parts:
        size += len(part)
        if size > MAX_LENGTH:
            check_length(size, "template output")
        kept.append(part)
    produced(size)
    return "".join(kept)


def checked_pack_format(format_string: Any) -> None:
    """Refuse a ``struct`` format packing more than :data:`MAX_LENGTH` bytes."""
    if isinstance(format_string, str | bytes):
        try:
            size = struct.calcsize(format_string)
        except (struct.error, OverflowError, MemoryError):
            return  # struct.pack fails on it the same way
        check_length(size, "packed bytes")
