"""Scenarios: YAML loading with positions, templates, triggers, conditions, scripts, automations."""

from ._assemblages import Assemblage, Assemblages, setup_assemblages
from ._automation import EVENT_AUTOMATION_TRIGGERED, Automation
from ._automation_config import AutomationConfigError, AutomationSpec, parse_automation
from ._automations import AutomationManager, ScenarioReport, get_automations
from ._autonomy_gate import EVENT_GATED_CALL, AutonomyGate, install_autonomy
from ._blueprints import Blueprint, BlueprintError, apply_blueprint, load_blueprint
from ._calendar import Calendar, CalendarEvent, Calendars, setup_calendars
from ._checkpoints import Checkpoints, get_checkpoints
from ._commands import setup_commands
from ._conditions import ConditionCheck, ConditionError, compile_condition, compile_conditions
from ._config_dir import (
    CONFIG_FILE,
    CoreSettings,
    blocks_for,
    load_config_dir,
    merge_packages,
    parse_core_settings,
    unknown_core_keys,
)
from ._conversation import Conversation, compile_sentence, get_conversation
from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError
from ._helpers import HELPER_DOMAINS, setup_helpers
from ._script import RunResult, Script
from ._scripts_domain import ScriptsReport, setup_scripts
from ._sun_entity import setup_sun
from ._template_library import setup_template_library
from ._templates import Template, TemplateEngine, TemplateError, get_template_engine
from ._trace import Trace, TraceStep, format_trace
from ._triggers import TriggerCallback, attach_triggers, validate_triggers
from ._yaml import (
    MAX_INCLUDE_DEPTH,
    InputRef,
    LoadResult,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    load_config_file,
    load_config_text,
    load_yaml_file,
    load_yaml_text,
    position_of,
)

__all__ = [
    "CONFIG_FILE",
    "EVENT_AUTOMATION_TRIGGERED",
    "EVENT_GATED_CALL",
    "HELPER_DOMAINS",
    "MAX_INCLUDE_DEPTH",
    "Assemblage",
    "Assemblages",
    "Automation",
    "AutomationConfigError",
    "AutomationManager",
    "AutomationSpec",
    "AutonomyGate",
    "Blueprint",
    "BlueprintError",
    "Calendar",
    "CalendarEvent",
    "Calendars",
    "Checkpoints",
    "ConditionCheck",
    "ConditionError",
    "Conversation",
    "CoreSettings",
    "DurationError",
    "InputRef",
    "LoadResult",
    "Position",
    "RunResult",
    "ScenarioConfigError",
    "ScenarioReport",
    "Script",
    "ScriptsReport",
    "Template",
    "TemplateEngine",
    "TemplateError",
    "Trace",
    "TraceStep",
    "TriggerCallback",
    "YamlDict",
    "YamlList",
    "YamlStr",
    "apply_blueprint",
    "attach_triggers",
    "blocks_for",
    "compile_condition",
    "compile_conditions",
    "compile_sentence",
    "format_trace",
    "get_automations",
    "get_checkpoints",
    "get_conversation",
    "get_template_engine",
    "install_autonomy",
    "load_blueprint",
    "load_config_dir",
    "load_config_file",
    "load_config_text",
    "load_yaml_file",
    "load_yaml_text",
    "merge_packages",
    "parse_automation",
    "parse_core_settings",
    "parse_duration",
    "position_of",
    "setup_assemblages",
    "setup_calendars",
    "setup_commands",
    "setup_helpers",
    "setup_scripts",
    "setup_sun",
    "setup_template_library",
    "unknown_core_keys",
    "validate_triggers",
]
