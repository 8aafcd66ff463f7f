"""Adapters: the SDK adapter authors write against, and the built-in adapters."""

from ._manager import ENTRY_POINT_GROUP, AdapterManager, AdapterSlot, available_adapters
from ._scales import (
    brightness_from_level,
    brightness_to_level,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    ha_position_from_matter,
    ha_position_to_matter,
    kelvin_to_mireds,
    mireds_to_kelvin,
)
from ._sdk import Adapter, AdapterConfig, AdapterHub, Discovered, EntityDescription

__all__ = [
    "ENTRY_POINT_GROUP",
    "Adapter",
    "AdapterConfig",
    "AdapterHub",
    "AdapterManager",
    "AdapterSlot",
    "Discovered",
    "EntityDescription",
    "available_adapters",
    "brightness_from_level",
    "brightness_to_level",
    "celsius_to_fahrenheit",
    "fahrenheit_to_celsius",
    "ha_position_from_matter",
    "ha_position_to_matter",
    "kelvin_to_mireds",
    "mireds_to_kelvin",
]
