"""The Jinja sandbox every template of the house renders in: scenarios' templates and
adapters' payload templates alike, bounded by :mod:`.template_limits`.

A template cannot reach Python internals (attributes starting with ``_`` are refused,
as are a frame's globals) and a render cannot make a value too large for the house's
memory or loop for ever: :func:`bounded_render` gives each render its budget.
jinja2 itself is imported when the first sandbox is made.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import template_limits as limits
from ._template_filter_limits import guarded_filters, lipsum_checked

if TYPE_CHECKING:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "bounded_render",
    "compile_template",
    "guard_template_filters",
    "template_sandbox_class",
]


@functools.cache
def template_sandbox_class() -> type[ImmutableSandboxedEnvironment]:
    """The bounded sandbox class, made (and jinja2 imported) when first asked for.

    Its filters are checked once :func:`guard_template_filters` has wrapped them: call
    it after adding the instance's own.
    """
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator, optimizeconst
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
    from jinja2.utils import Namespace

    class _LimitedCodeGenerator(CodeGenerator):
        def visit_Template(self, node: nodes.Template, frame: Any = None) -> None:
            # Every loop iterates its iterable through limits.counted, one step an item.
            for loop in node.find_all(nodes.For):
                counted = nodes.ImportedName(f"{limits.__name__}.counted")
                loop.iter = nodes.Call(counted, [loop.iter], [], None, None)
                loop.iter.set_lineno(loop.lineno)
            super().visit_Template(node, frame)

        @optimizeconst
        def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
            # ``a ~ b`` writes lists and mappings as text: checked first. Markup (in an
            # autoescape block) keeps jinja's own join.
            if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
                super().visit_Concat(node, frame)
                return
            self.write("environment.join_text((")
            for part in node.nodes:
                self.visit(part, frame)
                self.write(", ")
            self.write("))")

    class _CheckedFormatter(SandboxedFormatter):
        def format_field(self, value: Any, format_spec: str) -> Any:
            limits.check_spec(format_spec)
            return super().format_field(value, format_spec)

    class _Sandbox(ImmutableSandboxedEnvironment):
        # Multiplying, adding or %-formatting text or lists, or raising to a power, can
        # make a value too large for the house's memory: each is checked first.
        intercepted_binops = frozenset({"*", "**", "+", "%"})
        code_generator_class = _LimitedCodeGenerator
        # The output of a render, a macro or a block, joined as it grows.
        concat = staticmethod(limits.bounded_concat)
        # ``a ~ b``, from the generated code (see _LimitedCodeGenerator).
        join_text = staticmethod(limits.join_text)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return limits.binop(operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            limits.step(limits.CALL_STEPS)
            limits.check_method_call(__obj, args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Any:
            # str.format and format_map, with each field's width and precision checked.
            wrapped = super().wrap_str_format(value)
            if wrapped is None:
                return None
            text = value.__self__
            formatter = _CheckedFormatter(self)

            def checked_format(*args: Any, **kwargs: Any) -> str:
                if value.__name__ != "format_map":
                    return str(type(text)(formatter.vformat(text, args, kwargs)))
                if kwargs or len(args) != 1:
                    return str(wrapped(*args, **kwargs))  # fails as jinja's does
                return str(type(text)(formatter.vformat(text, (), args[0])))

            return checked_format

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if attr.startswith("_") or attr in ("mro", "gi_frame", "cr_frame", "f_globals"):
                return False
            if type(obj) is Namespace:  # a namespace's own values, as Home Assistant
                return True
            return bool(super().is_safe_attribute(obj, attr, value))

        def is_safe_callable(self, obj: Any) -> bool:
            return bool(super().is_safe_callable(obj))

    return _Sandbox


def guard_template_filters(env: jinja2.Environment) -> None:
    """Wrap, once, the filters of ``env`` that can make a huge value (jinja's own
    ``center``, ``indent``, ``join``..., and ``to_json`` where it has one) and its
    ``lipsum``, so that each checks its arguments first."""
    env.filters.update(guarded_filters(env.filters))
    lipsum = env.globals["lipsum"]
    assert callable(lipsum)
    env.globals["lipsum"] = lipsum_checked(lipsum)


def compile_template(env: jinja2.Environment, source: str) -> jinja2.Template:
    """``source`` compiled in ``env``. Jinja gives each template its globals as a
    ChainMap over the environment's, copied key by key in Python at every render (most
    of a short render's time); these templates add none, so the environment's own dict
    serves, copied in C."""
    compiled = env.from_string(source)
    compiled.globals = env.globals
    return compiled


def bounded_render(compiled: jinja2.Template, context: Mapping[str, Any]) -> str:
    """``compiled`` rendered with ``context``, within one render's budget: a render that
    goes past a bound raises :class:`~.template_limits.TemplateLimitError`."""
    budget = limits.render_budget.set(limits.RenderBudget())
    try:
        return compiled.render(context)
    finally:
        limits.render_budget.reset(budget)
