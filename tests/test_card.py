"""The wallet card: a PNG whose QR code a camera reads back into a credential that verifies,
and a printable HTML page; both in the chosen language, with nothing a credential says able
to inject markup or disguise text."""

from __future__ import annotations

import base64
import html
import io
import re

import pytest
from PIL import Image

from test_envelope import CLOCK, issuer, sample
from vcportable.card import CARD_PIXELS, CardText, lines, render_card
from vcportable.envelope import decode, encode, read_image
from vcportable.verifier import Verifier

TEXT = CardText(
    holder="María José Pérez",
    achievement="Carpenter Level 2",
    issuer="Vocational Certification Board, Municipality of Example",
    valid_from="2025-03-01T00:00:00Z",
    valid_until="2030-03-01T00:00:00Z",
)


@pytest.fixture(scope="module")
def envelope() -> str:
    return encode(issuer().issue(sample()))


@pytest.mark.parametrize("ec", ["M", "H"])
def test_the_png_card_scans_back_into_a_credential_that_verifies(envelope: str, ec: str) -> None:
    png = render_card(TEXT, envelope, "png", lang="es", ec=ec)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == CARD_PIXELS
    text = read_image(png)
    assert text == envelope
    assert Verifier(clock=CLOCK).verify(decode(text)).verified


def test_the_png_card_survives_a_phone_photo(envelope: str) -> None:
    card = Image.open(io.BytesIO(render_card(TEXT, envelope, "png", lang="en"))).convert("L")
    photo = card.rotate(7, expand=True, fillcolor=255).resize((800, 560))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=60)
    assert read_image(out.getvalue()) == envelope


def test_the_html_card(envelope: str) -> None:
    page = render_card(TEXT, envelope, "html", lang="de").decode("utf-8")
    assert '<html lang="de">' in page
    for word in ("Inhaber/in", "Abschluss", "Ausgestellt von", "Gültig", "ab 2025-03-01"):
        assert word in page
    assert html.escape(TEXT.holder or "") in page
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", page).group(1))  # type: ignore[union-attr]
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg


def test_nothing_a_credential_says_becomes_markup_or_disguise(envelope: str) -> None:
    hostile = CardText(
        holder='<script>alert("x")</script>',
        achievement="Carpenter \u202eLevel 9",  # a right-to-left override would reorder text
        issuer="Board\x1b[31m",
        valid_from=None,
        valid_until=None,
    )
    page = render_card(hostile, envelope, "html", lang="en").decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\u202e" not in page and "\\u202e" in page
    assert "\x1b" not in page
    render_card(hostile, envelope, "png", lang="en")  # draws, without error


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("en", ["Holder", "Achievement", "Issued by", "Valid"]),
        ("es-ES", ["Titular", "Logro", "Emitido por", "Válido"]),
        ("fr", ["Titulaire", "Réussite", "Délivré par", "Valable"]),
        ("ja", ["Holder", "Achievement", "Issued by", "Valid"]),  # no catalogue: English
        (None, ["Holder", "Achievement", "Issued by", "Valid"]),
    ],
)
def test_labels_in_the_chosen_language(lang: str | None, labels: list[str]) -> None:
    assert [name for name, _ in lines(TEXT, lang)] == labels


def test_missing_facts_are_left_out_never_invented() -> None:
    bare = CardText(None, "Carpenter Level 2", None, None, None)
    assert lines(bare, "en") == [("Achievement", "Carpenter Level 2")]
    open_ended = CardText(None, None, None, "2025-03-01T00:00:00Z", None)
    assert lines(open_ended, "es") == [("Válido", "desde 2025-03-01 sin fecha de fin")]


def test_long_texts_are_cut(envelope: str) -> None:
    long = CardText("x" * 5000, "word " * 1000, None, None, None)
    rows = dict(lines(long, "en"))
    assert all(len(value) <= 120 for value in rows.values())
    render_card(long, envelope, "png", lang="en")
