"""The TLS settings of a RESTful resource: ``verify_ssl`` and ``ssl_cipher_list``, as
Home Assistant 2024.3 applies them.

``python_default`` leaves Python's own cipher list; ``modern`` and ``intermediate`` are
Mozilla's server-side TLS recommendations of those names (TLS 1.2 suites; TLS 1.3's
are not chosen by a cipher list). ``verify_ssl: false`` accepts any certificate for
any host name. A verifying context trusts the machine's certificate authorities
(Home Assistant's trusts those of the ``certifi`` package).
"""

from __future__ import annotations

import ssl

__all__ = ["CIPHER_LISTS", "tls_context"]

_MODERN = (
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384",
    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
)  # fmt: skip
_INTERMEDIATE = (
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
    "DHE-RSA-AES128-SHA256", "DHE-RSA-AES128-SHA", "DHE-RSA-AES256-SHA256",
    "DHE-RSA-AES256-SHA", "ECDHE-ECDSA-DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA",
    "EDH-RSA-DES-CBC3-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
    "AES128-SHA256", "AES256-SHA256", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "!DSS",
)  # fmt: skip
_CIPHERS = {"modern": ":".join(_MODERN), "intermediate": ":".join(_INTERMEDIATE)}
CIPHER_LISTS = ("python_default", "modern", "intermediate")


def tls_context(verify: bool, cipher_list: str) -> ssl.SSLContext | bool:
    """What the HTTP client is given as its ``ssl``: a context of its own for a named
    cipher list, else whether to verify (the client's own contexts then)."""
    ciphers = _CIPHERS.get(cipher_list)
    if ciphers is None:
        return verify
    if verify:
        context = ssl.create_default_context()
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.options |= ssl.OP_NO_COMPRESSION
    context.set_ciphers(ciphers)
    return context
