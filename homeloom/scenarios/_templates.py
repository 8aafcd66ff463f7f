"""Jinja templates in an immutable sandbox, compiled once, with Home Assistant's helpers.

A template sees the house through ``states`` and the functions residents use. It
renders in the house's sandbox (:func:`homeloom.orchestrator.template_sandbox_class`):
it cannot reach Python internals and what a render may make and do is bounded; every
error becomes a :class:`TemplateError` naming the template. Templates may import the
residents' macro files (``custom_templates/``, :mod:`._template_library`), compiled in
the same sandbox.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import (
    HomeloomError,
    Runtime,
    TemplateLimitError,
    bounded_render,
    compile_template,
    template_sandbox_class,
)
from homeloom.orchestrator.template_limits import check_printable

from ._template_functions import install_functions
from ._template_library import LIBRARY_DIR, TemplateLibrary
from ._template_repr import printed_text
from ._template_states import RenderInfo, render_info

if TYPE_CHECKING:  # jinja2 itself is imported by the first template compiled
    import jinja2

__all__ = [
    "RenderInfo",
    "Template",
    "TemplateEngine",
    "TemplateError",
    "as_boolean",
    "get_template_engine",
    "is_rendered",
    "renders_true",
]

_LOGGER = logging.getLogger(__name__)
_ATOMS = frozenset({int, float, bool})  # types that never hold a template
MAX_OUTPUT = 256 * 1024
_TRUE_WORDS = frozenset({"true", "yes", "on", "enable", "1"})
_IS_NUMERIC = re.compile(r"^[+-]?(?!0\d)\d*(?:\.\d*)?$")


class TemplateError(HomeloomError):
    """A template failed to compile or to render; the message names the template.

    ``read``: what a render asked to report what it reads (``render_with_info``) had
    read before it failed, so that a watcher can go on watching it.
    """

    read: RenderInfo | None = None

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        short = source if len(source) <= 120 else source[:117] + "..."
        super().__init__(f"{message} (template: {short!r})")


def as_boolean(value: Any) -> bool:
    """A template's result read as Home Assistant reads a template trigger's, or the
    change a ``wait_template`` waits for: true, yes, on, enable or 1 (any case), or a
    number other than zero."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return bool(value) if isinstance(value, bool | int | float) else False


def renders_true(template: Template, variables: Mapping[str, Any]) -> bool:
    """Whether ``template`` renders the text ``true`` (any case), as a template condition
    (and a ``wait_template``'s first check) asks in Home Assistant: "on" or 1 is not true
    there, unlike for a template trigger (:func:`as_boolean`)."""
    return str(template.render(variables, parse_result=False)).strip().lower() == "true"


# What a Python literal other than a text (or bytes) starts with: a result starting
# otherwise can only be read as text.
_LITERAL_STARTS = frozenset("0123456789+-.[({TFN")


def parse_result(text: str) -> Any:
    """Home Assistant's native types: numbers, booleans, lists, dicts, None; else the text.

    A number keeps its text when it would lose something ("01", "1e5", " 5").
    """
    if not text or text[0] not in _LITERAL_STARTS:
        return text  # most results are words: no need to ask the parser
    try:
        result = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    if isinstance(result, str | complex | bytes):
        return text
    is_number = isinstance(result, int | float) and not isinstance(result, bool)
    if is_number and not _IS_NUMERIC.match(text):
        return text
    keeping_text = _KEEPING_TEXT.get(type(result))
    if keeping_text is not None:
        # Always wrapped, as Home Assistant wraps every rendered list, mapping and tuple:
        # a text field (cv.string) takes it as its rendered text, a YAML list it refuses.
        return keeping_text(result, text)
    return result


def is_rendered(value: Any) -> bool:
    """Whether ``value`` is a list, mapping or tuple a template rendered."""
    return isinstance(value, _RenderedList | _RenderedDict | _RenderedTuple)


_CONTAINERS = frozenset({list, tuple, dict})


def _printable(value: Any, tz: tzinfo) -> Any:
    """What ``{{ value }}`` prints: a list, tuple or mapping holding a state's attributes
    shows them as a mapping, as Home Assistant's (a read-only dict) print, rather than
    as ``mappingproxy({...})``, so the text reads back as the value; a state or an
    event, alone or inside one, as Home Assistant writes it (``<state ...>``)."""
    kind = type(value)
    if kind in _CONTAINERS:
        check_printable(value)  # a list holding another many times prints huge
        return _without_proxies(value, tz)
    if kind is not str and kind not in _ATOMS:
        text = printed_text(value, tz)
        if text is not None:
            return text
        check_printable(value)  # a namespace, a set: written with their values
    return value


class _Printed(str):
    """A state or an event inside a printed list or mapping: written unquoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _without_proxies(value: Any, tz: tzinfo) -> Any:
    kind = type(value)
    if kind is dict or kind is MappingProxyType:
        return {key: _without_proxies(item, tz) for key, item in value.items()}
    if kind is list:
        return [_without_proxies(item, tz) for item in value]
    if kind is tuple:
        return tuple(_without_proxies(item, tz) for item in value)
    if kind is not str and kind not in _ATOMS:
        text = printed_text(value, tz)
        if text is not None:
            return _Printed(text)
    return value


class _RenderedList(list[Any]):
    """A list a template rendered, printed later as rendered ("[1,2]" stays "[1,2]"), as
    Home Assistant's result wrappers do."""

    __slots__ = ("text",)

    def __init__(self, items: Any = (), text: str = "") -> None:
        super().__init__(items)
        self.text = text

    def __str__(self) -> str:
        return self.text


class _RenderedDict(dict[Any, Any]):
    """A mapping a template rendered, printed later as rendered (``{"a":1}``)."""

    __slots__ = ("text",)

    def __init__(self, items: Any = (), text: str = "") -> None:
        super().__init__(items)
        self.text = text

    def __str__(self) -> str:
        return self.text


class _RenderedTuple(tuple[Any, ...]):
    """A tuple a template rendered ("0,1"), printed later as rendered."""

    text: str  # a tuple takes no slots: kept in its dict

    def __new__(cls, items: Any = (), text: str = "") -> _RenderedTuple:
        made = super().__new__(cls, items)
        made.text = text
        return made

    def __str__(self) -> str:
        return self.text


_KEEPING_TEXT: dict[type, Any] = {
    list: _RenderedList,
    dict: _RenderedDict,
    tuple: _RenderedTuple,
}


@dataclass(slots=True)
class Template:
    """One compiled template; get it from :meth:`TemplateEngine.template`."""

    source: str
    engine: TemplateEngine
    is_static: bool = False
    _compiled: jinja2.Template | None = field(default=None, repr=False)

    def ensure_valid(self) -> None:
        if self.is_static or self._compiled is not None:
            return
        env = self.engine.env
        from jinja2 import TemplateSyntaxError

        try:
            self._compiled = compile_template(env, self.source)
        except TemplateSyntaxError as err:
            raise TemplateError(
                self.source, f"syntax error at line {err.lineno}: {err.message}"
            ) from err

    def render(
        self, variables: Mapping[str, Any] | None = None, *, parse_result: bool = True
    ) -> Any:
        result, _ = self._render(variables, parse=parse_result, track=False)
        return result

    def render_with_info(
        self, variables: Mapping[str, Any] | None = None, *, parse_result: bool = True
    ) -> tuple[Any, RenderInfo]:
        return self._render(variables, parse=parse_result, track=True)

    def _render(
        self, variables: Mapping[str, Any] | None, *, parse: bool, track: bool
    ) -> tuple[Any, RenderInfo]:
        info = RenderInfo()
        if self.is_static:
            return (parse_result(self.source) if parse else self.source), info
        self.ensure_valid()
        assert self._compiled is not None
        token = render_info.set(info if track else None)
        try:
            text = bounded_render(self._compiled, variables or {})
        except TemplateError as err:
            err.read = info if track else None
            raise
        except Exception as err:
            failed = TemplateError(self.source, _render_error(err))
            failed.read = info if track else None
            raise failed from err
        finally:
            render_info.reset(token)
        if len(text) > MAX_OUTPUT:
            raise TemplateError(self.source, f"output longer than {MAX_OUTPUT} characters")
        text = text.strip()  # Home Assistant strips every result
        return (parse_result(text) if parse else text), info


def _render_error(err: Exception) -> str:
    """What a template that raised ``err`` while rendering is reported as."""
    import jinja2  # already imported: the template was compiled

    if isinstance(err, jinja2.TemplateNotFound):
        return f"no template library file {err.name!r} in {LIBRARY_DIR}/ (only .jinja files)"
    if isinstance(err, jinja2.TemplateSyntaxError) and err.name is not None:
        where = f"{LIBRARY_DIR}/{err.name} line {err.lineno}"  # an imported library file
        return f"syntax error in {where}: {err.message}"
    if isinstance(err, jinja2.TemplateError):
        return str(err)
    if isinstance(err, TemplateLimitError):
        return f"too large or too long: {err}"
    if isinstance(err, RecursionError | MemoryError | OverflowError):
        detail = f": {err}" if str(err) else ""
        return f"too large or too deep: {type(err).__name__}{detail}"
    return f"{type(err).__name__}: {err}"


class TemplateEngine:
    """One per runtime: the sandbox, its functions, and the compiled templates."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._env: jinja2.Environment | None = None
        self._cache: dict[str, Template] = {}
        # The residents' macro files, read by setup_template_library.
        self.library = TemplateLibrary()

    @property
    def env(self) -> jinja2.Environment:
        """The sandbox with Home Assistant's functions, made when a template first compiles."""
        if self._env is None:
            import jinja2

            runtime = self.runtime

            def finalize(value: Any) -> Any:
                kind = type(value)  # texts and numbers, nearly all, printed as they are
                if kind is str or kind in _ATOMS:
                    return value
                return _printable(value, runtime.settings.tz)

            env = template_sandbox_class()(
                undefined=jinja2.Undefined,
                autoescape=False,
                loader=jinja2.FunctionLoader(self.library.source),
                finalize=finalize,
            )
            install_functions(env, self.runtime)
            self._env = env
        return self._env

    @staticmethod
    def is_template(value: Any) -> bool:
        # The markers ({{, {% and {#) all start with "{": most strings need one scan.
        return (
            isinstance(value, str)
            and "{" in value
            and ("{{" in value or "{%" in value or "{#" in value)
        )

    def template(self, source: str) -> Template:
        cached = self._cache.get(source)
        if cached is None:
            cached = Template(str(source), self, is_static=not self.is_template(source))
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[source] = cached
        return cached

    def contains_template(self, value: Any) -> bool:
        """Whether any string inside ``value`` (keys included) is a template."""
        if isinstance(value, str):
            return "{" in value and self.is_template(value)
        if value is None or type(value) in _ATOMS:
            return False
        # dict first: the ABC check costs more than the walk for a small mapping.
        if isinstance(value, (dict, Mapping)):
            for key, item in value.items():
                # Plain strings (most keys and values) checked here, without a call.
                if type(key) is str:
                    if "{" in key and self.is_template(key):
                        return True
                elif self.contains_template(key):
                    return True
                if type(item) is str:
                    if "{" in item and self.is_template(item):
                        return True
                elif self.contains_template(item):
                    return True
            return False
        if isinstance(value, list):
            for item in value:
                if self.contains_template(item):
                    return True
        return False

    def render_complex(self, value: Any, variables: Mapping[str, Any] | None = None) -> Any:
        """Render every template string inside dicts and lists; other values unchanged."""
        if isinstance(value, str):
            if not self.is_template(value):
                return value
            return self.template(value).render(variables)
        if isinstance(value, Mapping):
            return {
                self.render_complex(key, variables): self.render_complex(item, variables)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.render_complex(item, variables) for item in value]
        return value


def get_template_engine(runtime: Runtime) -> TemplateEngine:
    engine = runtime.components.get("templates")
    if not isinstance(engine, TemplateEngine):
        engine = TemplateEngine(runtime)
        runtime.components["templates"] = engine
    return engine


def referenced_names(source: str, env: jinja2.Environment) -> set[str]:
    """Variable names a template reads (for trigger validation and docs)."""
    from jinja2 import nodes

    tree = env.parse(source)
    return {node.name for node in tree.find_all(nodes.Name)}
