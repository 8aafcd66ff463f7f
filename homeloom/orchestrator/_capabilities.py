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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._runtime import Runtime
from ._services import ServiceCall
from ._states import split_entity_id

__all__ = [
    "DOMAINS",
    "DomainSpec",
    "normalize_light_command",
    "register_capability_services",
]


class _Command(BaseModel):
    # Each command's validator is built at its first call, not when homeloom is imported.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _Empty(_Command):
    pass


Percent = Field(None, ge=0, le=100)


class LightTurnOn(_Command):
    brightness: int | None = Field(None, ge=0, le=255)
    brightness_pct: float | None = Percent
    brightness_step: int | None = Field(None, ge=-255, le=255)
    brightness_step_pct: float | None = Field(None, ge=-100, le=100)
    color_temp_kelvin: int | None = Field(None, ge=1000, le=20000)
    kelvin: int | None = Field(None, ge=1000, le=20000)
    color_temp: int | None = Field(None, ge=50, le=1000, description="mireds (legacy)")
    rgb_color: tuple[int, int, int] | None = None
    rgbw_color: tuple[int, int, int, int] | None = None
    hs_color: tuple[float, float] | None = None
    xy_color: tuple[float, float] | None = None
    color_name: str | None = None
    transition: float | None = Field(None, ge=0)
    effect: str | None = None
    flash: str | None = None
    profile: str | None = None
    white: bool | int | None = None

    @model_validator(mode="after")
    def _one_brightness(self) -> LightTurnOn:
        given = [
            n
            for n in ("brightness", "brightness_pct", "brightness_step", "brightness_step_pct")
            if getattr(self, n) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give only one of {', '.join(given)}")
        return self


class LightTurnOff(_Command):
    transition: float | None = Field(None, ge=0)
    flash: str | None = None


class CoverPosition(_Command):
    position: int = Field(ge=0, le=100)


class CoverTilt(_Command):
    tilt_position: int = Field(ge=0, le=100)


class ClimateTemperature(_Command):
    temperature: float | None = None
    target_temp_high: float | None = None
    target_temp_low: float | None = None
    hvac_mode: str | None = None


class ClimateHvacMode(_Command):
    hvac_mode: str


class ClimatePreset(_Command):
    preset_mode: str


class ClimateFan(_Command):
    fan_mode: str


class ClimateHumidity(_Command):
    humidity: float = Field(ge=0, le=100)


class LockCode(_Command):
    code: str | None = None


class AlarmCode(_Command):
    code: str | None = None


class FanTurnOn(_Command):
    percentage: int | None = Field(None, ge=0, le=100)
    preset_mode: str | None = None


class FanPercentage(_Command):
    percentage: int = Field(ge=0, le=100)


class FanPreset(_Command):
    preset_mode: str


class FanOscillate(_Command):
    oscillating: bool


class FanDirection(_Command):
    direction: str


class MediaVolume(_Command):
    volume_level: float = Field(ge=0, le=1)


class MediaMute(_Command):
    is_volume_muted: bool


class MediaPlay(_Command):
    media_content_id: str
    media_content_type: str
    enqueue: str | None = None
    announce: bool | None = None


class MediaSource(_Command):
    source: str


class MediaSeek(_Command):
    seek_position: float = Field(ge=0)


class NumberValue(_Command):
    value: float


class SelectOption(_Command):
    option: str


class VacuumFanSpeed(_Command):
    fan_speed: str


class SirenTurnOn(_Command):
    tone: str | int | None = None
    volume_level: float | None = Field(None, ge=0, le=1)
    duration: int | None = Field(None, ge=0)


class WaterHeaterTemperature(_Command):
    temperature: float
    operation_mode: str | None = None


class HumidifierHumidity(_Command):
    humidity: int = Field(ge=0, le=100)


class TextValue(_Command):
    value: str


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
                "set_cover_tilt_position": CoverTilt,
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
                "increase_speed": _Empty,
                "decrease_speed": _Empty,
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
                "start": _Empty,
                "pause": _Empty,
                "stop": _Empty,
                "return_to_base": _Empty,
                "clean_spot": _Empty,
                "locate": _Empty,
                "set_fan_speed": VacuumFanSpeed,
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
            {**_TOGGLE, "set_humidity": HumidifierHumidity},
            "A humidifier",
        ),
        DomainSpec(
            "water_heater",
            ("off", "eco", "electric", "gas", "heat_pump", "performance", "unavailable", "unknown"),
            {"temperature": "house unit"},
            {"set_temperature": WaterHeaterTemperature, "turn_on": _Empty, "turn_off": _Empty},
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


def register_capability_services(runtime: Runtime) -> None:
    """Register every device command as an entity service, and ``homeassistant.turn_on``...

    Idempotent: a second call changes nothing.
    """
    services = runtime.services
    for spec in DOMAINS.values():
        for command, schema in spec.commands.items():
            if not services.has(spec.domain, command):
                services.register_entity_service(
                    spec.domain, command, schema=schema, description=f"{spec.domain} {command}"
                )
    for generic in ("turn_on", "turn_off", "toggle"):
        for domain in ("homeassistant", "homeloom"):
            if not services.has(domain, generic):
                services.register(
                    domain,
                    generic,
                    _generic(runtime, generic),
                    target="required",
                    entity_domains=(),
                    description=f"{generic} anything that can {generic}",
                )


def _generic(runtime: Runtime, command: str) -> Any:
    async def dispatch(call: ServiceCall) -> None:
        by_domain: dict[str, list[str]] = {}
        for entity_id in call.entity_ids:
            by_domain.setdefault(split_entity_id(entity_id)[0], []).append(entity_id)
        for domain, entity_ids in by_domain.items():
            target_command = command
            if domain in ("cover",) and command != "toggle":
                target_command = "open_cover" if command == "turn_on" else "close_cover"
            if not runtime.services.has(domain, target_command):
                continue
            await runtime.services.call(
                domain,
                target_command,
                dict(call.data),
                target={"entity_id": entity_ids},
                context=call.context,
            )

    return dispatch


def normalize_light_command(
    data: Mapping[str, Any], current_brightness: int | None = None
) -> dict[str, Any]:
    """``light.turn_on`` data in canonical terms: brightness 0-255, colour temperature in K."""
    out = dict(data)
    if "brightness_pct" in out:
        out["brightness"] = round(float(out.pop("brightness_pct")) * 255 / 100)
    base = current_brightness if current_brightness is not None else 0
    if "brightness_step" in out:
        out["brightness"] = max(0, min(255, base + int(out.pop("brightness_step"))))
    if "brightness_step_pct" in out:
        step = round(float(out.pop("brightness_step_pct")) * 255 / 100)
        out["brightness"] = max(0, min(255, base + step))
    if "kelvin" in out:
        out["color_temp_kelvin"] = int(out.pop("kelvin"))
    if "color_temp" in out:
        out["color_temp_kelvin"] = round(1_000_000 / float(out.pop("color_temp")))
    return out
