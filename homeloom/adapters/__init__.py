"""Adapters: the SDK adapter authors write against, and the built-in adapters."""

from ._discovery import (
    ADOPTED_FILE,
    AdoptionRefused,
    DiscoveredDevice,
    Discovery,
    DiscoveryError,
    UnknownDevice,
)
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
from ._zeroconf import ZeroconfMatcher, shared_zeroconf

__all__ = [
    "ADOPTED_FILE",
    "ENTRY_POINT_GROUP",
    "Adapter",
    "AdapterConfig",
    "AdapterHub",
    "AdapterManager",
    "AdapterSlot",
    "AdoptionRefused",
    "Discovered",
    "DiscoveredDevice",
    "Discovery",
    "DiscoveryError",
    "EntityDescription",
    "UnknownDevice",
    "ZeroconfMatcher",
    "available_adapters",
    "brightness_from_level",
    "brightness_to_level",
    "celsius_to_fahrenheit",
    "fahrenheit_to_celsius",
    "ha_position_from_matter",
    "ha_position_to_matter",
    "kelvin_to_mireds",
    "mireds_to_kelvin",
    "shared_zeroconf",
]
