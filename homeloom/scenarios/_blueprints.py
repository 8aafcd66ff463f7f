"""Blueprints: scenario templates with ``!input`` placeholders, filled by ``use_blueprint``.

A blueprint lives in ``blueprints/<domain>/<path>`` under the configuration
directory. Its ``blueprint:`` block declares inputs (optionally grouped in
sections), each with an optional ``default`` and ``selector``; the rest of the
file is the scenario with ``!input NAME`` where values go.

The checks follow Home Assistant's: the ``blueprint:`` block takes only the keys
it knows, a ``name`` and ``domain`` are required, each selector must be one Home
Assistant takes (_blueprint_selectors.py), and inputs the using
automation gives but the blueprint does not declare are ignored. Input
sections (Home Assistant 2024.6) are read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from homeloom.orchestrator import ConfigIssue

from ._blueprint_selectors import selector_problem
from ._errors import issue_written_at as _issue
from ._yaml import InputRef, Position, YamlDict, YamlList, load_config_file, position_of
from ._yaml_values import position_in

__all__ = [
    "Blueprint",
    "BlueprintError",
    "apply_blueprint",
    "fill_inputs",
    "load_blueprint",
    "use_blueprint",
]

BLUEPRINT_DIR = "blueprints"
_NO_DEFAULT = object()
_METADATA_KEYS = frozenset(
    {"name", "description", "domain", "source_url", "author", "homeassistant", "input"}
)
_INPUT_KEYS = frozenset({"name", "description", "default", "selector"})
_SECTION_KEYS = frozenset({"name", "description", "icon", "collapsed", "input"})


class BlueprintError(Exception):
    """A blueprint could not be loaded or filled; carries every issue found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


@dataclass(slots=True)
class BlueprintInput:
    name: str
    default: Any = _NO_DEFAULT
    selector: Mapping[str, Any] | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(slots=True)
class Blueprint:
    """A loaded blueprint: its metadata, its declared inputs and its body."""

    path: str
    name: str
    domain: str
    inputs: dict[str, BlueprintInput]
    body: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


def _collect_inputs(
    container: Mapping[str, Any], inputs: dict[str, BlueprintInput], issues: list[ConfigIssue]
) -> None:
    """Read the ``input:`` declarations of ``container``; a section is a mapping that has
    its own ``input:``."""
    declared = container.get("input")
    if declared is None:
        return
    if not isinstance(declared, Mapping):
        pos = position_in(container, "input")
        issues.append(_issue("expected a mapping of inputs", pos, "blueprint.input"))
        return
    for name, spec in declared.items():
        if spec is not None and not isinstance(spec, Mapping):
            pos = position_of(declared, name)
            issues.append(_issue("an input is a mapping or empty", pos, f"blueprint.input.{name}"))
            continue
        is_section = isinstance(spec, Mapping) and "input" in spec and "selector" not in spec
        spec = spec or {}
        allowed = _SECTION_KEYS if is_section else _INPUT_KEYS
        issues.extend(
            _issue(
                f"unknown key {key!r}; valid: {', '.join(sorted(allowed))}",
                position_of(spec, key),
                f"blueprint.input.{name}.{key}",
            )
            for key in spec
            if key not in allowed
        )
        if is_section:
            _collect_inputs(spec, inputs, issues)
            continue
        selector = spec.get("selector")
        problem = selector_problem(selector) if "selector" in spec else None
        if problem is not None:
            pos = position_of(spec, "selector")
            issues.append(_issue(problem, pos, f"blueprint.input.{name}.selector"))
        inputs[str(name)] = BlueprintInput(
            name=str(name),
            default=spec.get("default", _NO_DEFAULT),
            selector=selector if isinstance(selector, Mapping) else None,
            description=str(spec.get("description", "")),
        )


def _metadata_issues(meta: Mapping[str, Any]) -> list[ConfigIssue]:
    """What Home Assistant's blueprint schema refuses in the ``blueprint:`` block."""
    issues = [
        _issue(
            f"unknown key {key!r}; valid: {', '.join(sorted(_METADATA_KEYS))}",
            position_of(meta, key),
            f"blueprint.{key}",
        )
        for key in meta
        if key not in _METADATA_KEYS
    ]
    for key in ("name", "domain"):
        if not isinstance(meta.get(key), str):
            pos = position_of(meta, key) or getattr(meta, "position", None)
            issues.append(_issue(f"a blueprint needs a '{key}' text", pos, f"blueprint.{key}"))
    source_url = meta.get("source_url")
    if source_url is not None:
        parsed = urlparse(str(source_url))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            pos = position_of(meta, "source_url")
            issues.append(_issue("source_url must be an http(s) URL", pos, "blueprint.source_url"))
    requirements = meta.get("homeassistant")
    if requirements is not None:
        # Only the format is checked: Home Assistant loads a blueprint that asks for a
        # newer version, and says so only when the blueprint is imported.
        min_version = requirements.get("min_version") if isinstance(requirements, Mapping) else 0
        if min_version is not None and not _is_version(min_version):
            issues.append(
                _issue(
                    "min_version must be major.minor.patch, such as 2024.3.0",
                    position_of(requirements, "min_version") or position_of(meta, "homeassistant"),
                    "blueprint.homeassistant.min_version",
                )
            )
    return issues


def _is_version(value: Any) -> bool:
    parts = value.split(".") if isinstance(value, str) else []
    return len(parts) == 3 and all(part.strip().lstrip("+-").isdigit() for part in parts)


def load_blueprint(config_dir: Path, domain: str, path: str) -> Blueprint:
    """Load ``blueprints/<domain>/<path>``; raises :class:`BlueprintError` with positions."""
    if not path.endswith(".yaml"):
        raise BlueprintError([_issue(f"blueprint path {path!r} must end in .yaml", None, "path")])
    base = (config_dir / BLUEPRINT_DIR / domain).resolve()
    try:  # a null byte, a name too long or a symlink loop: no file has that path
        file = (base / path).resolve()
        is_file = file.is_file()
    except (OSError, ValueError, RuntimeError) as err:
        message = f"blueprint path {path!r} names no file: {err}"
        raise BlueprintError([_issue(message, None, "path")]) from None
    if base not in file.parents:
        raise BlueprintError([_issue(f"blueprint path {path!r} leaves {base}", None, "path")])
    if not is_file:
        known = (
            sorted(str(p.relative_to(base)) for p in base.rglob("*.yaml")) if base.is_dir() else []
        )
        hint = f"; available: {', '.join(known)}" if known else ""
        raise BlueprintError(
            [_issue(f"no blueprint {BLUEPRINT_DIR}/{domain}/{path}{hint}", None, "path")]
        )
    loaded = load_config_file(file, root=config_dir)
    if loaded.errors:
        raise BlueprintError(loaded.errors)
    content = loaded.value
    meta = content.get("blueprint") if isinstance(content, Mapping) else None
    if not isinstance(meta, Mapping):
        pos = getattr(content, "position", None) or Position(str(file), 1, 1)
        raise BlueprintError([_issue("a blueprint needs a 'blueprint:' block", pos, "blueprint")])
    issues = _metadata_issues(meta)
    declared_domain = meta.get("domain", domain)
    if isinstance(declared_domain, str) and declared_domain != domain:
        issues.append(
            _issue(
                f"blueprint is for {declared_domain!r}, used as {domain!r}",
                position_of(meta, "domain"),
                "blueprint.domain",
            )
        )
    inputs: dict[str, BlueprintInput] = {}
    _collect_inputs(meta, inputs, issues)
    if issues:
        raise BlueprintError(issues)
    body = {key: value for key, value in content.items() if key != "blueprint"}
    return Blueprint(
        path=path,
        name=str(meta.get("name", path)),
        domain=domain,
        inputs=inputs,
        body=body,
        metadata=dict(meta),
    )


def apply_blueprint(blueprint: Blueprint, use: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario config of ``use_blueprint`` ``use`` (its ``input:`` values filled in)."""
    given = use.get("input") or {}
    issues: list[ConfigIssue] = []
    if not isinstance(given, Mapping):
        issues.append(
            _issue("expected a mapping of inputs", position_of(use, "input"), "use_blueprint.input")
        )
        given = {}
    values: dict[str, Any] = {}
    for name, spec in blueprint.inputs.items():
        if name in given:
            values[name] = given[name]
        elif not spec.required:
            values[name] = spec.default
        else:
            issues.append(
                _issue(
                    f"missing input {name!r} of blueprint {blueprint.path}"
                    + (f" ({spec.description})" if spec.description else ""),
                    getattr(use, "position", None),
                    "use_blueprint.input",
                )
            )
    # An input the blueprint does not declare is ignored, as Home Assistant does.
    if issues:
        raise BlueprintError(issues)
    undeclared: list[InputRef] = []
    filled = _substitute(blueprint.body, values, undeclared)
    if undeclared:
        raise BlueprintError(
            [
                _issue(f"!input {ref.name} is not declared in the blueprint", ref.position, None)
                for ref in undeclared
            ]
        )
    return dict(filled)


def use_blueprint(config_dir: Path | None, domain: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario that ``item`` (a mapping with ``use_blueprint``) stands for.

    As in Home Assistant, the item's own keys (id, alias, mode, variables...) replace
    the filled blueprint's keys whole. Issues found nowhere in a file point at the
    item's ``use_blueprint``.
    """
    where = position_of(item, "use_blueprint") or getattr(item, "position", None)
    use = item["use_blueprint"]
    try:
        if not isinstance(use, Mapping) or not isinstance(use.get("path"), str):
            raise BlueprintError(
                [
                    _issue(
                        "use_blueprint needs a 'path' and an 'input' mapping", None, "use_blueprint"
                    )
                ]
            )
        if config_dir is None:
            raise BlueprintError(
                [_issue("blueprints need a configuration directory", None, "use_blueprint")]
            )
        filled = apply_blueprint(load_blueprint(config_dir, domain, use["path"]), use)
    except BlueprintError as err:
        raise BlueprintError(
            [
                replace(issue, file=where.file, line=where.line, column=where.column)
                if issue.file is None and where is not None
                else issue
                for issue in err.issues
            ]
        ) from None
    filled.update((key, value) for key, value in item.items() if key != "use_blueprint")
    return filled


def fill_inputs(value: Any, values: Mapping[str, Any]) -> tuple[Any, list[InputRef]]:
    """``value`` with each ``!input NAME`` replaced, and the references ``values`` lacks."""
    undeclared: list[InputRef] = []
    return _substitute(value, values, undeclared), undeclared


def _substitute(value: Any, values: Mapping[str, Any], undeclared: list[InputRef]) -> Any:
    if isinstance(value, InputRef):
        if value.name not in values:
            undeclared.append(value)
            return None
        return values[value.name]
    if isinstance(value, YamlDict):
        out = YamlDict()
        out.position = value.position
        for key, item in value.items():
            out.set_at(
                key,
                _substitute(item, values, undeclared),
                value.position_of(key),
                value.value_position(key),
            )
        return out
    if isinstance(value, Mapping):
        return {key: _substitute(item, values, undeclared) for key, item in value.items()}
    if isinstance(value, YamlList):
        items = YamlList()
        items.position = value.position
        for index, item in enumerate(value):
            items.append_at(_substitute(item, values, undeclared), value.position_of(index))
        return items
    if isinstance(value, list):
        return [_substitute(item, values, undeclared) for item in value]
    return value
