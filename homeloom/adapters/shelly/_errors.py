"""What can go wrong talking to a Shelly device; each one names the device's address."""

from __future__ import annotations

from homeloom.orchestrator import AdapterError

__all__ = ["ShellyAuthError", "ShellyError", "ShellyRpcError", "ShellyUnreachable"]


class ShellyError(AdapterError):
    """A Shelly device could not do what was asked."""

    def __init__(self, adapter: str, address: str, message: str) -> None:
        self.address = address
        super().__init__(adapter, f"Shelly device at {address}: {message}")


class ShellyUnreachable(ShellyError):
    """The device does not answer (off, unplugged, out of Wi-Fi range)."""


class ShellyAuthError(ShellyError):
    """The device wants a password, or refused the configured one."""


class ShellyRpcError(ShellyError):
    """The device answered a call with an error."""

    def __init__(self, adapter: str, address: str, method: str, code: int, detail: str) -> None:
        self.method = method
        self.code = code
        super().__init__(adapter, address, f"{method} failed with error {code}: {detail}")
