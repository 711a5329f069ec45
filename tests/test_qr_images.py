"""QR images: drawn at each error-correction level, read back from photos that pillow distorts
the way a phone camera does, and refused when they hold no code, two codes, or someone else's."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from conftest import load_json, require_harness
from test_envelope import CLOCK, issuer, sample
from vcportable.envelope import decode, encode, open_input, qr_version, read_image, render
from vcportable.errors import ConfigurationError, EnvelopeError
from vcportable.verifier import Verifier


@pytest.fixture(scope="module")
def envelope() -> str:
    return encode(issuer().issue(sample()))


@pytest.fixture(scope="module")
def png(envelope: str) -> bytes:
    return render(envelope, "png")


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("L")


def _bytes(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination for the 8 perspective coefficients."""
    rows = [row + [value] for row, value in zip(matrix, vector, strict=True)]
    size = len(rows)
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[r][size] / rows[r][r] for r in range(size)]


def _perspective(image: Image.Image, inset: float) -> Image.Image:
    """The picture as a camera held at an angle sees it: one side shorter than the other."""
    w, h = image.size
    d = inset * w
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    seen = [(d, d), (w - d, 0), (w - d, h), (d, h - d)]
    matrix, vector = [], []
    for (x, y), (u, v) in zip(seen, corners, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector += [u, v]
    coeffs = _solve(matrix, vector)
    return image.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, fillcolor=255)


def _low_contrast(image: Image.Image) -> Image.Image:
    return image.point(lambda p: 105 + p * 50 // 255)


def _photo(image: Image.Image) -> Image.Image:
    """Everything at once: on a grey desk, tilted, at an angle, soft, small, dim, JPEG."""
    desk = Image.new("L", (image.width + 400, image.height + 300), 120)
    desk.paste(image, (200, 120))
    shot = _perspective(desk.rotate(8, fillcolor=120, expand=True), 0.06)
    shot = shot.filter(ImageFilter.GaussianBlur(1.5)).resize((700, 640))
    shot = ImageEnhance.Contrast(shot).enhance(0.45)
    return _image(_bytes(shot, "JPEG", quality=45))


DISTORTIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "rotated 17 degrees": lambda i: i.rotate(17, fillcolor=255, expand=True),
    "upside down": lambda i: i.rotate(180),
    "perspective": lambda i: _perspective(i, 0.12),
    "blurred": lambda i: i.filter(ImageFilter.GaussianBlur(3)),
    "down-scaled to 3 px a module": lambda i: i.resize((i.width * 3 // 10, i.height * 3 // 10)),
    "JPEG quality 15": lambda i: _image(_bytes(i, "JPEG", quality=15)),
    "low contrast": _low_contrast,
    "phone photo": _photo,
}


@pytest.mark.parametrize("distortion", DISTORTIONS, ids=list(DISTORTIONS))
def test_distorted_photo_is_read(png: bytes, envelope: str, distortion: str) -> None:
    photo = DISTORTIONS[distortion](_image(png))
    assert read_image(_bytes(photo)) == envelope


def test_photo_as_jpeg_file_opens_to_the_signed_credential(
    png: bytes, envelope: str, tmp_path: Path
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(_bytes(_photo(_image(png)), "JPEG", quality=60))
    assert read_image(path) == envelope
    opened = open_input(path.read_bytes())
    assert opened == decode(envelope)
    assert Verifier(clock=CLOCK).verify(opened).verified


def test_error_correction_levels_grow_the_code(envelope: str) -> None:
    versions = [qr_version(envelope, ec=level) for level in "LMQH"]
    assert versions == sorted(versions) and versions[0] < versions[-1]
    assert versions[1] <= 18
    with pytest.raises(ConfigurationError, match="not one of L, M, Q, H"):
        qr_version(envelope, ec="X")


def test_svg(envelope: str) -> None:
    svg = render(envelope, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<path" in svg
    with pytest.raises(ConfigurationError, match="not one of png, svg, terminal"):
        render(envelope, "gif")  # type: ignore[arg-type]


def test_terminal_art_scans(envelope: str) -> None:
    lines = render(envelope, "terminal").decode("utf-8").splitlines()
    modules = 17 + 4 * qr_version(envelope) + 8  # with the quiet zone
    assert len(lines) == (modules + 1) // 2
    rows: list[list[bool]] = []
    for line in lines:  # each cell: foreground = upper module, background = lower module
        cells = re.findall(r"\x1b\[(\d+);(\d+)m\u2580", line)
        assert len(cells) == modules
        rows += [[fg == "30" for fg, _ in cells], [bg == "40" for _, bg in cells]]
    picture = Image.new("L", (modules, len(rows)), 255)
    picture.putdata([0 if dark else 255 for row in rows for dark in row])
    assert read_image(_bytes(picture.resize((modules * 6, len(rows) * 6)))) == envelope


def test_too_long_for_a_qr_code() -> None:
    with pytest.raises(EnvelopeError, match="do not fit in any QR code"):
        render("A" * 4297, "png")


# -- refusals -------------------------------------------------------------------------------


def test_image_without_qr_code() -> None:
    blank = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(blank).text((20, 20), "no code here", fill=0)
    with pytest.raises(EnvelopeError, match="no QR code found"):
        read_image(_bytes(blank))


def test_two_qr_codes_in_one_image(png: bytes) -> None:
    one, other = _image(png), _image(render(encode({"name": "another"}), "png"))
    both = Image.new("L", (one.width + other.width, one.height), 255)
    both.paste(one, (0, 0))
    both.paste(other, (one.width, 0))
    with pytest.raises(EnvelopeError, match="holds 2 QR codes"):
        read_image(_bytes(both))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://example.com/login", "a web address 'https://example.com/login'"),
        ("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N", "EU Digital COVID Certificate"),
    ],
)
def test_qr_code_that_is_not_ours(text: str, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        open_input(render(text, "png"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 20, "damaged image|not an image"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "damaged image|not an image"),
    ],
)
def test_broken_images(data: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        open_input(data)


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(10_000, 10_000), (60_000, 60_000)])
def test_image_claiming_too_many_pixels_is_refused_before_decoding(size: tuple[int, int]) -> None:
    with pytest.raises(EnvelopeError, match="pixels"):
        read_image(_png_claiming(*size))


def test_an_image_wider_than_zxing_reads_is_refused() -> None:
    """40 megapixels (under the cap) but 100,000 wide: zxing-cpp's own limit is 65,535."""
    with pytest.raises(EnvelopeError, match="a side longer than 65535"):
        read_image(_png_claiming(100_000, 400))


def test_a_photo_whose_exif_cannot_be_read_is_read_as_it_is(envelope: str, png: bytes) -> None:
    """Orientation 6 beside an XResolution written as text: PIL's turning raises TypeError;
    the pixels are read unturned (zxing finds a code whatever its rotation)."""
    tags = [
        struct.pack("<HHI4s", 0x0112, 3, 1, struct.pack("<H", 6) + b"\0\0"),  # Orientation 6
        struct.pack("<HHI4s", 0x011A, 2, 4, b"abc\0"),  # XResolution as ASCII
    ]
    tiff = b"II*\x00" + struct.pack("<IH", 8, len(tags)) + b"".join(tags) + b"\0\0\0\0"
    photo = _bytes(_image(png).convert("RGB"), "JPEG", exif=b"Exif\x00\x00" + tiff)
    assert read_image(photo) == envelope


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(EnvelopeError, match="cannot read"):
        read_image(tmp_path / "missing.png")


# -- interop: the reference implementation's credential through a QR code -------------------


@pytest.mark.node
def test_harness_credential_survives_a_qr_code(tmp_path: Path) -> None:
    harness = require_harness()
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps(load_json("interop/sample-unsigned.json")))

    def node(script: str, path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["node", script, str(path)], cwd=harness, capture_output=True, text=True, timeout=120
        )

    issued = node("issue.mjs", source)
    assert issued.returncode == 0, issued.stderr
    scanned = read_image(_bytes(_photo(_image(render(encode(issued.stdout), "png")))))
    decoded = decode(scanned)
    assert isinstance(decoded, bytes)
    assert json.loads(decoded) == json.loads(issued.stdout)
    back = tmp_path / "scanned.json"
    back.write_bytes(decoded)
    verified = node("verify.mjs", back)
    assert json.loads(verified.stdout)["verified"] is True, verified.stdout
    assert Verifier().verify(decoded).verified


# -- the command line ---------------------------------------------------------------------------


def run(*args: str, input: bytes | None = None) -> Any:
    from click.testing import CliRunner

    from vcportable.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def signed_file(tmp_path: Path) -> Path:
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(issuer().issue(sample()), indent=2))
    return path


def test_cli_encode_to_png_and_decode_the_photo(signed_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    result = run("qr", "encode", str(signed_file), "--out", str(out), "--ec", "q")
    assert result.exit_code == 0, result.output
    assert "QR version" in result.stderr and "error correction Q" in result.stderr
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(_bytes(_photo(_image(out.read_bytes())), "JPEG", quality=60))
    decoded = run("qr", "decode", str(photo))
    assert decoded.exit_code == 0, decoded.output
    assert json.loads(decoded.stdout) == json.loads(signed_file.read_text())
    again = run("qr", "encode", str(signed_file), "--out", str(out))
    assert again.exit_code == 4 and "--force" in again.stderr


def test_cli_encode_text_svg_and_terminal(signed_file: Path, tmp_path: Path) -> None:
    text = run("qr", "encode", str(signed_file))
    assert text.exit_code == 0 and text.stdout.startswith("VC:")
    envelope = tmp_path / "envelope.txt"
    envelope.write_text(text.stdout)
    assert json.loads(run("qr", "decode", str(envelope)).stdout) == json.loads(
        signed_file.read_text()
    )
    svg = tmp_path / "card.svg"
    assert run("qr", "encode", str(signed_file), "--out", str(svg)).exit_code == 0
    assert svg.read_bytes().lstrip().startswith(b"<?xml")
    terminal = run("qr", "encode", str(signed_file), "--out", "-")
    assert terminal.exit_code == 0 and "▀" in terminal.stdout
    bad = run("qr", "encode", str(signed_file), "--out", str(tmp_path / "card.gif"))
    assert bad.exit_code == 2 and ".png or .svg" in bad.stderr


def test_cli_decode_names_what_it_found(tmp_path: Path) -> None:
    covid = tmp_path / "covid.txt"
    covid.write_text("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N\n")
    result = run("qr", "decode", str(covid))
    assert result.exit_code == 3
    assert "EU Digital COVID Certificate" in result.stderr
    url = tmp_path / "url.png"
    url.write_bytes(render("https://example.com/", "png"))
    assert "a web address" in run("qr", "decode", str(url)).stderr
    plain = tmp_path / "plain.json"
    plain.write_text('{"a": 1}')
    assert "not a vcportable envelope" in run("qr", "decode", str(plain)).stderr
    assert run("qr", "decode", str(tmp_path / "missing.png")).exit_code == 3
