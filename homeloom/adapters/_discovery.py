"""Devices found on the network, waiting for a resident to adopt or ignore them.

Adapters declare, in their class metadata, the zeroconf service types and TXT
matchers they understand::

    zeroconf = ({"type": "_shelly._tcp.local.", "properties": {"gen": "2"}},)

One browser on the process's shared :class:`AsyncZeroconf` watches the union of
those types. A resolved service that an adapter's matcher accepts becomes a
:class:`DiscoveredDevice`; nothing joins the house until a resident adopts it.
Adopting writes the adapter's entry to ``discovered_adapters.yaml`` beside
``configuration.yaml`` (read after its ``adapters:`` list at every start) and
starts the adapter live; ignoring remembers the device so it is not offered again.
The current list is kept in the database, where ``homeloom discovered`` reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import yaml

from homeloom.orchestrator import Context, HomeloomError, Persistence, Runtime, slugify
from homeloom.orchestrator._files import write_atomically

from ._manager import AdapterManager, AdapterSlot, available_adapters
from ._sdk import Adapter, Discovered
from ._zeroconf import ResolvedService, ZeroconfBrowser, ZeroconfMatcher, matchers_of

__all__ = [
    "ADOPTED_FILE",
    "AdoptionRefused",
    "DiscoveredDevice",
    "Discovery",
    "DiscoveryError",
    "UnknownDevice",
]

_LOGGER = logging.getLogger(__name__)
ADOPTED_FILE = "discovered_adapters.yaml"
STORE_NAMESPACE = "discovery"
_CONFIG_FIELDS = ("host", "port")  # what a discovered service can fill in
_ADOPTED_HEADER = (
    "# Adapters adopted from discovery, one entry per device. homeloom reads this\n"
    "# file after the 'adapters:' list of configuration.yaml; edit entries freely.\n"
)


class DiscoveryError(HomeloomError):
    """Adopting or ignoring a discovered device went wrong."""


class UnknownDevice(DiscoveryError):
    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        super().__init__(f"no discovered device {device_id!r} is waiting")


class AdoptionRefused(DiscoveryError):
    def __init__(self, device_id: str, reason: str) -> None:
        self.device_id = device_id
        self.reason = reason
        super().__init__(f"cannot adopt {device_id}: {reason}")


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """A device found on the network, not part of the house until a resident adopts it."""

    id: str
    adapter: str
    key: str
    name: str
    host: str | None
    port: int | None
    properties: Mapping[str, str]
    config: Mapping[str, Any]  # the ``adapters:`` entry adopting it would add
    found: datetime
    source: str = "zeroconf"
    service: str | None = None  # the zeroconf service name
    aliases: frozenset[str] = field(default=frozenset(), compare=False)  # other host names

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "adapter": self.adapter,
            "key": self.key,
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "properties": dict(self.properties),
            "config": dict(self.config),
            "source": self.source,
            "service": self.service,
            "found": self.found.isoformat(),
        }


class Discovery:
    """Discovered devices and the adopt/ignore decisions; ``runtime.components["discovery"]``.

    ``browse`` starts the zeroconf browser when the house starts (``homeloom run``);
    without it only what adapters report through ``hub.discovered`` is listed.
    """

    def __init__(
        self,
        runtime: Runtime,
        manager: AdapterManager,
        *,
        known: Mapping[str, type[Adapter[Any]]] | None = None,
        browse: bool = False,
    ) -> None:
        self.runtime = runtime
        self.manager = manager
        # The installed adapters are imported when first needed, not by a house without them.
        self._kinds = dict(known) if known is not None else None
        self._matchers: list[ZeroconfMatcher] | None = None
        self._browser: ZeroconfBrowser | None = None
        self._found: dict[str, DiscoveredDevice] = {}
        self._ignored: dict[str, Any] = dict(self._store_get("ignored") or {})
        runtime.components["discovery"] = self
        manager.on_discovered.append(self._reported)
        self._publish()
        if browse and self.browser.types and runtime.settings.extra.get("discovery", True):
            runtime.on_start(self.start)
        runtime.on_stop(self.stop)

    @property
    def kinds(self) -> dict[str, type[Adapter[Any]]]:
        """The adapters devices can be adopted by, by name."""
        if self._kinds is None:
            self._kinds = available_adapters()
        return self._kinds

    @property
    def matchers(self) -> list[ZeroconfMatcher]:
        """What the adapters declare they find on the network."""
        if self._matchers is None:
            self._matchers = matchers_of(self.kinds)
        return self._matchers

    @property
    def browser(self) -> ZeroconfBrowser:
        """The browser over every matcher's service type."""
        if self._browser is None:
            types = [matcher.type for matcher in self.matchers]
            self._browser = ZeroconfBrowser(
                self.runtime, types, self._resolved, self.withdraw_service
            )
        return self._browser

    # --- reading -------------------------------------------------------------------

    def list(self) -> list[DiscoveredDevice]:
        return sorted(self._found.values(), key=lambda d: (d.adapter, d.name.lower(), d.id))

    def get(self, device_id: str) -> DiscoveredDevice:
        try:
            return self._found[device_id]
        except KeyError:
            raise UnknownDevice(device_id) from None

    @property
    def ignored(self) -> frozenset[str]:
        return frozenset(self._ignored)

    # --- recording -------------------------------------------------------------------

    def offer(self, device: DiscoveredDevice) -> bool:
        """List ``device`` unless it is ignored or already configured; True when listed."""
        if device.id in self._ignored or self._configured(device):
            self._drop(device.id)
            return False
        old = self._found.get(device.id)
        new = old is None
        self._found[device.id] = device if old is None else replace(device, found=old.found)
        self._publish()
        if new and device.source == "zeroconf":  # the manager announces what adapters report
            _LOGGER.info("discovered %s (%s) at %s", device.name, device.adapter, device.host)
            data = {"id": device.id, "adapter": device.adapter, "name": device.name}
            self.runtime.bus.fire("homeloom_discovered", data, Context(source="discovery"))
        return True

    def withdraw_service(self, service: str) -> None:
        """A removal announcement: the service's devices are no longer offered."""
        for device in [d for d in self._found.values() if d.service == service]:
            self._drop(device.id)

    def _drop(self, device_id: str) -> None:
        if self._found.pop(device_id, None) is not None:
            self._publish()

    def _reported(self, item: Discovered) -> None:
        details = dict(item.details)
        host, port = details.get("host") or details.get("ip"), details.get("port")
        config = details.get("config")
        device = self._device(
            item.adapter,
            item.key,
            item.name,
            str(host) if host else None,
            int(port) if isinstance(port, int) else None,
            {str(k): str(v) for k, v in details.items() if k != "config"},
            source="adapter",
            config=config if isinstance(config, Mapping) else None,
        )
        self.offer(device)

    def _device(
        self,
        adapter: str,
        key: str,
        name: str,
        host: str | None,
        port: int | None,
        properties: Mapping[str, str],
        *,
        source: str,
        service: str | None = None,
        aliases: frozenset[str] = frozenset(),
        config: Mapping[str, Any] | None = None,
    ) -> DiscoveredDevice:
        kind = self.kinds.get(adapter)
        fields = kind.config_model.model_fields if kind is not None else {}
        wanted: dict[str, Any] = {"adapter": adapter}
        values = {"host": host, "port": port}
        wanted.update({k: values[k] for k in _CONFIG_FIELDS if k in fields and values[k]})
        if config is not None:
            wanted.update({str(k): v for k, v in config.items() if k not in ("adapter", "name")})
        return DiscoveredDevice(
            id=slugify(f"{adapter} {key}"),
            adapter=adapter,
            key=key,
            name=name,
            host=host,
            port=port,
            properties=dict(properties),
            config=wanted,
            found=self.runtime.now(),
            source=source,
            service=service,
            aliases=aliases,
        )

    def _configured(self, device: DiscoveredDevice) -> bool:
        """Whether a slot of the same adapter already talks to this host (and port)."""
        kind = self.kinds.get(device.adapter)
        hosts = {h.lower() for h in (device.host, *device.aliases) if h}
        for slot in self.manager.slots.values():
            if kind is None or slot.kind is not kind:
                continue
            host = getattr(slot.config, "host", None)
            port = getattr(slot.config, "port", None)
            same_port = device.port is None or port is None or port == device.port
            if isinstance(host, str) and host.lower().rstrip(".") in hosts and same_port:
                return True
        return False

    # --- deciding ----------------------------------------------------------------------

    async def adopt(self, device_id: str, user: str | None = None) -> AdapterSlot:
        """Add the device's adapter to the configuration and start it now."""
        device = self.get(device_id)
        entry = {**device.config, "adapter": device.adapter, "name": self._slot_name(device)}
        valid, issues = self.manager.validate([entry], self.kinds)
        if issues or not valid:
            said = [f"{i.key.split('.')[-1]}: {i.message}" if i.key else i.message for i in issues]
            reasons = "; ".join(said) or "not a valid adapter entry"
            raise AdoptionRefused(device_id, reasons)
        self._found.pop(device_id)  # no second adoption while this one starts
        self._publish()
        try:
            slot = await self.manager.add(entry, self.kinds)
        except HomeloomError as err:
            self.offer(device)
            raise AdoptionRefused(device_id, str(err)) from None
        self._save_adopted(entry)
        self._audit("adopted", device, user, adapter=slot.name, running=slot.running)
        return slot

    def ignore(self, device_id: str, user: str | None = None) -> None:
        """Forget the device and never offer it again."""
        device = self.get(device_id)
        self._ignored[device_id] = {
            "adapter": device.adapter,
            "name": device.name,
            "by": user,
            "at": self.runtime.now().isoformat(),
        }
        self._store_set("ignored", self._ignored)
        self._drop(device_id)
        self._audit("ignored", device, user)

    def ignored_devices(self) -> tuple[dict[str, Any], ...]:
        """What was ignored, by whom and when, to offer it again."""
        return tuple({"id": key, **info} for key, info in sorted(self._ignored.items()))

    def unignore(self, device_id: str, user: str | None = None) -> None:
        """Offer an ignored device again, the next time it announces itself."""
        info = self._ignored.pop(device_id, None)
        if info is None:
            raise UnknownDevice(device_id)
        self._store_set("ignored", self._ignored)
        _LOGGER.info("%s offered %s again (%s)", user or "someone", info.get("name"), device_id)
        store = self._store()
        if store is not None:
            context = Context(user_id=user, origin="user", source="discovery")
            store.audit("discovery", {**info, "change": "offered again", "id": device_id}, context)

    def _slot_name(self, device: DiscoveredDevice) -> str:
        base = slugify(device.name)
        if not base.startswith(device.adapter):
            base = f"{device.adapter}_{base}"
        name, number = base, 2
        while name in self.manager.slots:
            name, number = f"{base}_{number}", number + 1
        return name

    def _save_adopted(self, entry: Mapping[str, Any]) -> None:
        """Append the entry to the adopted file, keeping what a resident wrote there."""
        root = self.runtime.config_dir
        if root is None:
            _LOGGER.warning("no configuration directory: %s runs until the house stops", entry)
            return
        target = root / ADOPTED_FILE
        current = target.read_text(encoding="utf-8") if target.exists() else _ADOPTED_HEADER
        if current and not current.endswith("\n"):
            current += "\n"
        added = yaml.safe_dump([dict(entry)], sort_keys=False, allow_unicode=True)
        write_atomically(target, (current + added).encode("utf-8"))

    # --- the zeroconf browser ------------------------------------------------------------

    async def start(self) -> None:
        """Browse the network for the installed adapters' service types."""
        self.browser.start()
        self._publish()

    async def stop(self) -> None:
        if self._browser is not None:
            await self._browser.stop()
        self._found.clear()
        self._publish()

    def _resolved(self, service: ResolvedService) -> None:
        properties = service.properties
        key = properties.get("id") or properties.get("mac") or service.instance
        for matcher in self.matchers:
            if matcher.type == service.type and matcher.matches(service.instance, properties):
                device = self._device(
                    matcher.adapter,
                    key,
                    properties.get("name") or service.instance,
                    service.host,
                    service.port,
                    properties,
                    source="zeroconf",
                    service=service.name,
                    aliases=service.aliases,
                )
                self.offer(device)

    # --- storing ---------------------------------------------------------------------------

    def _store(self) -> Persistence | None:
        found = self.runtime.components.get("persistence")
        return found if isinstance(found, Persistence) else None

    def _store_get(self, key: str) -> Any:
        store = self._store()
        return store.get_value(STORE_NAMESPACE, key) if store is not None else None

    def _store_set(self, key: str, value: Any) -> None:
        store = self._store()
        if store is not None:
            store.set_value(STORE_NAMESPACE, key, value)

    def _publish(self) -> None:
        """Keep the current list in the database, for ``homeloom discovered``."""
        devices = [device.as_dict() for device in self.list()]
        browsing = self._browser is not None and self._browser.running
        self._store_set(
            "found",
            {"updated": self.runtime.now().isoformat(), "browsing": browsing, "devices": devices},
        )

    def _audit(self, change: str, device: DiscoveredDevice, user: str | None, **more: Any) -> None:
        _LOGGER.info("%s %s %s (%s)", user or "someone", change, device.name, device.id)
        store = self._store()
        if store is None:
            return
        data = {"change": change, "id": device.id, "adapter": device.adapter, **more}
        data.update(name=device.name, host=device.host)
        store.audit("discovery", data, Context(user_id=user, origin="user", source="discovery"))
