"""Blueprints: scenario templates with ``!input`` placeholders, filled by ``use_blueprint``.

A blueprint lives in ``blueprints/<domain>/<path>`` under the configuration
directory. Its ``blueprint:`` block declares inputs (optionally grouped in
sections), each with an optional ``default`` and ``selector``; the rest of the
file is the scenario with ``!input NAME`` where values go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue

from ._yaml import InputRef, Position, YamlDict, YamlList, load_config_file, position_of
from ._yaml_values import position_in

__all__ = ["Blueprint", "BlueprintError", "apply_blueprint", "fill_inputs", "load_blueprint"]

BLUEPRINT_DIR = "blueprints"
_NO_DEFAULT = object()


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


def _issue(message: str, pos: Position | None, key: str | None) -> ConfigIssue:
    return ConfigIssue(
        message,
        file=pos.file if pos else None,
        line=pos.line if pos else None,
        column=pos.column if pos else None,
        key=key,
    )


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
        if isinstance(spec, Mapping) and "input" in spec and "selector" not in spec:
            _collect_inputs(spec, inputs, issues)
            continue
        spec = spec if isinstance(spec, Mapping) else {}
        selector = spec.get("selector")
        inputs[str(name)] = BlueprintInput(
            name=str(name),
            default=spec.get("default", _NO_DEFAULT),
            selector=selector if isinstance(selector, Mapping) else None,
            description=str(spec.get("description", "")),
        )


def load_blueprint(config_dir: Path, domain: str, path: str) -> Blueprint:
    """Load ``blueprints/<domain>/<path>``; raises :class:`BlueprintError` with positions."""
    base = (config_dir / BLUEPRINT_DIR / domain).resolve()
    file = (base / path).resolve()
    if base not in file.parents:
        raise BlueprintError([_issue(f"blueprint path {path!r} leaves {base}", None, "path")])
    if not file.is_file():
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
    issues: list[ConfigIssue] = []
    declared_domain = str(meta.get("domain", domain))
    if declared_domain != domain:
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
    for name in given:
        if name not in blueprint.inputs:
            valid = ", ".join(sorted(blueprint.inputs)) or "none"
            issues.append(
                _issue(
                    f"unknown input {name!r} of blueprint {blueprint.path}; valid: {valid}",
                    position_of(given, name),
                    f"use_blueprint.input.{name}",
                )
            )
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
