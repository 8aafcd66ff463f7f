"""The ``mqtt`` adapter's options: the broker, the status topic and the conventions to follow."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from .._sdk import AdapterConfig
from ._topics import validate_topic

__all__ = ["MqttConfig"]


class MqttConfig(AdapterConfig):
    """Where the broker is, how to log in, and which device conventions to understand."""

    enabled: bool = Field(
        True,
        description="false: no broker connection (nor Home Assistant's, for a copied house)",
    )
    host: str = Field("localhost", description="the broker's host name or address")
    port: int = Field(1883, ge=1, le=65535, description="the broker's port (8883 for TLS)")
    username: str | None = Field(None, description="the broker login, if it needs one")
    password: SecretStr | None = Field(None, description="the broker password")
    client_id: str | None = Field(None, description="MQTT client id; default: homeloom-<random>")
    keepalive: int = Field(60, ge=5, le=3600, description="seconds between keep-alive pings")
    connect_timeout: float = Field(10.0, gt=0, le=120, description="seconds to wait for CONNACK")
    tls: bool = Field(False, description="connect with TLS")
    tls_ca_certs: Path | None = Field(None, description="CA bundle to verify the broker with")
    tls_certfile: Path | None = Field(None, description="client certificate, for mutual TLS")
    tls_keyfile: Path | None = Field(None, description="client certificate's private key")
    tls_insecure: bool = Field(False, description="skip verifying the broker's host name")
    reconnect_min: float = Field(1.0, gt=0, le=60, description="first reconnect delay, seconds")
    reconnect_max: float = Field(60.0, gt=0, le=3600, description="longest reconnect delay")
    status_topic: str = Field(
        "homeloom/status", description="birth ('online') and last will ('offline') topic"
    )
    birth_payload: str = "online"
    will_payload: str = "offline"
    discovery: bool = Field(True, description="follow Home Assistant MQTT discovery")
    discovery_prefix: str = Field("homeassistant", description="the discovery topic prefix")
    zigbee2mqtt: bool = Field(True, description="follow Zigbee2MQTT's bridge topics")
    zigbee2mqtt_base_topic: str = Field("zigbee2mqtt", description="Zigbee2MQTT's base_topic")

    @model_validator(mode="after")
    def _check(self) -> MqttConfig:
        for name in ("status_topic", "discovery_prefix", "zigbee2mqtt_base_topic"):
            validate_topic(getattr(self, name), wildcards=False)
        if self.reconnect_max < self.reconnect_min:
            raise ValueError("reconnect_max must be at least reconnect_min")
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("give both tls_certfile and tls_keyfile, or neither")
        return self
