"""Reading the QR code out of an image: a phone photo, a scan, a screenshot.

zxing-cpp finds the code whatever its rotation and perspective, and copes with blur, low
contrast and JPEG artefacts. The image is bounded before it is decoded (bytes, then pixels),
so a small file that claims a huge size is refused without allocating it. Exactly one QR code
must be in the picture: with two, which one the employer meant is a guess.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final

from vcportable.errors import EnvelopeError

if TYPE_CHECKING:
    from PIL.Image import Image

#: Largest image file read (a 48-megapixel phone photo as JPEG is about 15 MB).
MAX_IMAGE_BYTES: Final = 32 * 1024 * 1024
#: Most pixels decoded (a 48-megapixel photo).
MAX_IMAGE_PIXELS: Final = 50_000_000
#: Widest and tallest image zxing-cpp reads.
MAX_IMAGE_SIDE: Final = 65_535


def read_image(source: str | Path | bytes) -> str:
    """The text of the one QR code in an image file (path) or image bytes.

    :class:`EnvelopeError` when the input is not an image, is too large, or holds no QR code or
    more than one.
    """
    found = read_codes(source)
    if not found:
        raise EnvelopeError(
            "no QR code found in the image (hold the camera closer, keep the code flat and lit "
            "evenly)"
        )
    if len(found) > 1:
        raise EnvelopeError(f"the image holds {len(found)} QR codes; photograph one at a time")
    return found[0]


def read_codes(source: str | Path | bytes) -> list[str]:
    """The text of every QR code in an image (:class:`EnvelopeError` for an input that is not
    an image, or is too large)."""
    import zxingcpp  # imported here: a verifier that reads no image never loads it

    found = zxingcpp.read_barcodes(_open(source), formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [str(code.text) for code in found]


def _upright(image: Image) -> Image:
    """The photo turned as its EXIF orientation says; as it is when the EXIF cannot be read
    (PIL's EXIF parsing raises TypeError, struct.error... on malformed tags, and zxing reads
    a code whatever its rotation anyway)."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001  (any failure of the metadata: the pixels still are)
        return image


def _open(source: str | Path | bytes) -> Image:
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, bytes):
        data, name = source, "the image"
    else:
        name = str(source)
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_IMAGE_BYTES + 1)
        except OSError as exc:
            raise EnvelopeError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise EnvelopeError(f"{name} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's notes on odd metadata are not the user's
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise EnvelopeError(
                    f"{name} is {width}x{height} pixels, more than {MAX_IMAGE_PIXELS:,}"
                )
            if max(width, height) > MAX_IMAGE_SIDE:
                raise EnvelopeError(
                    f"{name} is {width}x{height} pixels; a side longer than {MAX_IMAGE_SIDE} "
                    "cannot be read"
                )
            image = _upright(opened).convert("L")
    except EnvelopeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EnvelopeError(f"{name} has more than {MAX_IMAGE_PIXELS:,} pixels") from None
    except UnidentifiedImageError:
        raise EnvelopeError(f"{name} is not an image that can be read (PNG, JPEG, ...)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise EnvelopeError(f"{name} is a damaged image ({exc})") from None
    return image
