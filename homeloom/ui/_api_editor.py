"""The scenario editor: check YAML with the line and column of each error, then save it.

Saved scenarios live in ``dashboard_automations.yaml`` beside the configuration,
included from ``configuration.yaml`` as ``automation dashboard:`` (the line is
added once, the first time something is saved); a scenario saved again with
the same ``id`` replaces the earlier one. Saving reloads the automations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from homeloom.orchestrator import ConfigIssue, Context, Runtime
from homeloom.scenarios import (
    CONFIG_FILE,
    compile_conditions,
    load_config_text,
    load_yaml_file,
    parse_automation,
    validate_triggers,
)

from ._auth import require
from ._errors import ApiError
from ._http import API, automations_of, read_body, reply, runtime_of
from ._schemas import ref

__all__: list[str] = []

DASHBOARD_FILE = "dashboard_automations.yaml"
_INCLUDE = f"\nautomation dashboard: !include {DASHBOARD_FILE}\n"


def _issue(issue: ConfigIssue) -> dict[str, Any]:
    return dict(issue.as_dict())


class _Checked:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.errors: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []
        self.failed = 0

    def report(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "errors": [_issue(i) for i in self.errors],
            "warnings": [_issue(i) for i in self.warnings],
            "scenarios": {"loaded": len(self.items) - self.failed, "failed": self.failed},
        }


def _check(runtime: Runtime, text: str) -> _Checked:
    """The scenarios in ``text`` (a list or one mapping), each checked, with positions."""
    checked = _Checked()
    root = runtime.config_dir
    filename = str(root / "scenario.yaml") if root is not None else "scenario.yaml"
    loaded = load_config_text(text, filename, root=root)
    checked.errors.extend(loaded.errors)
    checked.warnings.extend(loaded.warnings)
    value = loaded.value
    checked.items = value if isinstance(value, list) else [value] if value is not None else []
    if checked.errors:
        checked.failed = len(checked.items)
        return checked
    for item in checked.items:
        try:
            spec = parse_automation(item, config_dir=root)
            validate_triggers(runtime, spec.triggers, path="triggers")
            if spec.conditions:
                compile_conditions(runtime, spec.conditions, path="condition")
        except Exception as err:
            issues: list[ConfigIssue] = getattr(err, "issues", None) or [ConfigIssue(str(err))]
            checked.errors.extend(issues)
            checked.failed += 1
    return checked


@API.route(
    "POST",
    "/api/scenarios/validate",
    "Check scenarios written in YAML, with the line and column of each error",
    tag="scenarios",
    response=ref("ConfigCheck"),
    body=ref("ScenarioYaml"),
)
async def validate(request: web.Request) -> web.StreamResponse:
    require(request, "scenarios")
    body = await read_body(request, "ScenarioYaml")
    return reply(_check(runtime_of(request), str(body["yaml"])).report())


def _plain(value: Any) -> Any:
    plain = json.loads(json.dumps(value, default=str))
    return plain


def _save(root: Path, items: list[Any]) -> list[str]:
    target = root / DASHBOARD_FILE
    saved = load_yaml_file(target) if target.exists() else []
    existing = [_plain(item) for item in saved] if isinstance(saved, list) else []
    ids = []
    for item in items:
        plain = _plain(item)
        ids.append(str(plain["id"]))
        existing = [old for old in existing if old.get("id") != plain["id"]]
        existing.append(plain)
    text = "# Scenarios saved from the dashboard.\n" + yaml.safe_dump(
        existing, sort_keys=False, allow_unicode=True
    )
    target.write_text(text, encoding="utf-8")
    config = root / CONFIG_FILE
    current = config.read_text(encoding="utf-8")
    if f"!include {DASHBOARD_FILE}" not in current:
        config.write_text(current.rstrip("\n") + "\n" + _INCLUDE, encoding="utf-8")
    return ids


@API.route(
    "POST",
    "/api/scenarios/save",
    "Check, then save scenarios written in YAML (each with an id) and reload the automations",
    tag="scenarios",
    response=ref("ConfigCheck"),
    body=ref("ScenarioYaml"),
    errors=(400, 401, 403, 404, 409),
)
async def save(request: web.Request) -> web.StreamResponse:
    principal = require(request, "scenarios")
    body = await read_body(request, "ScenarioYaml")
    runtime = runtime_of(request)
    root = runtime.config_dir
    if root is None:
        raise ApiError(404, "not_available", "this house has no configuration directory")
    checked = _check(runtime, str(body["yaml"]))
    items = checked.items
    if checked.errors:
        message = "; ".join(str(issue) for issue in checked.errors)
        raise ApiError(400, "invalid_scenario", message)
    if not items or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise ApiError(400, "invalid_scenario", "each saved scenario needs an id")
    manager = automations_of(runtime)
    taken = {a.item_id for a in manager.automations.values()}
    dashboard = root / DASHBOARD_FILE
    mine = load_yaml_file(dashboard) if dashboard.exists() else []
    own_ids = {str(i.get("id")) for i in mine} if isinstance(mine, list) else set()
    clash = [str(i["id"]) for i in items if str(i["id"]) in taken - own_ids]
    if clash:
        raise ApiError(409, "id_taken", f"another scenario already has id {', '.join(clash)}")
    _save(root, items)
    context = Context(user_id=principal.user.username, origin="user", source="ui")
    report = await manager.reload(context)
    return reply(
        {
            "ok": not report.errors,
            "errors": [_issue(i) for i in report.errors],
            "warnings": [_issue(i) for i in report.warnings],
            "scenarios": {"loaded": report.loaded, "failed": report.failed},
        }
    )
