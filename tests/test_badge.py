"""Open Badges 3.0 baking: the credential inside a PNG or SVG badge, as other badge tools
write and read it."""

from __future__ import annotations

import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from test_envelope import CLOCK, issuer, sample
from vcportable.envelope import bake, open_input, unbake
from vcportable.envelope.bake import MAX_CREDENTIAL_BYTES
from vcportable.errors import EnvelopeError
from vcportable.verifier import Verifier

SVG_NS = "http://www.w3.org/2000/svg"
OB_NS = "https://purl.imsglobal.org/ob/v3p0"
SVG_BADGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512">'
    b'<circle cx="256" cy="256" r="200" fill="#b5651d"/></svg>\n'
)


def png_badge(info: PngInfo | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (181, 101, 29)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.fixture(scope="module")
def credential_json() -> str:
    return json.dumps(issuer().issue(sample()), indent=2, ensure_ascii=False)


@pytest.fixture(scope="module")
def credential_jwt() -> str:
    return issuer().issue_jwt(sample())


def test_png_with_json_credential(credential_json: str) -> None:
    baked = bake(png_badge(), credential_json)
    assert unbake(baked) == credential_json
    image = Image.open(io.BytesIO(baked))
    image.load()  # every chunk, our iTXt included, passes pillow's CRC checks
    assert image.info["openbadgecredential"] == credential_json
    opened = open_input(baked)
    assert opened == credential_json
    assert Verifier(clock=CLOCK).verify(opened).verified


def test_a_png_showing_the_qr_code_of_another_credential_is_refused(
    credential_json: str, credential_jwt: str
) -> None:
    """What a camera reads (the QR code shown) and what a file reader reads (the baked
    credential) must be the same credential, or which one is meant is a guess."""
    from vcportable.envelope import encode, render

    shown = render(encode(json.loads(credential_json)), "png")
    assert open_input(bake(shown, credential_json)) == credential_json  # the same one: fine
    with pytest.raises(EnvelopeError, match="shows the QR code of another"):
        open_input(bake(shown, credential_jwt))
    code = Image.open(io.BytesIO(shown)).convert("L")
    twice = Image.new("L", (2 * code.width + 40, code.height), 255)
    twice.paste(code, (0, 0))
    twice.paste(code, (code.width + 40, 0))
    out = io.BytesIO()
    twice.save(out, "PNG")
    from vcportable.envelope.read import read_codes

    assert len(read_codes(out.getvalue())) == 2
    with pytest.raises(EnvelopeError, match="shows the QR code of another"):
        open_input(bake(out.getvalue(), credential_jwt))  # two codes: each is read


def test_png_with_jwt_credential(credential_jwt: str) -> None:
    baked = bake(png_badge(), credential_jwt + "\n")
    assert unbake(baked) == credential_jwt
    assert Verifier(clock=CLOCK).verify(open_input(baked) or "").verified


def test_png_baked_by_another_tool_is_read(credential_jwt: str) -> None:
    for compressed in (False, True):
        info = PngInfo()
        info.add_itxt("openbadgecredential", credential_jwt, zip=compressed)
        assert unbake(png_badge(info)) == credential_jwt


def test_svg_with_json_credential_keeps_cdata_terminators() -> None:
    credential = json.dumps({"narrative": "a ]]> b <c> & 'd' \"e\"", "name": "Zoë 数字"})
    baked = bake(SVG_BADGE, credential)
    assert unbake(baked) == credential
    root = ET.fromstring(baked)  # still well-formed XML
    first = root[0]
    assert first.tag == f"{{{OB_NS}}}credential"
    assert first.text == credential
    assert root[1].tag == f"{{{SVG_NS}}}circle"


def test_svg_with_jwt_credential(credential_jwt: str) -> None:
    baked = bake(SVG_BADGE, credential_jwt)
    element = ET.fromstring(baked)[0]
    assert element.get("verify") == credential_jwt
    assert unbake(baked) == credential_jwt
    assert Verifier(clock=CLOCK).verify(open_input(baked) or "").verified


def test_svg_written_as_in_the_specification() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="' + OB_NS.encode() + b'">'
        b'<openbadges:credential>\n  <![CDATA[\n  {"a": 1}\n  ]]>\n</openbadges:credential></svg>'
    )
    assert unbake(svg) == '{"a": 1}'


def test_plain_badges_hold_nothing() -> None:
    assert unbake(png_badge()) is None
    assert unbake(SVG_BADGE) is None


@pytest.mark.parametrize("image", [png_badge(), SVG_BADGE], ids=["png", "svg"])
def test_baking_twice_is_refused(image: bytes, credential_jwt: str) -> None:
    with pytest.raises(EnvelopeError, match="already holds a baked credential"):
        bake(bake(image, credential_jwt), credential_jwt)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (png_badge()[:40], "truncated"),
        (b"GIF89a....", "must be PNG or SVG"),
        (b"<svg><openbadges:credential><g/></openbadges:credential></svg>", "other elements"),
        (b"<svg><openbadges:credential>{}</svg>", "never closed"),
        (b"<svg><openbadges:credential/></svg>", "is empty"),
        (b"<svg>\xff<openbadges:credential>{}</openbadges:credential></svg>", "not UTF-8"),
    ],
)
def test_damaged_badges_are_not_unbaked(image: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        unbake(image)


@pytest.mark.parametrize(
    ("image", "message"),
    [(b"GIF89a....", "must be PNG or SVG"), (b"<svg/>", "SVG is empty"), (b"<svg", "no <svg>")],
)
def test_images_that_cannot_be_baked(image: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        bake(image, "{}")


def test_hostile_badges_cost_linear_time() -> None:
    start = time.perf_counter()
    many_cdata = b"<![CDATA[x]]>" * 50_000 + b"<![CDATA[" * 50_000
    svg = b"<svg><openbadges:credential>" + many_cdata + b"</openbadges:credential></svg>"
    with pytest.raises(EnvelopeError, match="unclosed CDATA"):
        unbake(svg)
    plain = png_badge()
    empty_chunk = b"\0\0\0\0tEXt\0\0\0\0"
    many_chunks = plain[:33] + empty_chunk * 200_000 + plain[33:]
    assert unbake(many_chunks) is None
    assert time.perf_counter() - start < 5


def test_svg_with_no_baked_credential_is_named() -> None:
    with pytest.raises(EnvelopeError, match="SVG holds no baked credential"):
        open_input(SVG_BADGE)


def test_oversized_credential() -> None:
    with pytest.raises(EnvelopeError, match="larger than"):
        bake(png_badge(), "x" * (MAX_CREDENTIAL_BYTES + 1))


# -- the command line ---------------------------------------------------------------------------


def run(*args: str) -> Any:
    from click.testing import CliRunner

    from vcportable.cli import cli

    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cli_bake_and_unbake(tmp_path: Path, credential_json: str, suffix: str) -> None:
    image = tmp_path / f"badge{suffix}"
    image.write_bytes(png_badge() if suffix == ".png" else SVG_BADGE)
    cred = tmp_path / "signed.json"
    cred.write_text(credential_json)
    out = tmp_path / f"baked{suffix}"
    baked = run("badge", "bake", str(cred), "--image", str(image), "--out", str(out))
    assert baked.exit_code == 0, baked.output
    unbaked = run("badge", "unbake", str(out))
    assert unbaked.exit_code == 0
    assert unbaked.stdout == credential_json + "\n"
    assert json.loads(run("qr", "decode", str(out)).stdout) == json.loads(credential_json)
    again = run("badge", "bake", str(cred), "--image", str(image), "--out", str(out))
    assert again.exit_code == 4 and "--force" in again.stderr
    plain = run("badge", "unbake", str(image))
    assert plain.exit_code == 3 and "holds no baked credential" in plain.stderr


def test_cli_bake_refuses_what_is_not_json(tmp_path: Path) -> None:
    image = tmp_path / "badge.png"
    image.write_bytes(png_badge())
    cred = tmp_path / "broken.json"
    cred.write_text('{"a": ')
    result = run("badge", "bake", str(cred), "--image", str(image), "--out", str(tmp_path / "o"))
    assert result.exit_code != 0 and "not valid JSON" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_damaged_compressed_chunk_is_an_envelope_error() -> None:
    """A compressed iTXt chunk with bad zlib data, another compression method or bytes after
    its data: one clear error, never zlib's own exception or a silently shortened credential."""
    import struct
    import zlib

    from vcportable.envelope import unbake
    from vcportable.errors import EnvelopeError

    def png_with(chunk_data: bytes) -> bytes:
        body = b"iTXt" + chunk_data
        chunk = struct.pack(">I", len(chunk_data)) + body + struct.pack(">I", zlib.crc32(body))
        ihdr = b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
        head = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
        end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
        return b"\x89PNG\r\n\x1a\n" + head + chunk + end

    prefix = b"openbadgecredential\0"
    good = zlib.compress(b'{"a":1}')
    for damaged in (
        prefix + b"\x01\x00\0\0" + b"not zlib",
        prefix + b"\x01\x07\0\0" + good,
        prefix + b"\x01\x00\0\0" + good + b"junk",
    ):
        with pytest.raises(EnvelopeError):
            unbake(png_with(damaged))
    assert unbake(png_with(prefix + b"\x01\x00\0\0" + good)) == '{"a":1}'
