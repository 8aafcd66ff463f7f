"""Home Assistant MQTT discovery's abbreviated keys, and expanding them with the ``~`` base topic.

Only the keys this adapter reads are listed; an unknown abbreviation is kept
as it is (and so warned about as an option homeloom does not read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["expand"]

ABBREVIATIONS: dict[str, str] = {
    # Covers' tilt, thermostats' ranges and modes, lock codes, meters' last reset.
    **{
        f"tilt_{key}": f"tilt_{value}"
        for key, value in (
            ("clsd_val", "closed_value"),
            ("cmd_t", "command_topic"),
            ("cmd_tpl", "command_template"),
            ("opnd_val", "opened_value"),
            ("opt", "optimistic"),
            ("status_t", "status_topic"),
            ("status_tpl", "status_template"),
        )
    },
    **{
        f"{short}_{end}": f"{long}_{full}"
        for short, long in (
            ("fan_mode", "fan_mode"),
            ("swing_mode", "swing_mode"),
            ("temp_hi", "temperature_high"),
            ("temp_lo", "temperature_low"),
        )
        for end, full in (
            ("cmd_t", "command_topic"),
            ("cmd_tpl", "command_template"),
            ("stat_t", "state_topic"),
            ("stat_tpl", "state_template"),
        )
    },
    # Lights' colours, colour mode and effect on the default schema, each with a command
    # topic and template and a state topic and value template.
    **{
        f"{short}_{end}": f"{long}_{full}"
        for short, long in (
            ("hs", "hs"),
            ("rgb", "rgb"),
            ("rgbw", "rgbw"),
            ("rgbww", "rgbww"),
            ("xy", "xy"),
            ("fx", "effect"),
        )
        for end, full in (
            ("cmd_t", "command_topic"),
            ("cmd_tpl", "command_template"),
            ("stat_t", "state_topic"),
            ("val_tpl", "value_template"),
        )
    },
    "clrm": "color_mode",
    "clrm_stat_t": "color_mode_state_topic",
    "clrm_val_tpl": "color_mode_value_template",
    "flsh_tlng": "flash_time_long",
    "flsh_tsht": "flash_time_short",
    "fx_list": "effect_list",
    "fx_tpl": "effect_template",
    "whit_cmd_t": "white_command_topic",
    "whit_scl": "white_scale",
    "hum_cmd_t": "target_humidity_command_topic",
    "hum_cmd_tpl": "target_humidity_command_template",
    "hum_stat_t": "target_humidity_state_topic",
    "hum_state_tpl": "target_humidity_state_template",
    "curr_hum_t": "current_humidity_topic",
    "curr_hum_tpl": "current_humidity_template",
    "max_hum": "max_humidity",
    "min_hum": "min_humidity",
    "pow_cmd_t": "power_command_topic",
    "pow_cmd_tpl": "power_command_template",
    "init": "initial",
    "cod_form": "code_format",
    "lrst_val_tpl": "last_reset_value_template",
    "act_t": "action_topic",
    "act_tpl": "action_template",
    "avty": "availability",
    "avty_mode": "availability_mode",
    "avty_t": "availability_topic",
    "avty_tpl": "availability_template",
    "b_tpl": "blue_template",
    "bri": "brightness",
    "bri_cmd_t": "brightness_command_topic",
    "bri_cmd_tpl": "brightness_command_template",
    "bri_scl": "brightness_scale",
    "bri_stat_t": "brightness_state_topic",
    "bri_tpl": "brightness_template",
    "bri_val_tpl": "brightness_value_template",
    "clr_temp_cmd_t": "color_temp_command_topic",
    "clr_temp_cmd_tpl": "color_temp_command_template",
    "clr_temp_k": "color_temp_kelvin",
    "clr_temp_stat_t": "color_temp_state_topic",
    "clr_temp_tpl": "color_temp_template",
    "clr_temp_val_tpl": "color_temp_value_template",
    "cmd_off_tpl": "command_off_template",
    "cmd_on_tpl": "command_on_template",
    "cmd_t": "command_topic",
    "cmd_tpl": "command_template",
    "cmps": "components",
    "curr_temp_t": "current_temperature_topic",
    "curr_temp_tpl": "current_temperature_template",
    "def_ent_id": "default_entity_id",
    "dev": "device",
    "dev_cla": "device_class",
    "dir_cmd_t": "direction_command_topic",
    "dir_cmd_tpl": "direction_command_template",
    "dir_stat_t": "direction_state_topic",
    "dir_val_tpl": "direction_value_template",
    "e": "encoding",
    "en": "enabled_by_default",
    "ent_cat": "entity_category",
    "ent_pic": "entity_picture",
    "exp_aft": "expire_after",
    "frc_upd": "force_update",
    "g_tpl": "green_template",
    "ic": "icon",
    "json_attr_t": "json_attributes_topic",
    "json_attr_tpl": "json_attributes_template",
    "max_kmp": "max_kelvin",
    "max_mirs": "max_mireds",
    "max_temp": "max_temp",
    "min_kmp": "min_kelvin",
    "min_mirs": "min_mireds",
    "min_temp": "min_temp",
    "mode_cmd_t": "mode_command_topic",
    "mode_cmd_tpl": "mode_command_template",
    "mode_stat_t": "mode_state_topic",
    "mode_stat_tpl": "mode_state_template",
    "o": "origin",
    "obj_id": "object_id",
    "off_dly": "off_delay",
    "on_cmd_type": "on_command_type",
    "ops": "options",
    "opt": "optimistic",
    "osc_cmd_t": "oscillation_command_topic",
    "osc_cmd_tpl": "oscillation_command_template",
    "osc_stat_t": "oscillation_state_topic",
    "osc_val_tpl": "oscillation_value_template",
    "p": "platform",
    "pct_cmd_t": "percentage_command_topic",
    "pct_cmd_tpl": "percentage_command_template",
    "pct_stat_t": "percentage_state_topic",
    "pct_val_tpl": "percentage_value_template",
    "pl_avail": "payload_available",
    "pl_cls": "payload_close",
    "pl_home": "payload_home",
    "pl_lock": "payload_lock",
    "pl_not_avail": "payload_not_available",
    "pl_not_home": "payload_not_home",
    "pl_off": "payload_off",
    "pl_on": "payload_on",
    "pl_open": "payload_open",
    "pl_osc_off": "payload_oscillation_off",
    "pl_osc_on": "payload_oscillation_on",
    "pl_prs": "payload_press",
    "pl_rst": "payload_reset",
    "pl_rst_pct": "payload_reset_percentage",
    "pl_rst_pr_mode": "payload_reset_preset_mode",
    "pl_stop": "payload_stop",
    "pl_unlk": "payload_unlock",
    "pos_clsd": "position_closed",
    "pos_open": "position_open",
    "pos_t": "position_topic",
    "pos_tpl": "position_template",
    "pr_mode_cmd_t": "preset_mode_command_topic",
    "pr_mode_cmd_tpl": "preset_mode_command_template",
    "pr_mode_stat_t": "preset_mode_state_topic",
    "pr_mode_val_tpl": "preset_mode_value_template",
    "pr_modes": "preset_modes",
    "r_tpl": "red_template",
    "ret": "retain",
    "set_pos_t": "set_position_topic",
    "set_pos_tpl": "set_position_template",
    "spd_rng_max": "speed_range_max",
    "spd_rng_min": "speed_range_min",
    "src_type": "source_type",
    "stat_cla": "state_class",
    "stat_closing": "state_closing",
    "stat_clsd": "state_closed",
    "stat_jam": "state_jammed",
    "stat_locked": "state_locked",
    "stat_locking": "state_locking",
    "stat_off": "state_off",
    "stat_on": "state_on",
    "stat_open": "state_open",
    "stat_opening": "state_opening",
    "stat_stopped": "state_stopped",
    "stat_t": "state_topic",
    "stat_tpl": "state_template",
    "stat_unlocked": "state_unlocked",
    "stat_unlocking": "state_unlocking",
    "stat_val_tpl": "state_value_template",
    "sug_dsp_prc": "suggested_display_precision",
    "sup_clrm": "supported_color_modes",
    "t": "topic",
    "temp_cmd_t": "temperature_command_topic",
    "temp_cmd_tpl": "temperature_command_template",
    "temp_stat_t": "temperature_state_topic",
    "temp_stat_tpl": "temperature_state_template",
    "temp_unit": "temperature_unit",
    "tpl": "template",
    "uniq_id": "unique_id",
    "unit_of_meas": "unit_of_measurement",
    "val_tpl": "value_template",
}
DEVICE_ABBREVIATIONS: dict[str, str] = {
    "cns": "connections",
    "cu": "configuration_url",
    "hw": "hw_version",
    "ids": "identifiers",
    "mdl": "model",
    "mdl_id": "model_id",
    "mf": "manufacturer",
    "sa": "suggested_area",
    "sn": "serial_number",
    "sw": "sw_version",
    "via_device": "via_device",
}
ORIGIN_ABBREVIATIONS: dict[str, str] = {"sw": "sw_version", "url": "support_url"}


def _rename(block: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    return {table.get(key, key): value for key, value in block.items()}


def _with_base(value: Any, base: str | None) -> Any:
    if base is None or not isinstance(value, str):
        return value
    if value.startswith("~"):
        return base + value[1:]
    if value.endswith("~"):
        return value[:-1] + base
    return value


def expand(config: Mapping[str, Any], base: str | None = None) -> dict[str, Any]:
    """``config`` with full key names, and ``~`` replaced by the base topic in every topic."""
    out = _rename(config, ABBREVIATIONS)
    base = out.pop("~", base)
    if base is not None and not isinstance(base, str):
        raise ValueError("'~' (the base topic) must be a string")
    for key, value in list(out.items()):
        if key.endswith("_topic") or key == "topic":
            out[key] = _with_base(value, base)
    if isinstance(out.get("device"), Mapping):
        out["device"] = _rename(out["device"], DEVICE_ABBREVIATIONS)
    if isinstance(out.get("origin"), Mapping):
        out["origin"] = _rename(out["origin"], ORIGIN_ABBREVIATIONS)
    availability = out.get("availability")
    if isinstance(availability, list):
        out["availability"] = [
            expand(item, base) if isinstance(item, Mapping) else item for item in availability
        ]
    components = out.get("components")
    if isinstance(components, Mapping):
        out["components"] = {
            key: expand(item, base) if isinstance(item, Mapping) else item
            for key, item in components.items()
        }
    return out
