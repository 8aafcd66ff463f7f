"""Zigbee2MQTT-shaped discovery configs against a real broker: a blind with tilt, a radiator
valve (TRV), a keypad lock with a PIN and an energy meter, read and commanded as Home
Assistant 2024.3's MQTT cover, climate, lock and sensor do."""

from __future__ import annotations

import pytest

from homeloom.orchestrator import HomeloomError, Runtime
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import _adapter, _attributes, _is, appeared, eventually


def _device(address: str, name: str) -> dict[str, object]:
    """A Zigbee2MQTT device block: its entities' ids start with the device's name."""
    return {"identifiers": [f"zigbee2mqtt_{address}"], "name": name, "manufacturer": "Acme"}


async def test_a_blind_with_tilt_in_its_own_ranges(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/cover/0x00124b0029aa0001/cover/config",
        {"name": "Blind", "uniq_id": "0x00124b0029aa0001_cover",
         "dev": _device("0x00124b0029aa0001", "Study"),
         "cmd_t": "z2m/study_blind/set", "stat_t": "z2m/study_blind",
         "val_tpl": "{{ value_json.state }}", "pos_t": "z2m/study_blind",
         "pos_tpl": "{{ value_json.position }}", "set_pos_t": "z2m/study_blind/set",
         "set_pos_tpl": '{"position": {{ position }}}', "pos_open": 100, "pos_clsd": 0,
         "tilt_cmd_t": "z2m/study_blind/set/tilt", "tilt_status_t": "z2m/study_blind",
         "tilt_status_tpl": "{{ value_json.tilt }}", "tilt_min": 0, "tilt_max": 90,
         "tilt_opnd_val": 90, "tilt_clsd_val": 0, "state_stopped": "STOP"},
        retain=True,
    )  # fmt: skip
    await probe.subscribe("z2m/study_blind/set/#")
    await _adapter(runtime, broker)
    await appeared(runtime, "cover.study_blind")
    assert _is(runtime, "cover.study_blind", "unknown")()
    assert _attributes(runtime, "cover.study_blind")["supported_features"] == 255
    await probe.publish("z2m/study_blind", '{"state": "open", "position": 40, "tilt": 45}')
    await eventually(
        lambda: _attributes(runtime, "cover.study_blind").get("current_tilt_position") == 50
    )
    assert _is(runtime, "cover.study_blind", "open")()
    assert _attributes(runtime, "cover.study_blind")["current_position"] == 40

    call = runtime.services.call
    await call(
        "cover", "set_cover_tilt_position", {"entity_id": "cover.study_blind", "tilt_position": 25}
    )
    await call("cover", "close_cover_tilt", {"entity_id": "cover.study_blind"})
    await call("cover", "set_cover_position", {"entity_id": "cover.study_blind", "position": 70})
    await call("cover", "toggle", {"entity_id": "cover.study_blind"})  # open: close it
    # 25 % of 0..90 is 22.5, rounded half to even; a status topic: no optimistic tilt.
    await eventually(lambda: probe.on("z2m/study_blind/set/tilt") == ["22", "0"])
    await eventually(lambda: probe.on("z2m/study_blind/set") == ['{"position": 70}', "CLOSE"])
    assert _attributes(runtime, "cover.study_blind")["current_tilt_position"] == 50
    # A stop while closing, with a position topic: closed only at position 0.
    await probe.publish("z2m/study_blind", '{"state": "STOP", "position": 0, "tilt": 0}')
    await eventually(_is(runtime, "cover.study_blind", "closed"))
    with pytest.raises(HomeloomError, match="cannot stop its tilt"):
        await call("cover", "stop_cover_tilt", {"entity_id": "cover.study_blind"})


async def test_an_optimistic_tilt_and_a_position_floored_into_percent(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/cover/awning/config",
        {"name": "Awning", "uniq_id": "awning", "cmd_t": "awning/set", "pos_t": "awning/pos",
         "set_pos_t": "awning/pos/set", "pos_open": 255, "pos_clsd": 0,
         "tilt_cmd_t": "awning/tilt", "tilt_cmd_tpl": "{{ tilt_position }}/{{ tilt_max }}",
         "pl_stop": None},
        retain=True,
    )  # fmt: skip
    await probe.subscribe("awning/#")
    await _adapter(runtime, broker)
    await appeared(runtime, "cover.awning")
    assert _attributes(runtime, "cover.awning")["supported_features"] == 3 | 4 | 240
    await probe.publish("awning/pos", "130")  # 50.98 %: floored
    await eventually(lambda: _attributes(runtime, "cover.awning").get("current_position") == 50)
    assert _is(runtime, "cover.awning", "open")()
    call = runtime.services.call
    await call("cover", "open_cover_tilt", {"entity_id": "cover.awning"})
    await eventually(
        lambda: _attributes(runtime, "cover.awning").get("current_tilt_position") == 100
    )
    await call("cover", "set_cover_position", {"entity_id": "cover.awning", "position": 50})
    await eventually(lambda: probe.on("awning/pos/set") == ["128"])  # 127.5: half to even
    assert probe.on("awning/tilt") == ["100/100"]
    with pytest.raises(HomeloomError, match="does not support this service"):
        await call("cover", "stop_cover", {"entity_id": "cover.awning"})


_TRV = {
    "name": "Radiator",
    "uniq_id": "0x00158d0001trv_climate",
    "dev": _device("0x00158d0001trv", "Bedroom"),
    "act_t": "z2m/bedroom_trv",
    "act_tpl": "{{ value_json.running_state }}",
    "curr_temp_t": "z2m/bedroom_trv",
    "curr_temp_tpl": "{{ value_json.local_temperature }}",
    "temp_cmd_t": "z2m/bedroom_trv/set/current_heating_setpoint",
    "temp_stat_t": "z2m/bedroom_trv",
    "temp_stat_tpl": "{{ value_json.current_heating_setpoint }}",
    "mode_cmd_t": "z2m/bedroom_trv/set/system_mode",
    "mode_stat_t": "z2m/bedroom_trv",
    "mode_stat_tpl": "{{ value_json.system_mode }}",
    "modes": ["off", "heat", "auto"],
    "pr_mode_cmd_t": "z2m/bedroom_trv/set/preset",
    "pr_mode_stat_t": "z2m/bedroom_trv",
    "pr_mode_val_tpl": "{{ value_json.preset }}",
    "pr_modes": ["comfort", "eco", "boost"],
    "min_temp": 5,
    "max_temp": 30,
    "temp_step": 0.5,
    "precision": 0.5,
    "temp_unit": "C",
}


async def test_a_radiator_valve_with_presets_action_and_its_own_precision(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish("homeassistant/climate/bedroom_trv/climate/config", _TRV, retain=True)
    await probe.subscribe("z2m/bedroom_trv/set/#")
    await _adapter(runtime, broker)
    await appeared(runtime, "climate.bedroom_radiator")
    assert _is(runtime, "climate.bedroom_radiator", "unknown")()
    shown = _attributes(runtime, "climate.bedroom_radiator")
    assert shown["preset_modes"] == ["none", "comfort", "eco", "boost"]
    assert (shown["min_temp"], shown["max_temp"], shown["target_temp_step"]) == (5, 30, 0.5)
    assert shown["supported_features"] == 1 | 16 | 128 | 256
    await probe.publish(
        "z2m/bedroom_trv",
        '{"running_state": "heating", "local_temperature": 19.34, "system_mode": "heat",'
        ' "current_heating_setpoint": 21.2, "preset": "comfort"}',
    )
    await eventually(_is(runtime, "climate.bedroom_radiator", "heat"))
    shown = _attributes(runtime, "climate.bedroom_radiator")
    assert (shown["hvac_action"], shown["preset_mode"]) == ("heating", "comfort")
    assert (shown["current_temperature"], shown["temperature"]) == (19.5, 21.0)  # halves

    call = runtime.services.call
    target = {"entity_id": "climate.bedroom_radiator"}
    await call("climate", "set_temperature", {**target, "temperature": 22})
    await call("climate", "set_preset_mode", {**target, "preset_mode": "eco"})
    await call("climate", "turn_on", target)  # three modes: heat_cool, heat or cool
    await eventually(lambda: probe.on("z2m/bedroom_trv/set/system_mode") == ["heat"])
    assert probe.on("z2m/bedroom_trv/set/current_heating_setpoint") == ["22.0"]
    assert probe.on("z2m/bedroom_trv/set/preset") == ["eco"]
    with pytest.raises(HomeloomError, match="The preset_mode away is not a valid preset_mode"):
        await call("climate", "set_preset_mode", {**target, "preset_mode": "away"})
    with pytest.raises(HomeloomError, match="does not support this service"):
        await call("climate", "set_fan_mode", {**target, "fan_mode": "low"})


async def test_an_optimistic_air_conditioner_with_a_range_fan_swing_and_power(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/climate/lounge_ac/config",
        {"name": "Lounge AC", "uniq_id": "lounge_ac", "pow_cmd_t": "ac/power",
         "mode_cmd_t": "ac/mode", "temp_lo_cmd_t": "ac/low", "temp_hi_cmd_t": "ac/high",
         "temp_hi_cmd_tpl": "{{ value | int }}", "fan_mode_cmd_t": "ac/fan",
         "swing_mode_cmd_t": "ac/swing", "hum_cmd_t": "ac/humidity",
         "curr_hum_t": "ac/humidity/now", "modes": ["off", "cool", "heat_cool"]},
        retain=True,
    )  # fmt: skip
    await probe.subscribe("ac/#")
    await _adapter(runtime, broker)
    await appeared(runtime, "climate.lounge_ac")
    assert _is(runtime, "climate.lounge_ac", "off")()
    shown = _attributes(runtime, "climate.lounge_ac")
    assert (shown["target_temp_low"], shown["target_temp_high"]) == (21.0, 21.0)
    assert (shown["fan_mode"], shown["swing_mode"], shown["humidity"]) == ("low", "off", None)
    assert (shown["min_humidity"], shown["max_humidity"], shown["min_temp"]) == (30, 99, 7)

    call = runtime.services.call
    target = {"entity_id": "climate.lounge_ac"}
    await call(
        "climate",
        "set_temperature",
        {**target, "target_temp_low": 19, "target_temp_high": 24.6, "hvac_mode": "heat_cool"},
    )
    await call("climate", "set_fan_mode", {**target, "fan_mode": "high"})
    await call("climate", "set_swing_mode", {**target, "swing_mode": "on"})
    await call("climate", "set_humidity", {**target, "humidity": 45})
    await call("climate", "turn_off", target)  # a power topic: not optimistic about the mode
    await eventually(lambda: probe.on("ac/power") == ["OFF"])
    assert probe.on("ac/mode") == ["heat_cool"]
    assert (probe.on("ac/low"), probe.on("ac/high")) == (["19.0"], ["24"])
    assert (probe.on("ac/fan"), probe.on("ac/swing"), probe.on("ac/humidity")) == (
        ["high"], ["on"], ["45"],
    )  # fmt: skip
    assert _is(runtime, "climate.lounge_ac", "heat_cool")()
    shown = _attributes(runtime, "climate.lounge_ac")
    assert (shown["target_temp_low"], shown["target_temp_high"]) == (19.0, 24.6)
    assert (shown["fan_mode"], shown["swing_mode"], shown["humidity"]) == ("high", "on", 45)
    await probe.publish("ac/humidity/now", "52")
    await eventually(
        lambda: _attributes(runtime, "climate.lounge_ac").get("current_humidity") == 52
    )


async def test_a_keypad_lock_checks_its_pin_and_passes_it_to_the_template(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/lock/0x0017880104lock/lock/config",
        {"name": "Lock", "uniq_id": "0x0017880104lock_lock",
         "dev": _device("0x0017880104lock", "Front door"),
         "cmd_t": "z2m/front_door/set", "stat_t": "z2m/front_door",
         "val_tpl": "{{ value_json.lock_state }}", "cod_form": "^\\d{4}$",
         "cmd_tpl": '{"state": "{{ value }}", "pin_code": "{{ code }}"}',
         "stat_locked": "locked", "stat_unlocked": "unlocked", "state_jammed": "not_fully_locked",
         "pl_open": "UNLATCH"},
        retain=True,
    )  # fmt: skip
    await probe.subscribe("z2m/front_door/set")
    await _adapter(runtime, broker)
    await appeared(runtime, "lock.front_door_lock")
    shown = _attributes(runtime, "lock.front_door_lock")
    assert (shown["code_format"], shown["supported_features"]) == ("^\\d{4}$", 1)
    await probe.publish("z2m/front_door", '{"lock_state": "not_fully_locked"}')
    await eventually(_is(runtime, "lock.front_door_lock", "jammed"))
    await probe.publish("z2m/front_door", '{"lock_state": "OPEN"}')  # not a 2024.3 lock state
    await probe.publish("z2m/front_door", '{"lock_state": "locked"}')
    await eventually(_is(runtime, "lock.front_door_lock", "locked"))

    call = runtime.services.call
    target = {"entity_id": "lock.front_door_lock"}
    with pytest.raises(HomeloomError, match="doesn't match pattern"):
        await call("lock", "unlock", {**target, "code": "12"})
    with pytest.raises(HomeloomError, match="doesn't match pattern"):
        await call("lock", "unlock", target)
    await call("lock", "unlock", {**target, "code": 4321})  # a number is its text
    await call("lock", "open", {**target, "code": "4321"})
    await eventually(lambda: len(probe.on("z2m/front_door/set")) == 2)
    assert probe.on("z2m/front_door/set") == [
        '{"state": "UNLOCK", "pin_code": "4321"}',
        '{"state": "UNLATCH", "pin_code": "4321"}',
    ]
    assert _is(runtime, "lock.front_door_lock", "locked")()  # a state topic: the device says


async def test_a_code_pattern_that_backtracks_for_ever_refuses_the_code_in_time(
    broker: Broker,
    probe: MqttProbe,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A device's description could hold a pattern that never ends on some codes: the
    # command is refused once the pattern has had its time, and the house goes on.
    from homeloom.adapters.mqtt import _values

    monkeypatch.setattr(_values, "PATTERN_SECONDS", 0.05)
    await probe.publish(
        "homeassistant/lock/vault/config",
        {"name": "Vault", "uniq_id": "vault", "cmd_t": "vault/set", "cod_form": "^(a|aa)+$"},
        retain=True,
    )
    await probe.publish(
        "homeassistant/lock/broken/config",
        {"name": "Broken", "uniq_id": "broken", "cmd_t": "broken/set", "cod_form": "(a"},
        retain=True,
    )
    await probe.subscribe("vault/set")
    await _adapter(runtime, broker)
    await appeared(runtime, "lock.vault")
    await eventually(
        lambda: any(
            "homeassistant/lock/broken/config" in r.getMessage()
            and "code_format is not a regular expression" in r.getMessage()
            for r in caplog.records
        )
    )
    assert runtime.states.get("lock.broken") is None
    target = {"entity_id": "lock.vault"}
    with pytest.raises(HomeloomError, match="doesn't match pattern"):
        await runtime.services.call("lock", "unlock", {**target, "code": "a" * 5000 + "!"})
    await runtime.services.call("lock", "unlock", {**target, "code": "aaa"})
    await eventually(lambda: probe.on("vault/set") == ["UNLOCK"])


async def test_an_optimistic_lock_opens_to_unlocked_and_needs_payload_open(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/lock/shed/config",
        {"name": "Shed", "uniq_id": "shed", "cmd_t": "shed/set", "pl_open": "OPEN"},
        retain=True,
    )
    await probe.publish(
        "homeassistant/lock/gate/config",
        {"name": "Gate", "uniq_id": "gate", "cmd_t": "gate/set"},
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "lock.shed", "lock.gate")
    assert _is(runtime, "lock.shed", "unlocked")()
    call = runtime.services.call
    await call("lock", "lock", {"entity_id": "lock.shed"})
    assert _is(runtime, "lock.shed", "locked")()
    await call("lock", "open", {"entity_id": "lock.shed"})
    assert _is(runtime, "lock.shed", "unlocked")()
    with pytest.raises(HomeloomError, match="does not support this service"):
        await call("lock", "open", {"entity_id": "lock.gate"})


async def test_an_energy_meter_shows_its_last_reset(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/sensor/0x0015bc001meter/energy/config",
        {"name": "Energy", "uniq_id": "0x0015bc001meter_energy",
         "dev": _device("0x0015bc001meter", "Heat pump"),
         "stat_t": "z2m/heat_pump", "val_tpl": "{{ value_json.energy }}",
         "unit_of_meas": "kWh", "dev_cla": "energy", "stat_cla": "total",
         "lrst_val_tpl": "{{ value_json.since }}", "sug_dsp_prc": 2},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.heat_pump_energy")
    await probe.publish("z2m/heat_pump", '{"energy": 12.345, "since": "2026-11-01T00:00:00+00:00"}')
    await eventually(_is(runtime, "sensor.heat_pump_energy", "12.345"))
    shown = _attributes(runtime, "sensor.heat_pump_energy")
    assert (shown["last_reset"], shown["state_class"]) == ("2026-11-01T00:00:00+00:00", "total")
