"""The simulated demo house, the embedded default adapter."""

from ._adapter import VirtualAdapter, VirtualConfig

__all__ = ["VirtualAdapter", "VirtualConfig"]
