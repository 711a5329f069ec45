"""The wallet card: the credential's QR code with what a person reads on it (holder,
achievement, issuer, validity), as a PNG for a phone screen or a printable HTML page.

The card is a convenience for people; the QR code is what counts: an employer scans it and
verifies the credential inside. Nothing on the card is trusted by anyone, so it only repeats
what the credential says, escaped (HTML) or with control characters made visible (PNG).
Labels come in the card's language (English, Spanish, French, German; others fall back to
English, as everywhere in vcportable).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from .display import safe
from .envelope import render
from .envelope.render import PNG_BOX_PIXELS
from .i18n import normalize_language, pick_text

if TYPE_CHECKING:
    from PIL import ImageFont
    from PIL.Image import Image

    from .models.report import VerificationReport

CardFormat = Literal["png", "html"]

#: The card's labels in each language (picked like every other text: exact tag, primary
#: language, then English).
LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "holder": {"en": "Holder", "es": "Titular", "fr": "Titulaire", "de": "Inhaber/in"},
    "achievement": {"en": "Achievement", "es": "Logro", "fr": "Réussite", "de": "Abschluss"},
    "issuer": {
        "en": "Issued by",
        "es": "Emitido por",
        "fr": "Délivré par",
        "de": "Ausgestellt von",
    },
    "valid": {"en": "Valid", "es": "Válido", "fr": "Valable", "de": "Gültig"},
    "from": {"en": "from", "es": "desde", "fr": "du", "de": "ab"},
    "until": {"en": "until", "es": "hasta", "fr": "au", "de": "bis"},
    "no_end": {
        "en": "no end date",
        "es": "sin fecha de fin",
        "fr": "sans date de fin",
        "de": "unbefristet",
    },
    "scan": {
        "en": "Scan to verify",
        "es": "Escanee para verificar",
        "fr": "Scannez pour vérifier",
        "de": "Zum Prüfen scannen",
    },
}
#: ID-1 (credit card) size at 300 dpi: 85.6 x 54 mm.
CARD_PIXELS: Final = (1011, 638)
_MARGIN: Final = 36
_MAX_FIELD_CHARS: Final = 120
_MAX_LINES: Final = 2
#: Fonts tried for the PNG, in order: Linux, Windows and macOS names.
_FONTS: Final = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "arial.ttf", "Helvetica.ttc")


@dataclass(frozen=True)
class CardText:
    """What the card says besides its QR code; a missing fact is left out, never invented."""

    holder: str | None
    achievement: str | None
    issuer: str | None
    valid_from: str | None
    valid_until: str | None

    @classmethod
    def from_report(cls, report: VerificationReport) -> CardText:
        """What a credential's report states (pass it through
        :func:`~vcportable.models.facts.in_language` first for the card's language)."""
        achievement = report.achievement.name if report.achievement is not None else None
        return cls(
            holder=report.subject_name,
            achievement=achievement or report.name,
            issuer=report.issuer_name or report.issuer,
            valid_from=report.valid_from,
            valid_until=report.valid_until,
        )


def label(key: str, lang: str | None) -> str:
    return pick_text(LABELS[key], lang)


def lines(text: CardText, lang: str | None) -> list[tuple[str, str]]:
    """(label, value) rows of the card, in reading order."""
    rows = [
        (label("holder", lang), text.holder),
        (label("achievement", lang), text.achievement),
        (label("issuer", lang), text.issuer),
        (label("valid", lang), _validity(text, lang)),
    ]
    return [(name, _clean(value)) for name, value in rows if value]


def render_card(
    text: CardText, envelope: str, format: CardFormat, *, lang: str | None, ec: str = "M"
) -> bytes:
    """The card as PNG bytes or as a UTF-8 HTML page; ``ec`` is the QR code's error
    correction (Q or H for a printed card that may get scratched)."""
    if format == "html":
        return _html(text, envelope, lang, ec).encode("utf-8")
    return _png(text, envelope, lang, ec)


def _validity(text: CardText, lang: str | None) -> str | None:
    start, end = _date(text.valid_from), _date(text.valid_until)
    if start is None and end is None:
        return None
    parts = [f"{label('from', lang)} {start}"] if start else []
    parts.append(f"{label('until', lang)} {end}" if end else label("no_end", lang))
    return " ".join(parts)


def _date(value: str | None) -> str | None:
    """The day of an XSD date-time: what a person needs, in a form no one misreads."""
    return value[:10] if value else None


def _clean(value: str) -> str:
    """One line of at most :data:`_MAX_FIELD_CHARS`, control and format characters (bidi
    overrides, zero-width) made visible so that no text can disguise another."""
    shown = safe(value)
    return shown if len(shown) <= _MAX_FIELD_CHARS else shown[: _MAX_FIELD_CHARS - 1] + "…"


# -- PNG ------------------------------------------------------------------------------------


def _png(text: CardText, envelope: str, lang: str | None, ec: str) -> bytes:
    from PIL import Image, ImageDraw

    width, height = CARD_PIXELS
    card = Image.new("RGB", CARD_PIXELS, "white")
    code = _qr_image(envelope, height - 2 * _MARGIN, ec)
    card.paste(code, (width - code.width - _MARGIN // 2, (height - code.height) // 2))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, height - 1), outline="#888888", width=2)
    column = width - code.width - 2 * _MARGIN
    small, large = _font(22), _font(30)
    y = _MARGIN
    for name, value in lines(text, lang):
        draw.text((_MARGIN, y), name, fill="#555555", font=small)
        y += 28
        wrapped = _wrap(value, large, column)
        shown = wrapped[:_MAX_LINES]
        if len(wrapped) > _MAX_LINES:  # four facts of two lines each fit above "scan"
            shown[-1] = shown[-1][:-1] + "…"
        for line in shown:
            draw.text((_MARGIN, y), line, fill="black", font=large)
            y += 36
        y += 14
    draw.text((_MARGIN, height - _MARGIN - 22), label("scan", lang), fill="#555555", font=small)
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A system font with accented letters (Pillow finds it by name in the system's font
    folders); Pillow's own font, which has ASCII only, when none is installed."""
    from PIL import ImageFont

    for name in _FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _qr_image(envelope: str, size: int, ec: str) -> Image:
    """The QR code scaled to whole pixels per module (a blurred module can fail a scan)."""
    from PIL import Image

    drawn = Image.open(io.BytesIO(render(envelope, "png", ec=ec))).convert("L")
    modules = drawn.width // PNG_BOX_PIXELS
    box = max(1, size // modules)
    return drawn.resize((modules * box, modules * box), Image.Resampling.NEAREST)


def _wrap(value: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """``value`` broken into lines of at most ``width`` pixels (a long word is cut)."""
    result: list[str] = []
    line = ""
    for word in value.split(" "):
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            result.append(line)
        while font.getlength(word) > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            result.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        result.append(line)
    return result


# -- HTML -----------------------------------------------------------------------------------

_PAGE: Final = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  @page {{ size: A4; margin: 20mm; }}
  body {{ font-family: system-ui, sans-serif; color: #000; }}
  .card {{ width: 85.6mm; height: 54mm; box-sizing: border-box; border: 0.3mm solid #888;
          border-radius: 3mm; padding: 3mm; display: flex; gap: 3mm; }}
  .text {{ flex: 1; font-size: 2.6mm; overflow: hidden; }}
  dt {{ color: #555; font-size: 2mm; margin-top: 1.2mm; }}
  dd {{ margin: 0; font-weight: 600; overflow-wrap: anywhere; }}
  .qr {{ width: 46mm; height: 46mm; align-self: center; }}
  .scan {{ color: #555; font-size: 2mm; margin-top: 2mm; }}
</style>
</head>
<body>
<div class="card">
<div class="text">
<dl>
{rows}
</dl>
<p class="scan">{scan}</p>
</div>
<img class="qr" alt="QR" src="data:image/svg+xml;base64,{qr}">
</div>
</body>
</html>
"""


def _html(text: CardText, envelope: str, lang: str | None, ec: str) -> str:
    rows = "\n".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>"
        for name, value in lines(text, lang)
    )
    qr = base64.b64encode(render(envelope, "svg", ec=ec)).decode("ascii")
    return _PAGE.format(
        lang=html.escape(normalize_language(lang)),
        title=html.escape(_clean(text.achievement or "vcportable")),
        rows=rows,
        scan=html.escape(label("scan", lang)),
        qr=qr,
    )
