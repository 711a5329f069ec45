"""Drawing an envelope as a QR code: PNG, SVG, or text for a terminal.

The QR code is made in alphanumeric mode (the envelope uses only that set) at the smallest
version that holds it, with a four-module quiet zone that phone cameras need. The
error-correction level is the caller's choice: M (15 %) by default, H (30 %) for a printed
card that may get scratched, at the price of a larger version.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Final, Literal

from vcportable.errors import ConfigurationError, EnvelopeError

if TYPE_CHECKING:
    from qrcode import QRCode

Format = Literal["png", "svg", "terminal"]
FORMATS: Final = ("png", "svg", "terminal")
#: Error-correction levels and the share of the code that may be damaged.
EC_LEVELS: Final = {"L": "7 %", "M": "15 %", "Q": "25 %", "H": "30 %"}
#: Pixels per module in a PNG: 10 keeps a version 20 code under 1,000 pixels wide.
PNG_BOX_PIXELS: Final = 10


def qr_code(text: str, *, ec: str = "M") -> QRCode:
    """The QR code of ``text`` at the smallest version that holds it."""
    import qrcode  # imported here: verifying never draws
    import qrcode.constants
    from qrcode.exceptions import DataOverflowError

    if ec.upper() not in EC_LEVELS:
        raise ConfigurationError(f"error-correction level {ec!r} is not one of L, M, Q, H")
    level = getattr(qrcode.constants, f"ERROR_CORRECT_{ec.upper()}")
    code = qrcode.QRCode(error_correction=level, box_size=PNG_BOX_PIXELS, border=4)
    code.add_data(text, optimize=0)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise EnvelopeError(
            f"{len(text)} characters do not fit in any QR code at error-correction level {ec}"
        ) from None
    return code


def qr_version(text: str, *, ec: str = "M") -> int:
    """The QR version (1-40) that ``text`` needs at error-correction level ``ec``."""
    version: int = qr_code(text, ec=ec).version
    return version


def render(text: str, format: Format, *, ec: str = "M") -> bytes:
    """The QR code of ``text`` as PNG bytes, SVG bytes, or UTF-8 text for a terminal."""
    code = qr_code(text, ec=ec)
    if format == "terminal":
        return _terminal(code.get_matrix()).encode("utf-8")
    if format not in FORMATS:
        raise ConfigurationError(f"QR image format {format!r} is not one of {', '.join(FORMATS)}")
    from qrcode.image.pil import PilImage
    from qrcode.image.svg import SvgPathImage

    factory = PilImage if format == "png" else SvgPathImage
    buffer = io.BytesIO()
    code.make_image(image_factory=factory).save(buffer)
    return buffer.getvalue()


# Black and bright-white foreground (30, 97) and background (40, 107) colours.
_FG: Final = {True: 30, False: 97}
_BG: Final = {True: 40, False: 107}


def _terminal(modules: list[list[bool]]) -> str:
    """Two rows of modules a line, as upper half blocks with explicit colours: the code stays
    dark on light whatever the terminal's own colours are (an inverted code fails to scan)."""
    lines = []
    for y in range(0, len(modules), 2):
        top = modules[y]
        bottom = modules[y + 1] if y + 1 < len(modules) else [False] * len(top)
        cells = (f"\x1b[{_FG[t]};{_BG[b]}m\u2580" for t, b in zip(top, bottom, strict=True))
        lines.append("".join(cells) + "\x1b[0m")
    return "\n".join(lines) + "\n"
