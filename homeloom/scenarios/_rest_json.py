"""A RESTful sensor's ``json_attributes``: keys of the reply's JSON object, or of the
first thing ``json_attributes_path`` (a JSONPath) finds in it, as Home Assistant 2024.3
takes them with the ``jsonpath`` package (0.82).

Paths are read as that package reads them: ``$.key``, ``['key']`` and ``key.key``
(the ``$`` is optional: a path is always from the top, and ``$`` alone finds nothing),
``[n]`` (an item of a list, counting from 0; ``[-1]`` finds nothing, write
``[-1:]``), slices ``[a:b:step]``, ``[a,b]``, ``*`` (every item or value), ``..key``
(``key`` at any depth, the nearest first), ``[(expression)]`` (a computed key, such as
``[(@.length-1)]``, the last item) and filters ``[?(expression)]``, that keep the items
(or the values of an object) the expression is true for, such as
``$.sensors[?(@.name=='hall' && @.value > 20)]``.

In an expression, ``@`` is the item, ``@.key.key`` its keys (``@.length`` its length,
``!@.key`` "it has no ``key``"), ``&&``/``||`` and Python's ``and``/``or``/``not``,
comparisons (``==``, ``<``, ``in``, ...), arithmetic, ``len()``, and texts, numbers,
``True``/``False``/``None`` and lists of them. As there, an expression that fails for
an item (a missing key, a text compared with a number, a name like ``true``) is false
for it. Home Assistant evaluates the expression as Python; homeloom evaluates only the
forms above, and refuses a path with anything else (a method call, an attribute)
when it reads the configuration.
"""

from __future__ import annotations

import ast
import json
import logging
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["JsonPath", "JsonPathError", "json_attributes"]

_LOGGER = logging.getLogger(__name__)
_OBJECT = "__obj"  # the name the item has once an expression is rewritten
_SLICE = re.compile(r"(-?[0-9]*):(-?[0-9]*):?(-?[0-9]*)$")


class JsonPathError(ValueError):
    """A JSONPath with a form homeloom does not evaluate."""


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A JSONPath, read (:meth:`read`) once and asked of each reply."""

    text: str
    steps: str  # the package's normal form: steps separated by ';'

    @classmethod
    def read(cls, text: str) -> JsonPath:
        """The path ``text``; JsonPathError for an expression in it that is not read."""
        steps = _normalize(text)
        for step in steps.split(";"):
            if step.startswith("(") and step.endswith(")"):
                _expression(step)
            elif step.startswith("?(") and step.endswith(")"):
                _expression(step[2:-1])
            elif (bounds := _SLICE.match(step)) is not None:
                _check_slice(step, bounds)
        return cls(text, steps.removeprefix("$;"))

    def find(self, document: Any) -> list[Any]:
        """What the path finds in ``document``, in the package's order."""
        found: list[Any] = []
        if self.text and document:  # the package finds nothing in an empty document
            _trace(self.steps, document, found)
        return found


def _check_slice(step: str, bounds: re.Match[str]) -> None:
    try:
        numbers = [int(bound) for bound in bounds.groups() if bound]
    except ValueError:
        raise JsonPathError(f"the slice [{step}] has a bound that is no number") from None
    if bounds[3] and numbers[-1] == 0:
        raise JsonPathError(f"the slice [{step}] has a step of 0")


def _normalize(path: str) -> str:
    """The path as ';'-separated steps, the package's way: bracketed expressions are
    set aside first, so that the dots and brackets in them stay."""
    expressions: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        expressions.append(match[1])
        return f"[#{len(expressions) - 1}]"

    text = re.sub(r"[\['](\??\(.*?\))[\]']", set_aside, path)
    text = re.sub(r"'?(?<!@)\.'?|\['?", ";", text)
    text = re.sub(r";;;|;;", ";..;", text)
    text = re.sub(r";$|'?\]|'$", "", text)
    return re.sub(r"#([0-9]+)", lambda match: expressions[int(match[1])], text)


def _trace(steps: str, node: Any, found: list[Any]) -> None:
    """Follow ``steps`` from ``node``, adding what they reach to ``found``."""
    if not steps:
        found.append(node)
        return
    step, _, rest = steps.partition(";")
    if step == "*":
        for key in _keys(node):
            _trace(f"{key};{rest}", node, found)
    elif step == "..":
        _trace(rest, node, found)
        for key in _keys(node):
            _trace(f"..;{rest}", node[key], found)
    elif step == "!":  # the keys of an object (a Perl JSONPath extension)
        if isinstance(node, dict):
            for key in node:
                _trace(rest, key, found)
    elif isinstance(node, dict) and step in node:
        _trace(rest, node[step], found)
    elif isinstance(node, list) and step.isdigit():
        if int(step) < len(node):
            _trace(rest, node[int(step)], found)
    elif step.startswith("(") and step.endswith(")"):
        _trace(f"{_evaluate(step, node)};{rest}", node, found)
    elif step.startswith("?(") and step.endswith(")"):
        for key in _keys(node):
            if _evaluate(step[2:-1], node[key]):
                _trace(f"{key};{rest}", node, found)
    elif (bounds := _SLICE.match(step)) is not None:
        if isinstance(node, dict | list):
            for index in _slice_indexes(bounds, len(node)):
                _trace(f"{index};{rest}", node, found)
    elif "," in step:
        for piece in re.split(r"'?,'?", step):
            _trace(f"{piece};{rest}", node, found)


def _slice_indexes(bounds: re.Match[str], length: int) -> range:
    """The indexes ``[start:end:step]`` picks; the package's: a bound below 0 counts
    from the end, and a step below 0 picks nothing."""
    start, end, step = (int(bound) if bound else None for bound in bounds.groups())
    start = _clamp(0 if start is None else start, length)
    end = _clamp(length if end is None else end, length)
    return range(start, end, step or 1)


def _clamp(bound: int, length: int) -> int:
    return max(0, bound + length) if bound < 0 else min(length, bound)


def _keys(node: Any) -> list[Any]:
    """A list's indexes or an object's keys; none for anything else."""
    if isinstance(node, list):
        return list(range(len(node)))
    return list(node) if isinstance(node, dict) else []


def _evaluate(text: str, item: Any) -> Any:
    """The expression's value for ``item``; False when it fails, as in the package."""
    try:
        return _expression(text)(item)
    except Exception:  # the package takes any failure as false
        return False


@lru_cache(maxsize=256)
def _expression(text: str) -> Callable[[Any], Any]:
    """The expression, rewritten as the package rewrites it into Python and checked to
    use only the forms read here."""
    source = text.replace("@.length", f"len({_OBJECT})")
    source = source.replace("&&", " and ").replace("||", " or ")
    source = re.sub(r"!@\.([a-zA-Z@_0-9-]*)", rf"'\1' not in {_OBJECT}", source)
    source = re.sub(r"(?<!\\)(@\.[a-zA-Z@_.0-9]+)", _keys_of_item, source)
    source = re.sub(r"(?<!\\)@", _OBJECT, source).replace(r"\@", "@")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise JsonPathError(f"the expression {text!r} does not read: {err.msg}") from None
    for node in ast.walk(tree.body):
        if not isinstance(node, _READ_NODES) or (
            isinstance(node, ast.Call) and not _is_len_call(node)
        ):
            raise JsonPathError(
                f"the expression {text!r} uses {ast.unparse(node)!r}: homeloom evaluates "
                "@-paths, texts, numbers, lists, comparisons, and/or/not, arithmetic and "
                "len() in a JSONPath expression"
            )
    unknown = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    if unknown - {_OBJECT, "len"}:  # a mistake the package does not report either
        _LOGGER.warning(
            "The JSONPath expression %r names %s: no such name, so it is false for every "
            "item (True, False and None are written so)",
            text,
            ", ".join(sorted(unknown - {_OBJECT, "len"})),
        )
    body = tree.body
    return lambda item: _value(body, item)


def _keys_of_item(match: re.Match[str]) -> str:
    """``@.a.0.b`` as ``__obj['a'][0]['b']`` (``.length`` at the end: its length)."""
    names = match[1].split(".")[1:]
    length = names[-1] == "length"
    access = _OBJECT + "".join(
        f"[{name}]" if name.isdigit() else f"['{name}']" for name in names[: -1 if length else None]
    )
    return f"len({access})" if length else access


def _is_len_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and not node.keywords
    )


_READ_NODES = (
    ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Call, ast.Name, ast.Load, ast.Constant, ast.Subscript, ast.List, ast.Tuple,
)  # fmt: skip
_OPERATORS: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}  # fmt: skip


def _value(node: ast.expr, item: Any) -> Any:
    """``node``'s value, Python's, with ``__obj`` the item; raises as Python would."""
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            if name != _OBJECT:  # such as ``true``: Python knows no such name
                raise NameError(name)
            return item
        case ast.Subscript(value=container, slice=key):
            return _value(container, item)[_value(key, item)]
        case ast.Call(args=[argument]):
            return len(_value(argument, item))
        case ast.List(elts=elements) | ast.Tuple(elts=elements):
            return [_value(element, item) for element in elements]
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return not _value(operand, item)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_value(operand, item)
        case ast.UnaryOp(operand=operand):
            return +_value(operand, item)
        case ast.BoolOp(op=ast.And(), values=values):
            result = True
            for value_node in values:
                result = _value(value_node, item)
                if not result:
                    break
            return result
        case ast.BoolOp(values=values):
            result = False
            for value_node in values:
                result = _value(value_node, item)
                if result:
                    break
            return result
        case ast.BinOp(left=left, op=ast.Mult(), right=right):
            return _multiply(_value(left, item), _value(right, item))
        case ast.BinOp(left=left, op=op, right=right):
            return _OPERATORS[type(op)](_value(left, item), _value(right, item))
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            value = _value(left, item)
            for test, comparator in zip(ops, comparators, strict=True):
                other = _value(comparator, item)
                if not _OPERATORS[type(test)](value, other):
                    return False
                value = other
            return True
    raise TypeError(f"not evaluated: {ast.dump(node)}")


def _multiply(left: Any, right: Any) -> Any:
    """Numbers only: a text or list repeated by a device's number could be huge."""
    if not all(isinstance(value, int | float) for value in (left, right)):
        raise TypeError("only numbers multiply here")
    return left * right


def json_attributes(value: str | None, keys: list[str], path: JsonPath | None) -> dict[str, Any]:
    """Those of ``keys`` the reply's JSON object (or the first thing ``path`` finds)
    holds; none, with a warning, when the reply is empty or not such an object."""
    if not value:
        _LOGGER.warning("Empty reply found when expecting JSON data")
        return {}
    try:
        document: Any = json.loads(value)
    except (ValueError, RecursionError):
        _LOGGER.warning("REST result could not be parsed as JSON")
        return {}
    if path is not None:
        try:
            document = path.find(document) or False  # the package's "nothing"
        except RecursionError:
            document = False
    if isinstance(document, list) and document:
        document = document[0]
    if isinstance(document, Mapping):
        return {key: document[key] for key in keys if key in document}
    _LOGGER.warning("JSON result was not a dictionary or list with 0th element a dictionary")
    return {}
