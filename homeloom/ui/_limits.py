"""Login rate limiting: a few failures per client and per user name, then a pause."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """At most ``failures`` failed attempts per key within ``window``."""

    def __init__(
        self,
        failures: int = 5,
        window: timedelta = timedelta(minutes=5),
        max_keys: int = 10_000,
    ) -> None:
        self.failures = failures
        self.window = window
        self.max_keys = max_keys
        self._seen: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def retry_after(self, keys: list[str], now: datetime) -> float | None:
        """Seconds to wait when any key is over its budget, else None."""
        waits = []
        for key in keys:
            seen = self._recent(key, now)
            if len(seen) >= self.failures:
                waits.append((seen[0] + self.window - now).total_seconds())
        return max(waits) if waits else None

    def failed(self, keys: list[str], now: datetime) -> None:
        if len(self._seen) >= self.max_keys:
            self._forget_stale(now)
        for key in keys:
            self._recent(key, now).append(now)

    def _forget_stale(self, now: datetime) -> None:
        """Keep memory bounded whatever names an attacker tries."""
        for key in list(self._seen):
            if not self._recent(key, now):
                del self._seen[key]
        while len(self._seen) >= self.max_keys:
            del self._seen[next(iter(self._seen))]

    def __len__(self) -> int:
        return len(self._seen)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._seen.pop(key, None)
