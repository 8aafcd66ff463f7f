"""Shelly Gen2+ digest authentication (RFC 7616 with SHA-256).

The user is always ``admin`` and the realm is the device id. Over HTTP the
credentials travel in an ``Authorization: Digest ...`` header answering the
``WWW-Authenticate`` challenge of a 401; over the WebSocket they travel in an
``auth`` object inside each request frame, hashed with a fixed placeholder
method and URI.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

__all__ = ["USER", "DigestChallenge", "ha1", "parse_challenge", "sha256_hex"]

USER = "admin"
ALGORITHM = "SHA-256"
_FRAME_METHOD_URI = "dummy_method:dummy_uri"
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ha1(realm: str, password: str) -> str:
    """What a device stores instead of its password: SHA-256 of ``admin:realm:password``."""
    return sha256_hex(f"{USER}:{realm}:{password}")


def response_hash(
    secret_ha1: str, nonce: str | int, nc: int | str, cnonce: str, method_uri: str
) -> str:
    """The digest ``response`` for one request (``qop=auth``)."""
    return sha256_hex(f"{secret_ha1}:{nonce}:{nc}:{cnonce}:auth:{sha256_hex(method_uri)}")


def parse_challenge(header: str) -> dict[str, str] | None:
    """The parameters of a ``Digest`` ``WWW-Authenticate`` header, or None if it is not one."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    return {match[1].lower(): match[2] or match[3] for match in _PARAM.finditer(rest)}


@dataclass(slots=True)
class DigestChallenge:
    """A nonce from the device, reused with an increasing count until it is refused."""

    realm: str
    nonce: str | int  # a number over the WebSocket, a string in an HTTP header
    nc: int = 0
    cnonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def authorization_header(self, password: str, method: str, uri: str) -> str:
        """An ``Authorization`` header for one HTTP request."""
        self.nc += 1
        nc = f"{self.nc:08x}"
        digest = response_hash(
            ha1(self.realm, password), self.nonce, nc, self.cnonce, f"{method}:{uri}"
        )
        return (
            f'Digest username="{USER}", realm="{self.realm}", nonce="{self.nonce}", '
            f'uri="{uri}", algorithm={ALGORITHM}, qop=auth, nc={nc}, '
            f'cnonce="{self.cnonce}", response="{digest}"'
        )

    def frame_auth(self, password: str) -> dict[str, Any]:
        """The ``auth`` object WebSocket request frames carry; built once per challenge."""
        nc = self.nc or 1
        digest = response_hash(
            ha1(self.realm, password), self.nonce, nc, self.cnonce, _FRAME_METHOD_URI
        )
        return {
            "realm": self.realm,
            "username": USER,
            "nonce": self.nonce,
            "cnonce": self.cnonce,
            "nc": nc,
            "response": digest,
            "algorithm": ALGORITHM,
        }
