"""The connection to the broker: connect, announce, subscribe, receive, and reconnect.

Transport errors stay here: they become log lines and a reconnect with an
exponential backoff on the runtime's clock, or ``AdapterError`` for a caller
that publishes while the broker is away.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

import aiomqtt

from homeloom.orchestrator import AdapterError

from .._sdk import AdapterHub
from ._config import MqttConfig
from ._router import MqttMessage, MqttRouter

__all__ = ["MqttConnection"]

_SUBSCRIBE_BATCH = 64
_CLOSE_TIMEOUT_S = 2.0


class _LateAcknowledgement(logging.Filter):
    """aiomqtt logs an error, with a traceback, when the broker acknowledges a
    (un)subscription whose request was cancelled meanwhile: a trigger detached
    while the house stops, a subscription changed during a reconnect. Nothing is
    wrong then; it is kept as a debug message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Unexpected message ID"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = record.exc_text = None
        return True


_LATE_ACKNOWLEDGEMENT = _LateAcknowledgement()


def client_logger(name: str) -> logging.Logger:
    """The logger an aiomqtt client of ours writes to."""
    logger = logging.getLogger(name)
    if _LATE_ACKNOWLEDGEMENT not in logger.filters:
        logger.addFilter(_LATE_ACKNOWLEDGEMENT)
    return logger


def _payload_bytes(payload: object) -> bytes:
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    if payload is None:
        return b""
    return str(payload).encode()


class MqttConnection:
    """One broker session at a time, for as long as the adapter runs."""

    def __init__(
        self,
        config: MqttConfig,
        hub: AdapterHub,
        router: MqttRouter,
        on_connection: Callable[[bool], None],
    ) -> None:
        self.config = config
        self.hub = hub
        self.router = router
        self._on_connection = on_connection
        self._client: aiomqtt.Client | None = None
        self.client_id = config.client_id or f"homeloom-{uuid.uuid4().hex[:10]}"
        self.connections = 0  # how many sessions were established, for diagnostics
        # (Un)subscriptions asked for and not yet acknowledged by the broker.
        self._changes_pending = 0
        self._changes_done = asyncio.Event()
        self._changes_done.set()
        self._logger = hub.logger

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _new_client(self) -> aiomqtt.Client:
        config = self.config
        tls: aiomqtt.TLSParameters | None = None
        if config.tls:
            tls = aiomqtt.TLSParameters(
                ca_certs=str(config.tls_ca_certs) if config.tls_ca_certs else None,
                certfile=str(config.tls_certfile) if config.tls_certfile else None,
                keyfile=str(config.tls_keyfile) if config.tls_keyfile else None,
            )
        return aiomqtt.Client(
            config.host,
            config.port,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            identifier=self.client_id,
            keepalive=config.keepalive,
            timeout=config.connect_timeout,
            will=aiomqtt.Will(config.status_topic, config.will_payload, qos=1, retain=True),
            tls_params=tls,
            tls_insecure=config.tls_insecure if config.tls else None,
            logger=client_logger(f"{self._logger.name}.client"),
        )

    async def run(self) -> None:
        """Connect and receive forever; after a failure wait, doubling up to ``reconnect_max``."""
        delay = self.config.reconnect_min
        failed_before = False  # one warning per outage; the retries after it are info
        while True:
            sessions = self.connections
            reason = "the broker closed the session"
            try:
                await self._session()
            except aiomqtt.MqttError as err:
                reason = str(err) or type(err).__name__
            finally:
                self._detach()
            if self.connections > sessions:  # connected, then lost: start the backoff again
                delay = self.config.reconnect_min
                failed_before = False
                message = "lost the connection to the MQTT broker at %s (%s); reconnecting in %g s"
            else:
                message = "cannot connect to the MQTT broker at %s (%s); retrying in %g s"
            level = logging.INFO if failed_before else logging.WARNING
            self._logger.log(level, message, self.where, reason, delay)
            failed_before = True
            await self.hub.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max)

    async def _session(self) -> None:
        client = self._new_client()
        async with client:
            self._client = client
            self.connections += 1
            self._logger.info("connected to the MQTT broker at %s", self.where)
            try:
                await client.publish(
                    self.config.status_topic, self.config.birth_payload, qos=1, retain=True
                )
                await self._subscribe(client, self.router.filters())
                self.router.transport = self
                self._on_connection(True)
                async for message in client.messages:
                    self.router.dispatch(
                        MqttMessage(
                            message.topic.value,
                            _payload_bytes(message.payload),
                            message.qos,
                            message.retain,
                        )
                    )
            except asyncio.CancelledError:
                await self._say_goodbye(client)
                raise

    async def _say_goodbye(self, client: aiomqtt.Client) -> None:
        """Stopping: say ``offline`` ourselves, as the broker only sends the will on a loss."""
        self._detach()
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await client.publish(
                    self.config.status_topic, self.config.will_payload, qos=1, retain=True
                )
        except (aiomqtt.MqttError, TimeoutError) as err:
            self._logger.debug("could not publish the offline status: %s", err)

    def _detach(self) -> None:
        self._client = None
        self._changes_pending = 0  # the next session subscribes every filter anyway
        self._changes_done.set()
        if self.router.transport is self:
            self.router.transport = None
            self._on_connection(False)

    async def _subscribe(self, client: aiomqtt.Client, filters: dict[str, int]) -> None:
        items = list(filters.items())
        for start in range(0, len(items), _SUBSCRIBE_BATCH):
            await client.subscribe(items[start : start + _SUBSCRIBE_BATCH])

    # --- the router's transport ------------------------------------------------------

    async def publish(self, topic: str, payload: str | bytes, qos: int, retain: bool) -> None:
        client = self._client
        if client is None:
            raise AdapterError(
                self.hub.name, f"not connected to the broker; cannot publish {topic}"
            )
        try:
            await client.publish(topic, payload, qos=qos, retain=retain)
        except aiomqtt.MqttError as err:
            raise AdapterError(self.hub.name, f"publishing to {topic} failed: {err}") from None

    def subscribe_soon(self, topic_filter: str, qos: int) -> None:
        self._change_soon(topic_filter, qos, f"subscribe {topic_filter}")

    def unsubscribe_soon(self, topic_filter: str) -> None:
        self._change_soon(topic_filter, None, f"unsubscribe {topic_filter}")

    async def subscriptions_settled(self) -> None:
        await self._changes_done.wait()

    def _change_soon(self, topic_filter: str, qos: int | None, name: str) -> None:
        self._changes_pending += 1
        self._changes_done.clear()
        change = self._change(topic_filter, qos, self.connections)
        self.hub.create_task(change, name=name)

    async def _change(self, topic_filter: str, qos: int | None, session: int) -> None:
        client = self._client
        try:
            if client is None:
                return  # the next session subscribes to what the router holds then
            if qos is None:
                await client.unsubscribe(topic_filter)
            else:
                await client.subscribe(topic_filter, qos)
        except aiomqtt.MqttError as err:
            self._logger.debug("(un)subscribing %s failed: %s", topic_filter, err)
        finally:
            if session == self.connections and self._changes_pending:  # not a past session's
                self._changes_pending -= 1
                if not self._changes_pending:
                    self._changes_done.set()
