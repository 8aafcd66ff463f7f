"""A sundial as a homeloom adapter: an example third-party adapter package."""

from ._adapter import CHIME_EVENT, SundialAdapter, SundialConfig
from ._solar import SunPosition, sun_position

__all__ = ["CHIME_EVENT", "SunPosition", "SundialAdapter", "SundialConfig", "sun_position"]
