"""The Shelly Gen2+ adapter: relays, dimmers and covers over the local RPC API."""

from ._adapter import ShellyAdapter, ShellyConfig
from ._errors import ShellyAuthError, ShellyError, ShellyRpcError, ShellyUnreachable

__all__ = [
    "ShellyAdapter",
    "ShellyAuthError",
    "ShellyConfig",
    "ShellyError",
    "ShellyRpcError",
    "ShellyUnreachable",
]
