"""The sandbox a ``python_script`` runs in: RestrictedPython with Home Assistant
2024.3's guards, and a step budget so that a runaway script stops.

Home Assistant compiles each script with RestrictedPython (no ``_``-prefixed names,
no imports, no ``exec``/``open``), reads attributes through a guard that refuses
``async_`` methods and any name of ``hass`` and its parts outside a short list,
guards writes (only to lists and dicts), unpacking and augmented assignment, and
gives a small set of builtins. This module does the same, and:

* reads attributes of the objects a script is given (the ``hass`` facade, ``time``,
  ``dt_util``, ``logger``) only among the names each one lists, refuses every
  ``_``-prefixed or frame-inspecting name however it is reached, and formats strings
  (``str.format``) through the same guard, so ``"{0._x}".format(hass)`` is refused;
* counts steps (loop iterations, comprehension items, function calls): past
  ``STEP_BUDGET`` or once the house stops, every further step raises
  ``ScriptStopped``. Home Assistant lets a runaway script spin in its executor
  thread forever. So that nothing can swallow the stop, ``ScriptStopped`` is no
  ``Exception``, the builtins lack ``BaseException`` and its other non-``Exception``
  children, a bare ``except:`` means ``except Exception:``, and ``break``,
  ``continue`` or ``return`` in a ``finally`` block and ``__exit__`` methods are
  refused. Work done in one builtin call (``sum(range(10**12))``) is not counted.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # str.format's own field parser
import ast
import datetime
import logging
import operator
import string
from collections.abc import Callable, Mapping
from functools import cache
from numbers import Number
from types import CodeType
from typing import Any, ClassVar

from homeloom.orchestrator import HomeloomError

__all__ = [
    "STEP_BUDGET",
    "ScriptCompileError",
    "ScriptFacade",
    "ScriptRefused",
    "ScriptStopped",
    "compile_script",
    "run_script",
]

_LOGGER = logging.getLogger(__name__.rpartition("_sandbox")[0])

STEP_BUDGET = 1_000_000
"""Loop iterations, comprehension items and calls a script may make: a second or so."""

# Builtins whose classes a script could catch ScriptStopped with.
_UNCATCHABLE = ("BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit")
# Attributes that reach frames and code, whatever object holds them.
_INSPECTING = frozenset(
    {"ag_code", "ag_frame", "cr_code", "cr_frame", "gi_code", "gi_frame", "gi_yieldfrom"}
    | {"f_back", "f_builtins", "f_code", "f_globals", "f_locals", "tb_frame", "tb_next"}
)
_DATETIME_NAMES = frozenset({"date", "time", "datetime", "timedelta", "tzinfo"})
_TICK = "_homeloom_step_"
_IN_PLACE = {
    "%=": operator.mod,
    "&=": operator.and_,
    "**=": operator.pow,
    "*=": operator.mul,
    "+=": operator.add,
    "-=": operator.sub,
    "//=": operator.floordiv,
    "/=": operator.truediv,
    "<<=": operator.lshift,
    ">>=": operator.rshift,
    "@=": operator.matmul,
    "^=": operator.xor,
    "|=": operator.or_,
}


class ScriptRefused(HomeloomError):
    """The sandbox refused what a script did (Home Assistant's ``ScriptError``)."""


class ScriptStopped(BaseException):  # not an error: a script's stop
    """Raised at every step of a script past its budget, or once the house stops."""


class ScriptCompileError(HomeloomError):
    """A script that does not compile, or that RestrictedPython refuses."""

    def __init__(self, filename: str, line: int | None, messages: list[str]) -> None:
        self.filename = filename
        self.line = line
        self.messages = messages
        super().__init__(f"{filename}:{line or 1}: {', '.join(messages)}")


class ScriptFacade:
    """An object given to scripts: only the names in ``SCRIPT_NAMES`` are readable,
    and refusals name the object as Home Assistant does (``SCRIPT_TYPE``)."""

    __slots__ = ()
    SCRIPT_NAMES: ClassVar[frozenset[str]] = frozenset()
    SCRIPT_TYPE: ClassVar[str] = "object"


def compile_script(source: str, filename: str) -> CodeType:
    """Compile a script as RestrictedPython does, with the step counting added."""
    from RestrictedPython import compile_restricted_exec  # type: ignore[import-untyped]

    try:
        tree = ast.parse(source, filename)
    except SyntaxError as err:
        raise ScriptCompileError(filename, err.lineno, [f"SyntaxError: {err.msg}"]) from None
    problems = _Unswallowable().refusals(tree)
    if problems:
        raise ScriptCompileError(filename, problems[0][0], [text for _, text in problems])
    compiled = compile_restricted_exec(tree, filename, policy=_step_policy())
    if compiled.errors:
        line = _first_line(compiled.errors[0])
        raise ScriptCompileError(filename, line, list(compiled.errors))
    for warning in compiled.warnings:
        _LOGGER.warning("Warning loading script %s: %s", filename, warning)
    code: CodeType = compiled.code
    return code


def run_script(
    code: CodeType,
    given: Mapping[str, Any],
    stopping: Callable[[], bool],
    budget: int = STEP_BUDGET,
) -> Any:
    """Run compiled ``code`` with ``given`` names (hass, data, logger, output, time,
    dt_util); returns what the script left in ``output``."""
    steps = 0

    def step() -> bool:
        nonlocal steps
        steps += 1
        if steps > budget:
            raise ScriptStopped(f"stopped after {budget} steps (a runaway loop?)")
        if stopping():
            raise ScriptStopped("stopped: the house is stopping")
        return True

    from RestrictedPython import (
        limited_builtins,
        safe_builtins,
        utility_builtins,
    )

    builtins = {**safe_builtins, **utility_builtins, **limited_builtins}
    for name in (*_UNCATCHABLE, "_getattr_"):
        builtins.pop(name, None)
    builtins.update(
        datetime=datetime,
        time=given["time"],
        dt_util=given["dt_util"],
        **{f.__name__: f for f in (sorted, min, max, sum, any, all, enumerate)},
    )
    namespace = _guards()
    namespace.update(given)
    namespace.update({"__builtins__": builtins, _TICK: step})
    exec(code, namespace)  # restricted code, in the namespace built above
    return namespace["output"]


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """Read an attribute for a script, or refuse it (``ScriptRefused``)."""
    if name.startswith("async_"):
        raise ScriptRefused("Not allowed to access async methods")
    refused = (
        name.startswith("_")
        or name in _INSPECTING
        or (isinstance(obj, ScriptFacade) and name not in obj.SCRIPT_NAMES)
        or (obj is datetime and name not in _DATETIME_NAMES)
        or (obj is string and name == "Formatter")
    )
    if refused:
        kind = obj.SCRIPT_TYPE if isinstance(obj, ScriptFacade) else type(obj).__name__
        raise ScriptRefused(f"Not allowed to access {kind}.{name}")
    if name in ("format", "format_map") and (obj is str or isinstance(obj, str)):
        return _guarded_format(obj, name)
    return getattr(obj, name, default)


class _GuardedFormatter(string.Formatter):
    """``str.format`` whose ``{0.name}`` fields read through ``guarded_getattr``."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        value = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            value = guarded_getattr(value, key) if is_attribute else value[key]
        return value, first


_FORMATTER = _GuardedFormatter()


def _guarded_format(obj: Any, name: str) -> Callable[..., str]:
    if name == "format_map":
        if obj is str:
            return lambda text, mapping: _FORMATTER.vformat(text, (), mapping)
        return lambda mapping: _FORMATTER.vformat(obj, (), mapping)
    if obj is str:
        return lambda text, *args, **kwargs: _FORMATTER.vformat(text, args, kwargs)
    return lambda *args, **kwargs: _FORMATTER.vformat(obj, args, kwargs)


def _in_place(op: str, target: Any, operand: Any) -> Any:
    """``x += y`` and its kin, on lists, numbers and strings only, as Home Assistant."""
    if not isinstance(target, list | Number | str):
        raise ScriptRefused(f"The {op!r} operation is not allowed on a {type(target)}")
    function = _IN_PLACE.get(op)
    if function is None:
        raise ScriptRefused(f"The {op!r} operation is not allowed")
    return function(target, operand)


class _Printer:
    """``print`` in a script: only a warning, as Home Assistant."""

    def __init__(self, _getattr_: Any = None) -> None:
        pass

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        _LOGGER.warning("Don't use print() inside scripts. Use logger.info() instead")


def _guards() -> dict[str, Any]:
    from RestrictedPython.Eval import default_guarded_getitem  # type: ignore[import-untyped]
    from RestrictedPython.Guards import (  # type: ignore[import-untyped]
        full_write_guard,
        guarded_iter_unpack_sequence,
        guarded_unpack_sequence,
    )

    return {
        "_print_": _Printer,
        "_getattr_": guarded_getattr,
        "_write_": full_write_guard,
        "_getiter_": iter,
        "_getitem_": default_guarded_getitem,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _in_place,
    }


def _first_line(message: str) -> int | None:
    """The line of a RestrictedPython message (``Line 3: ...``)."""
    head = message.partition(":")[0]
    number = head.removeprefix("Line ").strip()
    return int(number) if number.isdigit() else None


def _step_call(node: ast.AST) -> ast.Call:
    call = ast.Call(ast.Name(_TICK, ast.Load()), [], [])
    return ast.fix_missing_locations(ast.copy_location(call, node))


@cache
def _step_policy() -> type:
    """The policy class, made on first use: RestrictedPython is imported only by houses
    with ``python_script:``."""
    from RestrictedPython.transformer import (  # type: ignore[import-untyped]
        RestrictingNodeTransformer,
    )

    class StepCounting(RestrictingNodeTransformer):  # type: ignore[misc]
        """RestrictedPython's checks, then a step at each loop turn, comprehension
        item and call; a bare ``except:`` becomes ``except Exception:``."""

        def visit_While(self, node: ast.While) -> ast.AST:
            node = super().visit_While(node)
            node.body.insert(0, ast.Expr(_step_call(node.body[0])))
            return ast.fix_missing_locations(node)

        def visit_For(self, node: ast.For) -> ast.AST:
            node = super().visit_For(node)
            node.body.insert(0, ast.Expr(_step_call(node.body[0])))
            return ast.fix_missing_locations(node)

        def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
            node = super().visit_comprehension(node)
            node.ifs.insert(0, _step_call(node.iter))
            return node

        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
            node = super().visit_FunctionDef(node)
            node.body.insert(0, ast.Expr(_step_call(node.body[0])))
            return ast.fix_missing_locations(node)

        def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
            node = super().visit_ExceptHandler(node)
            if node.type is None:
                node.type = ast.copy_location(ast.Name("Exception", ast.Load()), node)
            return node

    return StepCounting


class _Unswallowable(ast.NodeVisitor):
    """Finds what could swallow ``ScriptStopped``: ``break``, ``continue`` or
    ``return`` leaving a ``finally`` block (PEP 765 deprecates them too), and
    ``__exit__`` methods (one returning true swallows the exception)."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def refusals(self, tree: ast.AST) -> list[tuple[int, str]]:
        self.visit(tree)
        return self.problems

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        for statement in node.finalbody:
            for jump in _jumps_out(statement):
                kind = type(jump).__name__.lower()
                self.problems.append(
                    (jump.lineno, f"Line {jump.lineno}: '{kind}' in a 'finally' block")
                )
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in ("__exit__", "__aexit__"):
            self.problems.append((node.lineno, f"Line {node.lineno}: '{node.name}' method"))
        self.generic_visit(node)


def _jumps_out(node: ast.AST, in_loop: bool = False) -> list[ast.stmt]:
    """The ``break``/``continue``/``return`` statements of ``node`` that leave it."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
        return []
    if isinstance(node, ast.Return) or (isinstance(node, ast.Break | ast.Continue) and not in_loop):
        return [node]
    loop = isinstance(node, ast.For | ast.While | ast.AsyncFor)
    found: list[ast.stmt] = []
    for child in ast.iter_child_nodes(node):
        inner = in_loop or (loop and child in getattr(node, "body", ()))
        found.extend(_jumps_out(child, inner))
    return found
