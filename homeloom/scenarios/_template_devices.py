"""Template covers, lights, fans, alarm panels and vacuums: the legacy ``platform:
template`` items under ``cover:``, ``light:``, ``fan:``, ``alarm_control_panel:`` and
``vacuum:`` (labelled blocks too), made as Home Assistant 2024.3 makes them
(``_template_cover``, ``_template_light``, ``_template_fan``, ``_template_alarm``,
``_template_vacuum``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime

from ._errors import ScenarioConfigError
from ._platform_options import domain_items
from ._template_alarm import ALARM_KIND, TemplateAlarmPanel, check_alarm
from ._template_controls import _TemplateControl, keyed_controls
from ._template_controls_config import _Control, _Kind
from ._template_cover import COVER_KIND, TemplateCover, check_cover
from ._template_fan import FAN_KIND, TemplateFan, check_fan
from ._template_light import LIGHT_KIND, TemplateLight, check_light
from ._template_vacuum import VACUUM_KIND, TemplateVacuum, check_vacuum

__all__ = ["setup_template_devices"]

PLATFORM = "template"

_Check = Callable[[Any, Any, Any, str], None]
_Make = Callable[[Runtime, _Control, Mapping[str, Any]], _TemplateControl]
# Each domain: the key its entities are listed under, what it accepts, the rules its
# schema adds, and how its entity is made.
_DOMAINS: dict[str, tuple[str, _Kind, _Check, _Make]] = {
    "cover": ("covers", COVER_KIND, check_cover, TemplateCover),
    "light": ("lights", LIGHT_KIND, check_light, lambda r, c, _: TemplateLight(r, c)),
    "fan": ("fans", FAN_KIND, check_fan, TemplateFan),
    "alarm_control_panel": ("panels", ALARM_KIND, check_alarm, TemplateAlarmPanel),
    "vacuum": ("vacuums", VACUUM_KIND, check_vacuum, TemplateVacuum),
}


def setup_template_devices(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every template cover, light, fan, alarm panel and vacuum; an item with a
    problem is reported and skipped whole, as Home Assistant skips a platform it cannot
    validate."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for domain, where, item in domain_items(config, _DOMAINS, PLATFORM):
        plural, kind, check, make = _DOMAINS[domain]
        try:
            entries = item.get(plural)
            if isinstance(entries, Mapping):
                for object_id, entry in entries.items():
                    check(entry, entries, object_id, f"{where}.{plural}.{object_id}")
            controls = keyed_controls(runtime, item, where, taken, domain, plural, kind)
        except ScenarioConfigError as err:
            issues.extend(err.issues)
            continue
        assert isinstance(entries, Mapping)
        for control, entry in zip(controls, entries.values(), strict=True):
            make(runtime, control, entry).start()
    return issues
