"""The process's one zeroconf instance, adapters' matchers, and a browser that resolves services.

Adapters declare what they understand in their class metadata::

    zeroconf = ({"type": "_shelly._tcp.local.", "properties": {"gen": "2"}},)

:class:`ZeroconfBrowser` watches the union of those types and hands every
resolved service to a callback; deciding what it becomes is the discovery's job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime

from ._sdk import Adapter

if TYPE_CHECKING:  # zeroconf itself is imported by the first browser or instance
    from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

__all__ = [
    "ResolvedService",
    "ZeroconfBrowser",
    "ZeroconfMatcher",
    "matchers_of",
    "shared_zeroconf",
]

_LOGGER = logging.getLogger(__name__)
RESOLVE_TIMEOUT_MS = 3000
_SERVICE_SUFFIXES = ("._tcp.local.", "._udp.local.")


def shared_zeroconf(
    runtime: Runtime,
    *,
    interfaces: InterfaceChoice | Sequence[str] | None = None,
    ip_version: IPVersion | None = None,
) -> AsyncZeroconf:
    """The process's one :class:`AsyncZeroconf`, made on first use and closed at stop.

    ``interfaces`` defaults to ``InterfaceChoice.All``. The options count only for the
    call that makes it (tests make it first on loopback).
    """
    from zeroconf import InterfaceChoice
    from zeroconf.asyncio import AsyncZeroconf

    found = runtime.components.get("zeroconf")
    if isinstance(found, AsyncZeroconf):
        return found
    if interfaces is None:
        interfaces = InterfaceChoice.All
    made = AsyncZeroconf(interfaces=interfaces, ip_version=ip_version)
    runtime.components["zeroconf"] = made

    async def close() -> None:
        if runtime.components.get("zeroconf") is made:
            del runtime.components["zeroconf"]
        await made.async_close()

    runtime.on_stop(close)
    return made


@dataclass(frozen=True, slots=True)
class ZeroconfMatcher:
    """One entry of an adapter's ``zeroconf`` metadata: a type, TXT and name patterns."""

    adapter: str
    type: str
    name: str | None = None  # shell-style pattern on the instance name
    properties: tuple[tuple[str, str], ...] = ()  # shell-style pattern per TXT key

    @classmethod
    def parse(cls, adapter: str, spec: Mapping[str, Any]) -> ZeroconfMatcher:
        kind = spec.get("type")
        if not isinstance(kind, str) or not kind.endswith(_SERVICE_SUFFIXES):
            raise ValueError(f"'type' must be like '_name._tcp.local.', not {kind!r}")
        name = spec.get("name")
        properties = spec.get("properties") or {}
        if not isinstance(properties, Mapping) or not isinstance(name, str | None):
            raise ValueError("'properties' must map TXT keys to patterns and 'name' be a pattern")
        pairs = tuple((str(k).lower(), str(v).lower()) for k, v in properties.items())
        return cls(adapter, kind.lower(), name.lower() if name else None, pairs)

    def matches(self, instance: str, properties: Mapping[str, str]) -> bool:
        if self.name is not None and not fnmatchcase(instance.lower(), self.name):
            return False
        lowered = {key.lower(): value.lower() for key, value in properties.items()}
        return all(
            key in lowered and fnmatchcase(lowered[key], pattern)
            for key, pattern in self.properties
        )


def matchers_of(kinds: Mapping[str, type[Adapter[Any]]]) -> list[ZeroconfMatcher]:
    """Every adapter's declared matchers; a malformed one is logged and skipped."""
    found: list[ZeroconfMatcher] = []
    for adapter, kind in sorted(kinds.items()):
        for spec in kind.zeroconf:
            try:
                found.append(ZeroconfMatcher.parse(adapter, spec))
            except (ValueError, AttributeError) as err:
                _LOGGER.error("adapter %s: bad zeroconf metadata %r: %s", adapter, spec, err)
    return found


@dataclass(frozen=True, slots=True)
class ResolvedService:
    """One announced service, resolved: where it is and what its TXT record says."""

    type: str
    name: str  # the full service name
    instance: str  # the name without its type
    host: str | None  # its first IPv4 address, else any address, else its server name
    port: int | None
    properties: Mapping[str, str]
    aliases: frozenset[str]  # every address and the server name


class ZeroconfBrowser:
    """Browse ``types`` on the shared instance; report each service resolved, and each gone."""

    def __init__(
        self,
        runtime: Runtime,
        types: Sequence[str],
        found: Callable[[ResolvedService], None],
        gone: Callable[[str], None],
    ) -> None:
        self.runtime = runtime
        self.types = sorted(set(types))
        self._found = found
        self._gone = gone
        self._browser: AsyncServiceBrowser | None = None
        self.resolving: set[str] = set()

    @property
    def running(self) -> bool:
        return self._browser is not None

    def start(self) -> None:
        if self._browser is not None or not self.types:
            return
        from zeroconf.asyncio import AsyncServiceBrowser

        try:
            zeroconf = shared_zeroconf(self.runtime)
            self._browser = AsyncServiceBrowser(zeroconf.zeroconf, self.types, handlers=[self._on])
        except OSError as err:
            _LOGGER.warning("zeroconf discovery is off: %s", err)
            return
        # Registered after the instance's own close, so it runs before it at stop.
        self.runtime.on_stop(self.stop)
        _LOGGER.info("looking for %s on the network", ", ".join(self.types))

    async def stop(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            await browser.async_cancel()

    def _on(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        from zeroconf import ServiceStateChange

        if state_change is ServiceStateChange.Removed:
            self._gone(name)
        elif name not in self.resolving:
            self.resolving.add(name)
            self.runtime.create_background_task(
                self._resolve(zeroconf, service_type, name), name=f"resolve {name}"
            )

    async def _resolve(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo

        try:
            info = AsyncServiceInfo(service_type, name)
            if not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
                _LOGGER.debug("%s did not answer in time", name)
                return
            properties = {str(k): v or "" for k, v in info.decoded_properties.items()}
            addresses = info.parsed_addresses(IPVersion.V4Only) or info.parsed_addresses()
        except Exception as err:  # a malformed announcement never stops the browser
            _LOGGER.warning("ignoring the announcement of %s: %r", name, err)
            return
        finally:
            self.resolving.discard(name)
        server = info.server.rstrip(".") if info.server else None
        self._found(
            ResolvedService(
                type=service_type.lower(),
                name=name,
                instance=name.removesuffix(f".{service_type}"),
                host=addresses[0] if addresses else server,
                port=info.port,
                properties=properties,
                aliases=frozenset(h for h in (server, *addresses) if h),
            )
        )
