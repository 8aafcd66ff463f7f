"""RESTful sensors: XML replies, JSONPath ``json_attributes_path``, digest login and
TLS settings, against real HTTP(S) servers on loopback."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from homeloom.scenarios._rest_json import JsonPath, JsonPathError
from homeloom.scenarios._rest_xml import xml_as_json
from tests.scenarios.test_rest_sensors import Device, _attributes, _house, _state

_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Village news</title>
    <item><title>Bin day moved</title><dc:creator>council</dc:creator></item>
    <item><title>Fair &amp; market</title></item>
  </channel>
</rss>"""


async def test_an_xml_reply_is_read_as_json_by_sensors(tmp_path: Path, device: Device) -> None:
    device.replies["/feed"] = (200, _FEED, "application/rss+xml")
    device.replies["/router"] = (
        200,
        '<status><wan state="up"> 10.0.0.2 </wan><lan/><port>1</port><port>2</port></status>',
        "text/xml",
    )
    house, errors = await _house(
        tmp_path,
        f"""\
rest:
  - resource: {device.url}/feed
    sensor:
      - name: Headline
        value_template: "{{{{ value_json.rss.channel['item'][0].title }}}}"
        json_attributes_path: "$.rss.channel.item[1]"
        json_attributes: [title]
      - name: Feed writer
        value_template: "{{{{ value_json.rss.channel['item'][0]['dc:creator'] }}}}"
        json_attributes_path: "$.rss"
        json_attributes: ["@version", "@xmlns:dc"]
    binary_sensor:
      - name: Feed raw
        value_template: "{{{{ value.startswith('<?xml') }}}}"
  - resource: {device.url}/router
    sensor:
      - name: Wan
        value_template: >-
          {{{{ value_json.status.wan['@state'] }}}} {{{{ value_json.status.wan['#text'] }}}}
          {{{{ value_json.status.lan is none }}}} {{{{ value_json.status.port | join('+') }}}}
      - name: Router raw
""",
    )
    assert errors == []
    assert _state(house, "sensor.headline") == "Bin day moved"
    assert _attributes(house, "sensor.headline")["title"] == "Fair & market"
    assert _state(house, "sensor.feed_writer") == "council"
    writer = _attributes(house, "sensor.feed_writer")
    assert (writer["@version"], writer["@xmlns:dc"]) == ("2.0", "http://purl.org/dc/elements/1.1/")
    # A binary sensor reads the reply as it came, as Home Assistant's does.
    assert _state(house, "binary_sensor.feed_raw") == "on"
    assert _state(house, "sensor.wan") == "up 10.0.0.2 True 1+2"
    # Without a template, the state is the JSON text (compact, as Home Assistant dumps it).
    assert _state(house, "sensor.router_raw") == (
        '{"status":{"wan":{"@state":"up","#text":"10.0.0.2"},"lan":null,"port":["1","2"]}}'
    )
    await house.stop()


async def test_xml_sent_as_plain_text_stays_text_and_bad_xml_is_warned(
    tmp_path: Path, device: Device, caplog: pytest.LogCaptureFixture
) -> None:
    device.replies["/plain"] = (200, "<a>1</a>", "text/plain")
    device.replies["/broken"] = (200, "<a><b></a>", "application/xml")
    house, _ = await _house(
        tmp_path,
        f"""\
sensor:
  - {{platform: rest, name: Plain, resource: "{device.url}/plain"}}
  - {{platform: rest, name: Broken, resource: "{device.url}/broken"}}
""",
    )
    assert _state(house, "sensor.plain") == "<a>1</a>"
    assert _state(house, "sensor.broken") == "<a><b></a>"
    assert "REST xml result could not be parsed and converted to JSON" in caplog.text
    await house.stop()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<a/>", {"a": None}),
        ("<a>  </a>", {"a": None}),
        ('<a x="1"/>', {"a": {"@x": "1"}}),
        ("<a>one <b>2</b> three</a>", {"a": {"b": "2", "#text": "one  three"}}),
        ("<a><b>1</b><c/><b>2</b></a>", {"a": {"b": ["1", "2"], "c": None}}),
        ('<p:a xmlns:p="urn:x"><p:b>1</p:b></p:a>', {"p:a": {"@xmlns:p": "urn:x", "p:b": "1"}}),
        ("<a><!-- note --><?pi x?><![CDATA[<i>]]></a>", {"a": "<i>"}),
        ('<!DOCTYPE a [<!ENTITY big "boom">]><a>&big;&#65;</a>', {"a": "A"}),
    ],
)
def test_xml_as_json_maps_as_xmltodict_does(document: str, expected: Any) -> None:
    assert json.loads(xml_as_json(document)) == expected


_DOCUMENT = {
    "sensors": [
        {"name": "hall", "value": 21, "tags": ["warm"]},
        {"name": "bath", "value": 25, "on": True},
        {"value": "7"},
    ],
    "level": 3,
    "rooms": {"hall": {"level": 1}, "loft": {"level": 4}},
    "list": [1, 2, 3],
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("$", []),  # the package finds nothing for the top alone
        ("$.sensors[?(@.name=='bath')].value", [25]),
        ('$.sensors[?(@.name == "hall" && @.value > 20)].name', ["hall"]),
        # A failure (a text compared with a number) makes the whole expression false.
        ("$.sensors[?(@.value > 20 || @.value == '7')].value", [21, 25]),
        ("$.sensors[?(@.value == '7' || @.value > 20)].value", [21, 25, "7"]),
        ("$.sensors[?(!@.name)]", [{"value": "7"}]),
        ("$.sensors[?('warm' in @.tags)].name", ["hall"]),
        ("$.sensors[?(@.on == true)]", []),  # no such name: false, as there
        ("$.sensors[?(@.on == True)].name", ["bath"]),
        ("$.sensors[?(@.value > 22)].name", ["bath"]),  # '7' > 22 fails: false
        ("$.rooms[?(@.level > 2)]", [{"level": 4}]),
        ("$..level", [3, 1, 4]),
        ("$.list[0]", [1]),
        ("$.list[-1]", []),
        ("$.list[-1:]", [3]),
        ("$.list[(@.length-1)]", [3]),
        ("$.list[0,2]", [1, 3]),
        ("$.rooms.*.level", [1, 4]),
        ("$.*", list(_DOCUMENT.values())),
        ("sensors[1].name", ["bath"]),
        ("$['rooms']['loft']", [{"level": 4}]),
        ("$.missing", []),
    ],
)
def test_json_paths_find_what_the_jsonpath_package_finds(path: str, found: list[Any]) -> None:
    assert JsonPath.read(path).find(_DOCUMENT) == found


@pytest.mark.parametrize(
    "path",
    [
        "$.sensors[?(@.name.upper() == 'HALL')]",
        "$.sensors[?(__import__('os'))]",
        "$.sensors[?(@.name ==)]",
        "$.list[0:3:0]",
    ],
)
def test_json_paths_homeloom_does_not_evaluate_are_refused(path: str) -> None:
    with pytest.raises(JsonPathError):
        JsonPath.read(path)


@pytest.mark.allow_error_logs  # house setup logs the refused path
async def test_a_filtered_path_gives_the_attributes_of_the_first_match(
    tmp_path: Path, device: Device, caplog: pytest.LogCaptureFixture
) -> None:
    device.replies["/all"] = (200, json.dumps(_DOCUMENT), "application/json")
    house, errors = await _house(
        tmp_path,
        f"""\
rest:
  - resource: {device.url}/all
    sensor:
      - name: Warm rooms
        value_template: "{{{{ value_json.level }}}}"
        json_attributes_path: "$.sensors[?(@.value > 20)]"
        json_attributes: [name, value]
      - name: Cellar
        json_attributes_path: "$.sensors[?(@.name == 'cellar')]"
        json_attributes: [name]
        value_template: "1"
sensor:
  - platform: rest
    resource: {device.url}/all
    name: Refused
    json_attributes_path: "$.sensors[?(@.name.lower())]"
    json_attributes: [name]
""",
    )
    assert [error.key for error in errors] == ["sensor[0].json_attributes_path"]
    assert _state(house, "sensor.warm_rooms") == "3"
    attributes = _attributes(house, "sensor.warm_rooms")
    assert (attributes["name"], attributes["value"]) == ("hall", 21)
    assert "name" not in _attributes(house, "sensor.cellar")
    assert "JSON result was not a dictionary" in caplog.text
    await house.stop()


@pytest.fixture
async def digest_device() -> AsyncIterator[Device]:
    """A device behind digest login (user ``home``, password ``s3cret``): it checks an
    MD5, qop=auth ``Authorization`` header as RFC 7616 describes."""
    found = Device()
    nonces: set[str] = set()

    async def answer(request: web.Request) -> web.StreamResponse:
        found.received.append({"headers": dict(request.headers)})
        if _digest_ok(request, "home", "s3cret", nonces):
            return web.Response(text="42", content_type="text/plain")
        nonce = secrets.token_hex(16)
        nonces.add(nonce)
        challenge = f'Digest realm="meter", nonce="{nonce}", qop="auth", algorithm=MD5'
        return web.Response(status=401, text="wrong login", headers={"WWW-Authenticate": challenge})

    app = web.Application()
    app.router.add_get("/reading", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.url = f"http://127.0.0.1:{server.port}"
    yield found
    await server.close()


def _digest_ok(request: web.Request, user: str, password: str, nonces: set[str]) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Digest "):
        return False
    fields: dict[str, str] = {}
    for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header):
        fields[key] = quoted or bare
    if fields.get("username") != user or fields.get("nonce") not in nonces:
        return False
    if fields.get("uri") != request.path_qs or fields.get("qop") != "auth":
        return False

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # digest login's own hash

    secret = md5(f"{user}:{fields.get('realm')}:{password}")
    target = md5(f"{request.method}:{fields['uri']}")
    parts = (secret, fields["nonce"], fields.get("nc"), fields.get("cnonce"), "auth", target)
    return fields.get("response") == md5(":".join(str(part) for part in parts))


async def test_digest_login(tmp_path: Path, digest_device: Device) -> None:
    sensors = "\n".join(
        f"  - {{platform: rest, name: {name}, resource: '{digest_device.url}/reading', "
        f"authentication: digest, username: home, password: {password}}}"
        for name, password in (("Meter", "s3cret"), ("Wrong", "guess"))
    )
    house, errors = await _house(tmp_path, f"sensor:\n{sensors}\n")
    assert errors == []
    assert _state(house, "sensor.meter") == "42"
    # A refused login is still a reply: its page is the state, as in Home Assistant.
    assert _state(house, "sensor.wrong") == "wrong login"
    sent = [r["headers"].get("Authorization", "") for r in digest_device.received]
    assert len(sent) == 4  # each asked, was challenged and answered once
    assert sum(header.startswith("Digest ") for header in sent) == 2
    await house.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A self-signed certificate for 127.0.0.1, its key and Diffie-Hellman parameters
    (a named group: nothing to compute), made by ``openssl``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key, groups = folder / "cert.pem", folder / "key.pem", folder / "dh.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "genpkey", "-genparam", "-algorithm", "DH",
         "-pkeyopt", "dh_param:ffdhe2048", "-out", str(groups)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key, groups


async def _https_device(
    certificate: tuple[Path, Path, Path], ciphers: str
) -> tuple[Device, TestServer]:
    """A device answering over TLS 1.2 with only ``ciphers``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate[0], certificate[1])
    context.load_dh_params(certificate[2])
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 ignores cipher lists
    context.set_ciphers(ciphers)
    found = Device(replies={"/v": (200, "secure", "text/plain")})
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=context)
    found.url = f"https://127.0.0.1:{server.port}"
    return found, server


@pytest.mark.allow_error_logs  # the refused connections are logged
@pytest.mark.parametrize(
    ("server_ciphers", "answered"),
    [
        # A modern suite: every cipher list has it.
        ("ECDHE-RSA-AES128-GCM-SHA256", {"default", "modern", "intermediate"}),
        # Forward secrecy without elliptic curves: not in the modern list.
        ("DHE-RSA-AES256-GCM-SHA384", {"default", "intermediate"}),
        # An old suite (no forward secrecy): only the intermediate list has it.
        ("AES128-SHA256", {"intermediate"}),
    ],
)
async def test_cipher_lists_and_verify_ssl(
    tmp_path: Path,
    certificate: tuple[Path, Path, Path],
    server_ciphers: str,
    answered: set[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    found, server = await _https_device(certificate, server_ciphers)
    sensors = "".join(
        f"  - {{platform: rest, name: {name}, resource: '{found.url}/v', verify_ssl: false,"
        f" ssl_cipher_list: {cipher_list}}}\n"
        for name, cipher_list in (
            ("default", "python_default"),
            ("modern", "modern"),
            ("intermediate", "intermediate"),
        )
    )
    # Verified (the default), the self-signed certificate is refused, whatever the list.
    sensors += f"  - {{platform: rest, name: checked, resource: '{found.url}/v'}}\n"
    sensors += (
        f"  - {{platform: rest, name: checked modern, resource: '{found.url}/v',"
        " ssl_cipher_list: modern}\n"
    )
    with caplog.at_level(logging.WARNING):
        house, errors = await _house(tmp_path, f"sensor:\n{sensors}")
    assert errors == []
    states = {
        name: _state(house, f"sensor.{name}")
        for name in ("default", "modern", "intermediate", "checked", "checked_modern")
    }
    assert states == {name: "secure" if name in answered else None for name in states}
    assert caplog.text.count("not ready yet") == 5 - len(answered)
    await house.stop()
    await server.close()


async def test_a_verified_context_trusts_the_machines_authorities(
    tmp_path: Path, certificate: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The certificate made trusted as the machine's authorities are: a named cipher
    # list's verifying context reads them, and checks the host name against it.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    found, server = await _https_device(certificate, "ECDHE-RSA-AES128-GCM-SHA256")
    house, errors = await _house(
        tmp_path,
        f"sensor:\n  - {{platform: rest, name: Checked, resource: '{found.url}/v',"
        " ssl_cipher_list: modern}\n",
    )
    assert errors == []
    assert _state(house, "sensor.checked") == "secure"
    await house.stop()
    await server.close()
