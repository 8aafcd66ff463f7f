"""The ``mqtt`` adapter: Zigbee2MQTT, Home Assistant MQTT discovery, ``mqtt.publish``."""

from ._adapter import MqttAdapter
from ._config import MqttConfig
from ._router import MqttMessage, MqttRouter
from ._topics import topic_matches, validate_topic

__all__ = [
    "MqttAdapter",
    "MqttConfig",
    "MqttMessage",
    "MqttRouter",
    "topic_matches",
    "validate_topic",
]
