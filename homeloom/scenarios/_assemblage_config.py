"""Reading an ``assemblage:`` block: members, roles, scenarios against the roles, derived state.

Each problem is reported with its place (file, line, key) and what would be
valid; an assemblage with problems is left out and the others load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Level, Runtime, parse_level, slugify

from ._automation_config import approver_issues
from ._blueprints import BlueprintError, apply_blueprint, fill_inputs, load_blueprint
from ._errors import issue_at, issue_written_at
from ._templates import TemplateError, get_template_engine
from ._yaml import YamlDict, position_of

__all__ = ["DOMAIN", "Assemblage", "parse_assemblage"]

DOMAIN = "assemblage"

_KEYS = (
    "name",
    "members",
    "roles",
    "scenarios",
    "use_blueprint",
    "derived",
    "autonomy",
    "approvers",
    "initial_state",
)
_MEMBER_KINDS = ("entities", "things", "areas", "people")


@dataclass(slots=True)
class Assemblage:
    id: str
    name: str
    members: dict[str, list[str]]
    roles: dict[str, str]
    autonomy: Level | None
    approvers: list[str] | None
    scenario_items: list[Any] = field(default_factory=list)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)  # entity id -> config

    @property
    def entity_id(self) -> str:
        return f"{DOMAIN}.{self.id}"

    @property
    def variables(self) -> dict[str, Any]:
        return {"roles": dict(self.roles), "assemblage": self.id}


def parse_assemblage(
    runtime: Runtime,
    block: Mapping[str, Any],
    key: str,
    value: Any,
    config_dir: Path | None,
    issues: list[ConfigIssue],
) -> Assemblage | None:
    path = f"{DOMAIN}.{key}"
    if slugify(key) != key:
        issues.append(
            issue_at(
                block,
                key,
                path,
                f"an assemblage id is lowercase_with_underscores, such as {slugify(key)!r}",
            )
        )
        return None
    if not isinstance(value, Mapping):
        issues.append(
            issue_at(
                block, key, path, "an assemblage is a mapping; valid keys: " + ", ".join(_KEYS)
            )
        )
        return None
    for name in value:
        if name not in _KEYS:
            issues.append(
                issue_at(
                    value,
                    name,
                    f"{path}.{name}",
                    f"unknown key {name!r}; valid keys: {', '.join(_KEYS)}",
                )
            )
    level: Level | None = None
    if value.get("autonomy") is not None:
        try:
            level = parse_level(value["autonomy"])
        except ValueError as err:
            issues.append(issue_at(value, "autonomy", f"{path}.autonomy", str(err)))
    approvers = None
    if "approvers" in value:
        issues.extend(approver_issues(value, "approvers", f"{path}.approvers"))
        approvers = (
            [str(item) for item in value["approvers"]]
            if isinstance(value["approvers"], list)
            else [str(value["approvers"])]
        )
    members = _members(runtime, value, path, issues)
    roles = _roles(runtime, value, path, issues)
    for role_value in roles.values():
        kind = "entities" if "." in role_value else "things"
        if role_value.startswith("person."):
            kind = "people"
        if role_value not in members[kind]:
            members[kind].append(role_value)
    if approvers is None and members["people"]:
        approvers = list(members["people"])
    assemblage = Assemblage(
        id=key,
        name=str(value.get("name") or key.replace("_", " ").capitalize()),
        members=members,
        roles=roles,
        autonomy=level,
        approvers=approvers,
    )
    assemblage.scenario_items = _scenarios(assemblage, value, path, config_dir, issues)
    assemblage.derived = _derived(runtime, assemblage, value, path, issues)
    return assemblage


def _members(
    runtime: Runtime, value: Mapping[str, Any], path: str, issues: list[ConfigIssue]
) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {kind: [] for kind in _MEMBER_KINDS}
    config = value.get("members") or {}
    if not isinstance(config, Mapping):
        issues.append(
            issue_at(
                value,
                "members",
                f"{path}.members",
                "members is a mapping of " + ", ".join(_MEMBER_KINDS),
            )
        )
        return members
    for kind, items in config.items():
        if kind not in _MEMBER_KINDS:
            issues.append(
                issue_at(
                    config,
                    kind,
                    f"{path}.members.{kind}",
                    f"unknown kind of member {kind!r}; valid: {', '.join(_MEMBER_KINDS)}",
                )
            )
            continue
        listed = items if isinstance(items, list) else [items]
        for index, item in enumerate(listed):
            text = str(item)
            problem = _missing(runtime, kind, text)
            if problem:
                container, where = (items, index) if isinstance(items, list) else (config, kind)
                issues.append(
                    issue_at(container, where, f"{path}.members.{kind}[{index}]", problem)
                )
            else:
                members[kind].append(text)
    return members


def _missing(runtime: Runtime, kind: str, text: str) -> str | None:
    """Why ``text`` names no member of that kind, or None when it does."""
    registries = runtime.registries
    if kind in ("entities", "people"):
        if kind == "people" and not text.startswith("person."):
            return f"{text!r} is not a person; people are entities such as person.alice"
        if text in runtime.states or text in registries.entities:
            return None
        domain = text.partition(".")[0]
        known = sorted(e for e in runtime.states.entity_ids() if e.startswith(f"{domain}."))
        return f"no entity {text!r}; known {domain} entities: {', '.join(known[:12]) or 'none'}"
    if kind == "things":
        if text in registries.things:
            return None
        things = ", ".join(sorted(registries.things)[:12]) or "none"
        return f"no thing {text!r}; known things: {things}"
    if text in registries.areas:
        return None
    return f"no area {text!r}; known areas: {', '.join(sorted(registries.areas)) or 'none'}"


def _roles(
    runtime: Runtime, value: Mapping[str, Any], path: str, issues: list[ConfigIssue]
) -> dict[str, str]:
    config = value.get("roles") or {}
    if not isinstance(config, Mapping):
        issues.append(
            issue_at(
                value,
                "roles",
                f"{path}.roles",
                "roles map each role's name to a member, such as lamp: light.hall",
            )
        )
        return {}
    roles: dict[str, str] = {}
    for role, bound in config.items():
        text = str(bound)
        kind = "entities" if "." in text else "things"
        problem = _missing(runtime, kind, text)
        if problem:
            issues.append(
                issue_at(
                    config,
                    role,
                    f"{path}.roles.{role}",
                    f"role {role!r} is bound to a missing member: {problem}",
                )
            )
        else:
            roles[str(role)] = text
    return roles


def _scenarios(
    assemblage: Assemblage,
    value: Mapping[str, Any],
    path: str,
    config_dir: Path | None,
    issues: list[ConfigIssue],
) -> list[Any]:
    items: list[Any] = []
    inline = value.get("scenarios") or []
    if not isinstance(inline, list):
        issues.append(
            issue_at(value, "scenarios", f"{path}.scenarios", "scenarios is a list of automations")
        )
        inline = []
    for index, item in enumerate(inline):
        filled, undeclared = fill_inputs(item, assemblage.roles)
        for ref in undeclared:
            valid = ", ".join(assemblage.roles) or "none"
            message = f"!input {ref.name} names no role of the assemblage; roles: {valid}"
            issues.append(issue_written_at(message, ref.position, f"{path}.scenarios[{index}]"))
        items.append(_adopt(assemblage, filled, str(index + 1)))
    use = value.get("use_blueprint")
    if use is not None:
        blueprint_item = _from_blueprint(assemblage, value, use, path, config_dir, issues)
        if blueprint_item is not None:
            items.append(_adopt(assemblage, blueprint_item, "blueprint"))
    return items


def _from_blueprint(
    assemblage: Assemblage,
    value: Mapping[str, Any],
    use: Any,
    path: str,
    config_dir: Path | None,
    issues: list[ConfigIssue],
) -> Any:
    if not isinstance(use, Mapping) or not isinstance(use.get("path"), str):
        issues.append(
            issue_at(
                value,
                "use_blueprint",
                f"{path}.use_blueprint",
                "use_blueprint needs a 'path' and may have an 'input' mapping",
            )
        )
        return None
    if config_dir is None:
        issues.append(
            issue_at(
                value,
                "use_blueprint",
                f"{path}.use_blueprint",
                "blueprints need a configuration directory",
            )
        )
        return None
    try:
        blueprint = load_blueprint(config_dir, "automation", use["path"])
        given = use.get("input") or {}
        inputs = {
            role: bound for role, bound in assemblage.roles.items() if role in blueprint.inputs
        }
        inputs.update(given if isinstance(given, Mapping) else {})
        filled = apply_blueprint(blueprint, {"path": use["path"], "input": inputs})
        filled.setdefault("alias", blueprint.name)
        return filled
    except BlueprintError as err:
        pos = position_of(value, "use_blueprint")
        for issue in err.issues:
            issues.append(
                ConfigIssue(
                    issue.message,
                    file=issue.file or (pos.file if pos else None),
                    line=issue.line or (pos.line if pos else None),
                    column=issue.column or (pos.column if pos else None),
                    key=f"{path}.use_blueprint" + (f" ({issue.key})" if issue.key else ""),
                )
            )
        return None


def _adopt(assemblage: Assemblage, item: Any, fallback_id: str) -> Any:
    """Give a scenario of the assemblage its own id, name and the ``roles`` variable."""
    if not isinstance(item, Mapping):
        return item
    adopted = item.copy() if isinstance(item, YamlDict) else dict(item)
    own_id = str(item.get("id") or fallback_id)
    adopted["id"] = f"{assemblage.id}_{slugify(own_id)}"
    adopted["alias"] = f"{assemblage.name}: {item.get('alias') or own_id}"
    variables = item.get("variables")
    adopted["variables"] = {
        **assemblage.variables,
        **(variables if isinstance(variables, Mapping) else {}),
    }
    return adopted


def _derived(
    runtime: Runtime,
    assemblage: Assemblage,
    value: Mapping[str, Any],
    path: str,
    issues: list[ConfigIssue],
) -> dict[str, dict[str, Any]]:
    config = value.get("derived") or {}
    if not isinstance(config, Mapping):
        issues.append(
            issue_at(
                value,
                "derived",
                f"{path}.derived",
                "derived maps each name to a template, such as "
                "active: \"{{ is_state(roles.sensor, 'on') }}\"",
            )
        )
        return {}
    engine = get_template_engine(runtime)
    derived: dict[str, dict[str, Any]] = {}
    for name, item in config.items():
        where = f"{path}.derived.{name}"
        spec = item if isinstance(item, Mapping) else {"state": item}
        domain = str(spec.get("domain", "binary_sensor"))
        if domain not in ("binary_sensor", "sensor"):
            issues.append(
                issue_at(
                    config, name, where, f"unknown domain {domain!r}; valid: binary_sensor, sensor"
                )
            )
            continue
        if not isinstance(spec.get("state"), str):
            issues.append(issue_at(config, name, where, "a derived state needs a 'state' template"))
            continue
        try:
            engine.template(spec["state"]).ensure_valid()
        except TemplateError as err:
            issues.append(issue_at(config, name, where, str(err)))
            continue
        attributes = {
            key: spec[key] for key in ("unit_of_measurement", "device_class") if key in spec
        }
        attributes["friendly_name"] = f"{assemblage.name} {str(name).replace('_', ' ')}"
        attributes["assemblage"] = assemblage.id
        derived[f"{domain}.{assemblage.id}_{slugify(str(name))}"] = {
            "state": spec["state"],
            "attributes": attributes,
        }
    return derived
