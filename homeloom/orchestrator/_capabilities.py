"""The capability vocabulary: each device domain's states, attributes and commands.

Names and fields follow Home Assistant. Every attribute has one canonical
scale (brightness 0-255, colour temperature in Kelvin, cover position
0 = closed .. 100 = open, temperatures in the house's unit); adapters convert
at their boundary with the helpers of ``_scales``. The mapping to Matter
clusters and SmartThings capabilities is in ``docs/capabilities.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from ._capability_commands import (
    AlarmCode,
    ClimateFan,
    ClimateHumidity,
    ClimateHvacMode,
    ClimatePreset,
    ClimateSwing,
    ClimateTemperature,
    CoverPosition,
    CoverTilt,
    FanDirection,
    FanOscillate,
    FanPercentage,
    FanPreset,
    FanSpeedStep,
    FanTurnOn,
    HumidifierHumidity,
    HumidifierMode,
    LightTurnOff,
    LightTurnOn,
    LockCode,
    MediaJoin,
    MediaMute,
    MediaPlay,
    MediaRepeat,
    MediaSeek,
    MediaShuffle,
    MediaSoundMode,
    MediaSource,
    MediaVolume,
    NumberValue,
    SelectOption,
    SirenTurnOn,
    TextValue,
    VacuumFanSpeed,
    VacuumSendCommand,
    WaterHeaterAwayMode,
    WaterHeaterOperationMode,
    WaterHeaterTemperature,
    _Empty,
)

__all__ = ["DOMAINS", "DomainSpec"]


@dataclass(frozen=True, slots=True)
class DomainSpec:
    """One device domain: its states, its attributes (with their scale), its commands."""

    domain: str
    states: tuple[str, ...]
    attributes: Mapping[str, str] = field(default_factory=dict)  # name -> scale / unit
    commands: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    description: str = ""


_ON_OFF = ("on", "off", "unavailable", "unknown")
_TOGGLE = {"turn_on": _Empty, "turn_off": _Empty, "toggle": _Empty}

DOMAINS: dict[str, DomainSpec] = {
    spec.domain: spec
    for spec in (
        DomainSpec(
            "light",
            _ON_OFF,
            {
                "brightness": "0-255",
                "color_temp_kelvin": "K",
                "rgb_color": "0-255 x3",
                "hs_color": "hue 0-360, saturation 0-100",
                "xy_color": "CIE 1931 0-1",
                "color_mode": "onoff|brightness|color_temp|hs|xy|rgb|rgbw",
                "min_color_temp_kelvin": "K",
                "max_color_temp_kelvin": "K",
                "effect": "text",
            },
            {"turn_on": LightTurnOn, "turn_off": LightTurnOff, "toggle": LightTurnOn},
            "A lamp, dimmable or coloured",
        ),
        DomainSpec("switch", _ON_OFF, {}, _TOGGLE, "A relay or plug"),
        DomainSpec(
            "binary_sensor",
            _ON_OFF,
            {"device_class": "motion|door|window|occupancy|..."},
            {},
            "A two-state sensor; 'on' means detected/open",
        ),
        DomainSpec(
            "sensor",
            ("<value>", "unavailable", "unknown"),
            {
                "unit_of_measurement": "text",
                "device_class": "temperature|illuminance|power|...",
                "state_class": "measurement|total|total_increasing",
            },
            {},
            "A measured value; the state is its text",
        ),
        DomainSpec(
            "cover",
            ("open", "closed", "opening", "closing", "unavailable", "unknown"),
            {
                "current_position": "0 (closed)-100 (open)",
                "current_tilt_position": "0-100",
                "device_class": "blind|curtain|garage|gate|door|shutter|window|...",
            },
            {
                "open_cover": _Empty,
                "close_cover": _Empty,
                "stop_cover": _Empty,
                "toggle": _Empty,
                "set_cover_position": CoverPosition,
                "open_cover_tilt": _Empty,
                "close_cover_tilt": _Empty,
                "stop_cover_tilt": _Empty,
                "set_cover_tilt_position": CoverTilt,
                "toggle_cover_tilt": _Empty,
            },
            "Blinds, shutters, garage doors, gates",
        ),
        DomainSpec(
            "lock",
            (
                "locked",
                "unlocked",
                "locking",
                "unlocking",
                "jammed",
                "open",
                "opening",
                "unavailable",
                "unknown",
            ),
            {},
            {"lock": LockCode, "unlock": LockCode, "open": LockCode},
            "A door lock",
        ),
        DomainSpec(
            "climate",
            (
                "off",
                "heat",
                "cool",
                "heat_cool",
                "auto",
                "dry",
                "fan_only",
                "unavailable",
                "unknown",
            ),
            {
                "current_temperature": "house unit",
                "temperature": "house unit",
                "target_temp_high": "house unit",
                "target_temp_low": "house unit",
                "hvac_action": "heating|cooling|idle|off",
                "preset_mode": "text",
                "fan_mode": "text",
                "current_humidity": "%",
                "min_temp": "house unit",
                "max_temp": "house unit",
                "hvac_modes": "list",
            },
            {
                "set_temperature": ClimateTemperature,
                "set_hvac_mode": ClimateHvacMode,
                "set_preset_mode": ClimatePreset,
                "set_fan_mode": ClimateFan,
                "set_humidity": ClimateHumidity,
                "set_swing_mode": ClimateSwing,
                **_TOGGLE,
            },
            "A thermostat or air conditioner",
        ),
        DomainSpec(
            "fan",
            _ON_OFF,
            {
                "percentage": "0-100",
                "preset_mode": "text",
                "oscillating": "bool",
                "direction": "forward|reverse",
            },
            {
                "turn_on": FanTurnOn,
                "turn_off": _Empty,
                "toggle": _Empty,
                "set_percentage": FanPercentage,
                "set_preset_mode": FanPreset,
                "oscillate": FanOscillate,
                "set_direction": FanDirection,
                "increase_speed": FanSpeedStep,
                "decrease_speed": FanSpeedStep,
            },
            "A fan",
        ),
        DomainSpec(
            "media_player",
            (
                "off",
                "on",
                "idle",
                "playing",
                "paused",
                "standby",
                "buffering",
                "unavailable",
                "unknown",
            ),
            {
                "volume_level": "0-1",
                "is_volume_muted": "bool",
                "media_title": "text",
                "source": "text",
                "media_position": "s",
                "media_duration": "s",
            },
            {
                "media_play": _Empty,
                "media_pause": _Empty,
                "media_stop": _Empty,
                "media_play_pause": _Empty,
                "media_next_track": _Empty,
                "media_previous_track": _Empty,
                "volume_set": MediaVolume,
                "volume_mute": MediaMute,
                "volume_up": _Empty,
                "volume_down": _Empty,
                "play_media": MediaPlay,
                "select_source": MediaSource,
                "media_seek": MediaSeek,
                "select_sound_mode": MediaSoundMode,
                "shuffle_set": MediaShuffle,
                "repeat_set": MediaRepeat,
                "clear_playlist": _Empty,
                "join": MediaJoin,
                "unjoin": _Empty,
                **_TOGGLE,
            },
            "A speaker, TV or player",
        ),
        DomainSpec(
            "alarm_control_panel",
            (
                "disarmed",
                "armed_home",
                "armed_away",
                "armed_night",
                "armed_vacation",
                "armed_custom_bypass",
                "pending",
                "arming",
                "disarming",
                "triggered",
                "unavailable",
                "unknown",
            ),
            {"code_format": "number|text", "changed_by": "text"},
            {
                "alarm_disarm": AlarmCode,
                "alarm_arm_home": AlarmCode,
                "alarm_arm_away": AlarmCode,
                "alarm_arm_night": AlarmCode,
                "alarm_arm_vacation": AlarmCode,
                "alarm_arm_custom_bypass": AlarmCode,
                "alarm_trigger": AlarmCode,
            },
            "An alarm panel",
        ),
        DomainSpec(
            "vacuum",
            (
                "cleaning",
                "docked",
                "idle",
                "paused",
                "returning",
                "error",
                "unavailable",
                "unknown",
            ),
            {"battery_level": "%", "fan_speed": "text"},
            {
                # As Home Assistant 2024.3's StateVacuumEntity: no turn_on, turn_off,
                # toggle or start_pause (those were the removed legacy VacuumEntity's).
                "start": _Empty,
                "pause": _Empty,
                "stop": _Empty,
                "return_to_base": _Empty,
                "clean_spot": _Empty,
                "locate": _Empty,
                "set_fan_speed": VacuumFanSpeed,
                "send_command": VacuumSendCommand,
            },
            "A robot vacuum",
        ),
        DomainSpec(
            "button",
            ("<timestamp>", "unavailable", "unknown"),
            {},
            {"press": _Empty},
            "A momentary action",
        ),
        DomainSpec(
            "number",
            ("<value>", "unavailable", "unknown"),
            {"min": "number", "max": "number", "step": "number", "mode": "box|slider"},
            {"set_value": NumberValue},
            "A settable number",
        ),
        DomainSpec(
            "select",
            ("<option>", "unavailable", "unknown"),
            {"options": "list"},
            {"select_option": SelectOption},
            "A choice among options",
        ),
        DomainSpec(
            "text",
            ("<text>", "unavailable", "unknown"),
            {"min": "int", "max": "int"},
            {"set_value": TextValue},
            "A settable text",
        ),
        DomainSpec(
            "valve",
            ("open", "closed", "opening", "closing", "unavailable", "unknown"),
            {"current_position": "0 (closed)-100 (open)"},
            {
                "open_valve": _Empty,
                "close_valve": _Empty,
                "stop_valve": _Empty,
                "toggle": _Empty,
                "set_valve_position": CoverPosition,
            },
            "A water or gas valve",
        ),
        DomainSpec(
            "siren",
            _ON_OFF,
            {},
            {"turn_on": SirenTurnOn, "turn_off": _Empty, "toggle": _Empty},
            "A siren or chime",
        ),
        DomainSpec(
            "humidifier",
            _ON_OFF,
            {"humidity": "%"},
            {**_TOGGLE, "set_humidity": HumidifierHumidity, "set_mode": HumidifierMode},
            "A humidifier",
        ),
        DomainSpec(
            "water_heater",
            ("off", "eco", "electric", "gas", "heat_pump", "performance", "unavailable", "unknown"),
            {"temperature": "house unit"},
            {
                "set_temperature": WaterHeaterTemperature,
                "set_operation_mode": WaterHeaterOperationMode,
                "set_away_mode": WaterHeaterAwayMode,
                "turn_on": _Empty,
                "turn_off": _Empty,
            },
            "A water heater",
        ),
        DomainSpec(
            "person",
            ("home", "not_home", "<zone>", "unknown"),
            {"latitude": "deg", "longitude": "deg", "gps_accuracy": "m", "source": "entity"},
            {},
            "A member of the household",
        ),
        DomainSpec(
            "device_tracker",
            ("home", "not_home", "<zone>", "unknown"),
            {
                "latitude": "deg",
                "longitude": "deg",
                "gps_accuracy": "m",
                "source_type": "gps|router|bluetooth",
            },
            {},
            "A phone or tag",
        ),
    )
}
