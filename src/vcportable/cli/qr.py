"""``vcportable qr`` and ``vcportable badge``: a credential as a QR code, and inside a badge.

``qr encode`` writes the envelope of docs/qr-format.md as text, PNG, SVG or terminal art and
says how big it is; ``qr decode`` gives back exactly what was signed, from a photo or the text.
``badge bake``/``unbake`` follow the Open Badges 3.0 baking rules.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import click

from .io import (
    Unreadable,
    as_text,
    claim_output,
    echo,
    label,
    read_input,
    write_file,
    write_output,
)

IMAGE_SUFFIXES: dict[str, Literal["png", "svg"]] = {".png": "png", ".svg": "svg"}
EC_CHOICE = click.Choice(["L", "M", "Q", "H"], case_sensitive=False)


def image_limit() -> int:
    from ..envelope.read import MAX_IMAGE_BYTES

    return MAX_IMAGE_BYTES


@contextlib.contextmanager
def opening_envelope(name: str) -> Iterator[None]:
    """An image or envelope that cannot be opened is an input that cannot be read (exit 3)."""
    from ..errors import EnvelopeError

    try:
        yield
    except EnvelopeError as exc:
        raise Unreadable(f"{label(name)}: {exc.message}") from None


def show_qr(text: str, out: str | None, *, ec: str, force: bool, option: str) -> None:
    """The envelope ``text``, after saying how big it is: printed as text (``out`` None), drawn
    on the terminal (``-``) or into a PNG/SVG file. ``option`` names ``out`` in errors."""
    from ..envelope import qr_version, render

    click.echo(
        f"envelope: {len(text)} characters, QR version {qr_version(text, ec=ec)} at error "
        f"correction {ec}",
        err=True,
    )
    if out is None:
        echo(text)
        return
    if out == "-":
        echo(render(text, "terminal", ec=ec).decode("utf-8").rstrip("\n"))
        return
    fmt = _image_format(out, option)
    write_file(render(text, fmt, ec=ec), out, force=force, what="QR code")


def claim_qr_output(out: str, *, force: bool, option: str) -> None:
    """Refuse, before any work (a passphrase typed, a signature made), a QR output that
    :func:`show_qr` would refuse: a file that is not .png or .svg, or that may not be written."""
    if out != "-":
        _image_format(out, option)
        claim_output(out, force=force)


def _image_format(out: str, option: str) -> Literal["png", "svg"]:
    suffix = Path(out).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise click.BadParameter("must end in .png or .svg, or be -", param_hint=option)
    return IMAGE_SUFFIXES[suffix]


@click.group()
def qr() -> None:
    """QR codes of credentials and presentations (format: docs/qr-format.md)."""


@qr.command("encode")
@click.argument("source", metavar="INPUT")
@click.option(
    "--out",
    metavar="FILE.png|FILE.svg|-",
    help="Draw the QR code into a PNG or SVG file, or on the terminal (-). Without it, print "
    "the envelope text.",
)
@click.option(
    "--ec",
    type=EC_CHOICE,
    default="M",
    show_default=True,
    help="Error correction: L 7 %, M 15 %, Q 25 %, H 30 % of the code may be damaged (H for "
    "printed cards; larger code).",
)
@click.option(
    "--kind",
    type=click.Choice(["credential", "presentation", "request"]),
    help="What the prefix announces (default: what the content is).",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def qr_encode(source: str, out: str | None, ec: str, kind: str | None, force: bool) -> None:
    """Put a credential or presentation (JSON, vc+jwt, SD-JWT; - for stdin) in a QR code.

    Prints the envelope's length and QR version on stderr.
    """
    from ..envelope import encode

    text = encode(as_text(read_input(source), source), kind=kind)
    show_qr(text, out, ec=ec.upper(), force=force, option="--out")


@qr.command("decode")
@click.argument("source", metavar="IMAGE|TEXTFILE")
@click.option("--out", metavar="FILE", help="Write the credential here instead of printing it.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def qr_decode(source: str, out: str | None, force: bool) -> None:
    """Print the credential or presentation in a QR code exactly as it was signed.

    IMAGE: a PNG or JPEG photo of the QR code, or a baked badge; TEXTFILE: the envelope text
    (- for stdin). JSON comes out compact, a token as its compact text.
    """
    from ..envelope import describe_foreign, open_input

    data = read_input(source, image_limit())
    with opening_envelope(source):
        content = open_input(data, requests=True)
    if content is None:
        raise Unreadable(f"{label(source)}: {describe_foreign(as_text(data, source).strip())}")
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    write_output(text, out, force=force, what="credential")


@click.group()
def badge() -> None:
    """Open Badges 3.0 baking: the credential inside the badge image."""


@badge.command("bake")
@click.argument("credential", metavar="CRED")
@click.option(
    "--image", required=True, metavar="BADGE.png|BADGE.svg", help="The badge image to bake into."
)
@click.option("--out", required=True, metavar="FILE", help="The baked badge to write.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def badge_bake(credential: str, image: str, out: str, force: bool) -> None:
    """Bake a signed credential (JSON with its proof, or a vc+jwt; - for stdin) into a badge."""
    from ..codec.json import parse_json
    from ..envelope import bake

    text = as_text(read_input(credential), credential).strip()
    if text.startswith("{"):
        parse_json(text, what=label(credential))  # only JSON goes into a badge
    with opening_envelope(image):
        baked = bake(read_input(image, image_limit()), text)
    write_file(baked, out, force=force, what="baked badge")


@badge.command("unbake")
@click.argument("source", metavar="FILE")
@click.option("--out", metavar="FILE", help="Write the credential here instead of printing it.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def badge_unbake(source: str, out: str | None, force: bool) -> None:
    """Print the credential baked into a PNG or SVG badge, as it was baked."""
    from ..envelope import unbake

    with opening_envelope(source):
        text = unbake(read_input(source, image_limit()))
    if text is None:
        raise Unreadable(f"{label(source)} holds no baked credential")
    write_output(text, out, force=force, what="credential")
