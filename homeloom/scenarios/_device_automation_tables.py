"""The tables of Home Assistant 2024.3's device automations for its built-in domains
(``components/<domain>/device_trigger.py``, ``device_condition.py`` and
``device_action.py``): which trigger, condition and action types each domain defines,
and the plain state, attribute or service each stands for."""

from __future__ import annotations

__all__ = [
    "CONDITIONS_WITH_FOR",
    "COVER_POSITIONS",
    "HVAC_MODES",
    "NUMERIC_TRIGGERS",
    "OTHER_ACTIONS",
    "OTHER_CONDITIONS",
    "OTHER_TRIGGERS",
    "SENSOR_KINDS",
    "SERVICE_ACTIONS",
    "STATE_CONDITIONS",
    "STATE_TRIGGERS",
    "VALUE_CONDITIONS",
]


def _words(text: str) -> list[str]:
    return text.split()


# A state trigger's ``to``. None is ``to: null``: every change of the state, not of
# its attributes alone (the entity-wide ``changed_states``).
_TOGGLE_TRIGGERS: dict[str, str | None] = {
    "turned_on": "on",
    "turned_off": "off",
    "changed_states": None,
}

# A binary sensor's types name its device class's "on" side, the no_/not_ ones the
# "off" side; but a lock's sensor is "on" when unlocked: ``locked`` is "off".
_BINARY_SENSOR_ON = _words(
    "bat_low charging co cold connected gas hot light not_locked moist motion moving "
    "occupied opened plugged_in powered present problem running unsafe smoke sound "
    "tampered update vibration turned_on"
)
_BINARY_SENSOR_OFF = _words(
    "not_bat_low not_charging no_co not_cold not_connected no_gas not_hot no_light locked "
    "not_moist no_motion not_moving not_occupied not_opened not_plugged_in not_powered "
    "not_present no_problem not_running not_unsafe no_smoke no_sound not_tampered "
    "no_update no_vibration turned_off"
)

STATE_TRIGGERS: dict[str, dict[str, str | None]] = {
    "light": _TOGGLE_TRIGGERS,
    "switch": _TOGGLE_TRIGGERS,
    "fan": _TOGGLE_TRIGGERS,
    "remote": _TOGGLE_TRIGGERS,
    "humidifier": _TOGGLE_TRIGGERS,
    # An update entity is "on" while an update is available.
    "update": _TOGGLE_TRIGGERS,
    "media_player": {
        **_TOGGLE_TRIGGERS,
        **{state: state for state in ("buffering", "idle", "paused", "playing")},
    },
    "binary_sensor": {
        **dict.fromkeys(_BINARY_SENSOR_ON, "on"),
        **dict.fromkeys(_BINARY_SENSOR_OFF, "off"),
    },
    "cover": {"opened": "open", "closed": "closed", "opening": "opening", "closing": "closing"},
    "lock": {state: state for state in ("locked", "unlocked", "locking", "unlocking", "jammed")},
    "vacuum": {"cleaning": "cleaning", "docked": "docked"},
    "alarm_control_panel": {
        state: state
        for state in (
            "triggered",
            "disarmed",
            "arming",
            "armed_home",
            "armed_away",
            "armed_night",
            "armed_vacation",
        )
    },
}

SENSOR_KINDS = _words(
    "apparent_power aqi atmospheric_pressure battery_level carbon_monoxide carbon_dioxide "
    "current data_rate data_size distance duration energy frequency gas humidity "
    "illuminance irradiance moisture monetary nitrogen_dioxide nitrogen_monoxide "
    "nitrous_oxide ozone ph pm1 pm10 pm25 power power_factor precipitation "
    "precipitation_intensity pressure reactive_power signal_strength sound_pressure speed "
    "sulphur_dioxide temperature value volatile_organic_compounds "
    "volatile_organic_compounds_parts voltage volume volume_flow_rate water weight wind_speed"
)

# Numeric triggers: the attribute compared (None: the state itself).
NUMERIC_TRIGGERS: dict[str, dict[str, str | None]] = {
    "sensor": dict.fromkeys(SENSOR_KINDS),
    "climate": {
        "current_temperature_changed": "current_temperature",
        "current_humidity_changed": "current_humidity",
    },
    "humidifier": {
        "current_humidity_changed": "current_humidity",
        "target_humidity_changed": "humidity",
    },
}
COVER_POSITIONS = {"position": "current_position", "tilt_position": "current_tilt_position"}

HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")

_TOGGLE_CONDITIONS: dict[str, str | tuple[str, ...]] = {"is_on": "on", "is_off": "off"}

# State conditions: the wanted state (a tuple: any of them).
STATE_CONDITIONS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "light": _TOGGLE_CONDITIONS,
    "switch": _TOGGLE_CONDITIONS,
    "fan": _TOGGLE_CONDITIONS,
    "remote": _TOGGLE_CONDITIONS,
    "humidifier": _TOGGLE_CONDITIONS,
    "binary_sensor": {
        **{
            "is_" + ("open" if kind == "opened" else kind): "on"
            for kind in _BINARY_SENSOR_ON
            if kind != "turned_on"
        },
        **{
            "is_" + ("not_open" if kind == "not_opened" else kind): "off"
            for kind in _BINARY_SENSOR_OFF
            if kind != "turned_off"
        },
        **_TOGGLE_CONDITIONS,
    },
    "cover": {f"is_{state}": state for state in ("open", "closed", "opening", "closing")},
    "lock": {
        f"is_{state}": state for state in ("locked", "unlocked", "locking", "unlocking", "jammed")
    },
    "media_player": {
        **_TOGGLE_CONDITIONS,
        **{f"is_{state}": state for state in ("buffering", "idle", "paused", "playing")},
    },
    # is_not_home is the negation of is_home (see device_condition): any zone counts.
    "device_tracker": {"is_home": "home"},
    "vacuum": {"is_cleaning": ("cleaning", "returning"), "is_docked": "docked"},
    "alarm_control_panel": {
        f"is_{state}": state
        for state in (
            "triggered",
            "disarmed",
            "armed_home",
            "armed_away",
            "armed_night",
            "armed_vacation",
            "armed_custom_bypass",
        )
    },
}
# The conditions on a value the automation names: its key, and the attribute compared
# with it (None: the state).
VALUE_CONDITIONS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("climate", "is_hvac_mode"): ("hvac_mode", None),
    ("climate", "is_preset_mode"): ("preset_mode", "preset_mode"),
    ("humidifier", "is_mode"): ("mode", "mode"),
    ("select", "selected_option"): ("option", None),
}
# The conditions whose schema takes ``for`` (the toggle ones, a binary sensor's, a select's).
CONDITIONS_WITH_FOR = ("light", "switch", "remote", "humidifier", "binary_sensor", "select")

_TOGGLE_ACTIONS = {"turn_on": "turn_on", "turn_off": "turn_off", "toggle": "toggle"}
SERVICE_ACTIONS: dict[str, dict[str, str]] = {
    "light": _TOGGLE_ACTIONS,
    "switch": _TOGGLE_ACTIONS,
    "fan": _TOGGLE_ACTIONS,
    "remote": _TOGGLE_ACTIONS,
    "humidifier": _TOGGLE_ACTIONS,
    "cover": {
        "open": "open_cover",
        "close": "close_cover",
        "stop": "stop_cover",
        "open_tilt": "open_cover_tilt",
        "close_tilt": "close_cover_tilt",
    },
    "lock": {"lock": "lock", "unlock": "unlock", "open": "open"},
    "vacuum": {"clean": "start", "dock": "return_to_base"},
    "button": {"press": "press"},
    "water_heater": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "select": {"select_first": "select_first", "select_last": "select_last"},
    "alarm_control_panel": {
        kind: f"alarm_{kind}"
        for kind in ("arm_away", "arm_home", "arm_night", "arm_vacation", "disarm", "trigger")
    },
}

# The types handled one by one below (listed in the error for an unknown type).
OTHER_TRIGGERS = {
    "cover": ["position", "tilt_position"],
    "climate": ["hvac_mode_changed"],
    "select": ["current_option_changed"],
    "button": ["pressed"],
    "device_tracker": ["enters", "leaves"],
}
OTHER_CONDITIONS = {
    "sensor": [f"is_{kind}" for kind in SENSOR_KINDS],
    "cover": ["is_position", "is_tilt_position"],
    "climate": ["is_hvac_mode", "is_preset_mode"],
    "humidifier": ["is_mode"],
    "select": ["selected_option"],
    "device_tracker": ["is_not_home"],
}
OTHER_ACTIONS = {
    "light": ["flash", "brightness_increase", "brightness_decrease"],
    "cover": ["set_position", "set_tilt_position"],
    "number": ["set_value"],
    # A text entity's value (text/device_action.py): the text as given.
    "text": ["set_value"],
    "select": ["select_next", "select_previous", "select_option"],
    "climate": ["set_hvac_mode", "set_preset_mode"],
    "humidifier": ["set_humidity", "set_mode"],
}
