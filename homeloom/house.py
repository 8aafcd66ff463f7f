"""Wiring a whole house from a configuration directory: the layer the CLI and tests share."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom.orchestrator import Clock, ConfigIssue, HouseSettings, Runtime
from homeloom.scenarios import CONFIG_FILE, load_config_dir, parse_core_settings

_LOGGER = logging.getLogger(__name__)

DEMO_CONFIGURATION = """\
# homeloom demo configuration: a simulated house you can play with.
homeloom:
  name: Demo House
  latitude: 48.8566
  longitude: 2.3522
  elevation: 35
  time_zone: Europe/Paris
  unit_system: metric
"""


@dataclass(slots=True)
class CheckReport:
    """What ``homeloom check`` found: every error and warning, and the scenarios' tally."""

    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)
    scenarios_loaded: int = 0
    scenarios_failed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
            "scenarios": {"loaded": self.scenarios_loaded, "failed": self.scenarios_failed},
        }


def write_demo_config(config_dir: Path) -> bool:
    """Write the demo configuration when ``config_dir`` has none; True when written."""
    target = config_dir / CONFIG_FILE
    if target.exists():
        return False
    config_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(DEMO_CONFIGURATION, encoding="utf-8")
    return True


def check_config(config_dir: Path) -> CheckReport:
    """Validate everything in ``config_dir`` without starting anything."""
    report = CheckReport()
    if not (config_dir / CONFIG_FILE).exists():
        report.errors.append(
            ConfigIssue(f"no {CONFIG_FILE} in {config_dir}", file=str(config_dir / CONFIG_FILE))
        )
        return report
    loaded = load_config_dir(config_dir)
    report.errors.extend(loaded.errors)
    report.warnings.extend(loaded.warnings)
    _, issues = parse_core_settings(loaded.value)
    report.errors.extend(issues)
    return report


def build_house(config_dir: Path, *, clock: Clock | None = None) -> tuple[Runtime, CheckReport]:
    """A runtime configured from ``config_dir``; what is broken is reported, the rest runs."""
    report = CheckReport()
    loaded = load_config_dir(config_dir)
    report.errors.extend(loaded.errors)
    report.warnings.extend(loaded.warnings)
    core, issues = parse_core_settings(loaded.value)
    report.errors.extend(issues)
    defaults = HouseSettings()
    settings = HouseSettings(
        name=core.name,
        latitude=core.latitude if core.latitude is not None else defaults.latitude,
        longitude=core.longitude if core.longitude is not None else defaults.longitude,
        elevation=core.elevation,
        time_zone=core.time_zone,
        unit_system=core.unit_system,
        extra=dict(core.extra),
    )
    runtime = Runtime(clock=clock, settings=settings, config_dir=config_dir)
    for issue in report.errors:
        _LOGGER.error("configuration: %s", issue)
    return runtime, report
