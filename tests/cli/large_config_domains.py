"""Packages of the large configuration using the domains beyond automations: energy
(utility meters, a sensor group, min/max, threshold and derivative sensors), safety
(alerts and a notify group) and template controls (switches, locks, covers, lights,
fans, buttons, numbers, selects), and the automations that use them, the helpers,
persons, zones and config-entry helpers of ``large_config_storage`` included.

Written as a resident writes them: YAML text, so each file reads as it would at home."""

from __future__ import annotations

ENERGY = """\
utility_meter:
  energy_daily: {source: sensor.grid_energy, cycle: daily}
  energy_tariffs: {source: sensor.grid_energy, cycle: monthly, tariffs: [peak, offpeak]}
sensor:
  - platform: group
    name: Upstairs temperature
    type: mean
    unit_of_measurement: "°C"
    entities: [sensor.room_2_temperature, sensor.room_3_temperature]
  - platform: min_max
    name: Warmest room
    type: max
    entity_ids: [sensor.room_0_temperature, sensor.room_1_temperature]
  - platform: derivative
    name: Energy rate
    source: sensor.grid_energy
    unit_time: h
    round: 2
binary_sensor:
  - platform: threshold
    name: Freezing outside
    entity_id: sensor.outdoor
    lower: 0
    hysteresis: 0.5
automation:
  - id: energy_peak_switch
    alias: Switch to the off-peak tariff at night
    triggers: [{trigger: time, at: "22:00:00"}]
    actions:
      - action: select.select_option
        target: {entity_id: select.energy_tariffs}
        data: {option: offpeak}
  - id: energy_freezing
    alias: Warn when freezing
    triggers: [{trigger: state, entity_id: binary_sensor.freezing_outside, to: "on"}]
    conditions:
      - condition: numeric_state
        entity_id: sensor.energy_rate
        above: 0
    actions:
      - action: notify.family
        data:
          message: >-
            Freezing: {{ states('sensor.warmest_room') }} at best,
            {{ states('sensor.upstairs_temperature') }} upstairs,
            coldest {{ states('sensor.coldest_room') }},
            {{ states('sensor.energy_daily') }} kWh today
  - id: energy_humid
    alias: Ventilate the humid bathroom
    triggers: [{trigger: state, entity_id: binary_sensor.humid_bathroom, to: "on"}]
    actions:
      - action: fan.turn_on
        target: {entity_id: fan.bathroom}
        data: {percentage: 100}
"""

SAFETY = """\
notify:
  - platform: group
    name: Family
    services:
      - service: mobile_app_ann_phone
      - service: mobile_app_bob_phone
alert:
  garage_door:
    name: Garage is open
    entity_id: binary_sensor.garage_door
    repeat: [10, 30, 60]
    can_acknowledge: true
    skip_first: true
    done_message: Garage closed
    notifiers: [family]
  freezer:
    name: Freezer is warm
    entity_id: binary_sensor.freezer_warm
    state: "on"
    repeat: 15
    notifiers: [family]
automation:
  - id: safety_ack_when_away
    alias: Acknowledge the garage alert once the door is locked
    triggers: [{trigger: state, entity_id: lock.garage, to: locked}]
    conditions: [{condition: state, entity_id: alert.garage_door, state: "on"}]
    actions:
      - action: alert.turn_off
        target: {entity_id: alert.garage_door}
  - id: safety_tag_garage
    alias: The garage tag closes the door
    triggers: [{trigger: tag, tag_id: garage-tag}]
    actions:
      - action: cover.close_cover
        target: {entity_id: cover.garage}
      - action: counter.increment
        target: {entity_id: counter.doorbell_rings}
  - id: safety_people_leave
    alias: Everyone left
    triggers: [{trigger: state, entity_id: [person.ann, person.bob], to: not_home}]
    conditions:
      - condition: state
        entity_id: [person.ann, person.bob]
        state: not_home
      - condition: zone
        entity_id: person.ann
        zone: zone.office
    actions:
      - action: input_select.select_option
        target: {entity_id: input_select.house_mode}
        data: {option: away}
      - action: lock.lock
        target: {entity_id: lock.front_door}
"""

CONTROLS = """\
input_boolean:
  heater_relay: {name: Heater relay}
  front_bolt: {name: Front bolt}
input_number:
  garage_position: {min: 0, max: 100, step: 1}
  hall_level: {min: 0, max: 255, step: 1}
  bathroom_fan_speed: {min: 0, max: 100, step: 25}
switch:
  - platform: template
    switches:
      heater:
        friendly_name: Heater
        value_template: "{{ is_state('input_boolean.heater_relay', 'on') }}"
        turn_on: {action: input_boolean.turn_on, target: {entity_id: input_boolean.heater_relay}}
        turn_off: {action: input_boolean.turn_off, target: {entity_id: input_boolean.heater_relay}}
lock:
  - platform: template
    name: Front door
    value_template: "{{ states('input_boolean.front_bolt') }}"
    lock: {action: input_boolean.turn_on, target: {entity_id: input_boolean.front_bolt}}
    unlock: {action: input_boolean.turn_off, target: {entity_id: input_boolean.front_bolt}}
  - platform: template
    name: Garage
    optimistic: true
    value_template: "{{ is_state('cover.garage', 'closed') }}"
    lock: []
    unlock: []
cover:
  - platform: template
    covers:
      garage:
        friendly_name: Garage door
        device_class: garage
        position_template: "{{ states('input_number.garage_position') | int }}"
        open_cover:
          action: input_number.set_value
          target: {entity_id: input_number.garage_position}
          data: {value: 100}
        close_cover:
          action: input_number.set_value
          target: {entity_id: input_number.garage_position}
          data: {value: 0}
light:
  - platform: template
    lights:
      hall_strip:
        friendly_name: Hall strip
        value_template: "{{ states('input_number.hall_level') | int > 0 }}"
        level_template: "{{ states('input_number.hall_level') | int }}"
        turn_on:
          action: input_number.set_value
          target: {entity_id: input_number.hall_level}
          data: {value: 255}
        turn_off:
          action: input_number.set_value
          target: {entity_id: input_number.hall_level}
          data: {value: 0}
        set_level:
          action: input_number.set_value
          target: {entity_id: input_number.hall_level}
          data: {value: "{{ brightness }}"}
fan:
  - platform: template
    fans:
      bathroom:
        friendly_name: Bathroom fan
        value_template: "{{ states('input_number.bathroom_fan_speed') | int > 0 }}"
        percentage_template: "{{ states('input_number.bathroom_fan_speed') }}"
        speed_count: 4
        turn_on:
          action: input_number.set_value
          target: {entity_id: input_number.bathroom_fan_speed}
          data: {value: "{{ percentage or 50 }}"}
        turn_off:
          action: input_number.set_value
          target: {entity_id: input_number.bathroom_fan_speed}
          data: {value: 0}
        set_percentage:
          action: input_number.set_value
          target: {entity_id: input_number.bathroom_fan_speed}
          data: {value: "{{ percentage }}"}
template:
  - button:
      - name: Ring all phones
        press: {action: notify.family, data: {message: "Dinner is ready"}}
    number:
      - name: Night setpoint
        state: "{{ states('input_number.night_temperature') }}"
        min: 14
        max: 22
        step: 0.5
        set_value:
          action: input_number.set_value
          target: {entity_id: input_number.night_temperature}
          data: {value: "{{ value }}"}
    select:
      - name: Heating mode
        state: "{{ 'eco' if is_state('input_boolean.away_for_holidays', 'on') else 'comfort' }}"
        options: "{{ ['comfort', 'eco'] }}"
        select_option:
          action: input_boolean.turn_on
          target: {entity_id: input_boolean.away_for_holidays}
automation:
  - id: controls_heat_at_night
    alias: Heat at night unless on holidays
    triggers: [{trigger: time, at: input_datetime.wake_up}]
    conditions:
      - condition: state
        entity_id: input_boolean.away_for_holidays
        state: "off"
    actions:
      - action: switch.turn_on
        target: {entity_id: switch.heater}
      - action: number.set_value
        target: {entity_id: number.night_setpoint}
        data: {value: 19}
      - action: timer.start
        target: {entity_id: timer.dishwasher}
  - id: controls_report
    alias: House report
    triggers: [{trigger: event, event_type: house_report}]
    actions:
      - action: notify.notify
        data:
          message: >-
            {% set seen = [
              'input_boolean.away_for_holidays', 'input_number.night_temperature',
              'input_select.house_mode', 'counter.doorbell_rings', 'timer.dishwasher',
              'person.ann', 'person.bob', 'zone.office',
              'sensor.house_power', 'binary_sensor.any_window_open', 'light.downstairs_lights',
              'sensor.average_temperature', 'sensor.coldest_room', 'binary_sensor.humid_bathroom',
              'sensor.power_trend', 'sensor.heat_pump_this_month',
              'sensor.energy_daily', 'sensor.energy_tariffs_peak', 'select.energy_tariffs',
              'sensor.upstairs_temperature', 'sensor.warmest_room', 'sensor.energy_rate',
              'binary_sensor.freezing_outside', 'alert.garage_door', 'alert.freezer',
              'switch.heater', 'lock.front_door', 'lock.garage', 'cover.garage',
              'light.hall_strip', 'fan.bathroom', 'button.ring_all_phones',
              'number.night_setpoint', 'select.heating_mode'] %}
            {% for entity_id in seen %}{{ entity_id }}={{ states(entity_id) }}
            {% endfor %}
"""
