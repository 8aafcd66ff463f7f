"""Scenarios: YAML loading with positions, configuration directories, and the engine."""

from ._config_dir import (
    CONFIG_FILE,
    CoreSettings,
    blocks_for,
    load_config_dir,
    merge_packages,
    parse_core_settings,
)
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
    "MAX_INCLUDE_DEPTH",
    "CoreSettings",
    "InputRef",
    "LoadResult",
    "Position",
    "YamlDict",
    "YamlList",
    "YamlStr",
    "blocks_for",
    "load_config_dir",
    "load_config_file",
    "load_config_text",
    "load_yaml_file",
    "load_yaml_text",
    "merge_packages",
    "parse_core_settings",
    "position_of",
]
