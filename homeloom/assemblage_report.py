"""``homeloom assemblage list`` and ``show``: the assemblages as configured and as lived.

The configuration gives members, roles and scenarios; the house's database (read
only, so this runs beside a live house) gives the levels changed at run time,
whether each assemblage is on, and the trust each scenario has earned.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.house import CheckReport, House
from homeloom.orchestrator import TestClock
from homeloom.scenarios import Assemblages

__all__ = [
    "add_assemblage_command",
    "describe_assemblages",
    "format_assemblage",
    "format_assemblage_list",
    "run_assemblage_command",
]


def add_assemblage_command(commands: Any) -> None:
    """``homeloom assemblage list`` and ``homeloom assemblage show NAME``."""
    parser = commands.add_parser("assemblage", help="list the assemblages or show one")
    actions = parser.add_subparsers(dest="assemblage_command", required=True)
    listing = actions.add_parser("list", help="every assemblage with its level and size")
    show = actions.add_parser("show", help="one assemblage: members, roles, scenarios, trust")
    show.add_argument("name", help="the assemblage's id or name")
    for action in (listing, show):
        action.add_argument("--config", type=Path, default=None, help="configuration directory")
        action.add_argument("--json", action="store_true", help="print JSON")


def run_assemblage_command(args: argparse.Namespace, config_dir: Path) -> int:
    logging.basicConfig(level=logging.CRITICAL)  # the report says what loading found
    items, report = asyncio.run(describe_assemblages(config_dir))
    for issue in report.errors:
        print(f"error: {issue}", file=sys.stderr)
    if args.assemblage_command == "list":
        print(json.dumps(items, indent=2) if args.json else format_assemblage_list(items))
        return 0
    wanted = str(args.name).lower().removeprefix("assemblage.")
    for item in items:
        if wanted in (item["id"], item["name"].lower()):
            print(json.dumps(item, indent=2) if args.json else format_assemblage(item))
            return 0
    known = ", ".join(item["id"] for item in items) or "none"
    print(f"error: no assemblage {args.name!r}; known: {known}", file=sys.stderr)
    return 1


def describing_clock() -> TestClock:
    """The clock a description's house runs on: now, held still."""
    return TestClock(datetime.now(UTC))


async def describe_assemblages(config_dir: Path) -> tuple[list[dict[str, Any]], CheckReport]:
    """Every assemblage described, and what loading the configuration found wrong."""
    house = House(config_dir, clock=describing_clock(), read_only=True)
    try:
        report = await house.setup()
        assemblages = house.runtime.components.get("assemblages")
        described = (
            [assemblages.describe(item) for item in assemblages.items.values()]
            if isinstance(assemblages, Assemblages)
            else []
        )
    finally:
        await house.runtime.stop()
    return described, report


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def format_assemblage_list(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no assemblages: add an 'assemblage:' block to configuration.yaml"
    width = max(len(item["id"]) for item in items)
    lines = []
    for item in items:
        members = sum(len(ids) for ids in item["members"].values())
        lines.append(
            f"{item['id']:<{width}}  {'on ' if item['enabled'] else 'off'}  "
            f"{item['autonomy']:<7}  {item['name']}: {_count(members, 'member')}, "
            f"{_count(len(item['roles']), 'role')}, {_count(len(item['scenarios']), 'scenario')}"
        )
    return "\n".join(lines)


def format_assemblage(item: dict[str, Any]) -> str:
    lines = [
        f"{item['name']} (assemblage.{item['id']}): {'on' if item['enabled'] else 'off'}, "
        f"autonomy {item['autonomy']}",
        "members:",
    ]
    for kind, ids in item["members"].items():
        if ids:
            lines.append(f"  {kind}: {', '.join(ids)}")
    lines.append("roles:")
    lines.extend(f"  {role} -> {bound}" for role, bound in item["roles"].items())
    lines.append("scenarios:")
    for scenario in item["scenarios"]:
        trust = scenario.get("trust") or {}
        lines.append(
            f"  {scenario['entity_id']}  {'on ' if scenario['enabled'] else 'off'}  "
            f"level {scenario.get('level', 'auto')}  trust: {trust.get('approved', 0)} approved, "
            f"{trust.get('rejected', 0)} rejected, {trust.get('expired', 0)} expired, "
            f"streak {trust.get('streak', 0)}"
        )
    if item["derived"]:
        lines.append("derived:")
        lines.extend(f"  {entity_id}: {state}" for entity_id, state in item["derived"].items())
    return "\n".join(lines)
