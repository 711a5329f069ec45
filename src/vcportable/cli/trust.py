"""``vcportable trust``: the governance body builds, signs and checks the region's trust list;
``vcportable verifier``: an employer saves once which list, keys and municipality to use.

The editing commands change an *unsigned* list file in place (atomically), validating the
whole list before writing, so a file on disk is always a valid list; the file is plain JSON, or
YAML when its name ends in ``.yaml``/``.yml`` (read strictly: :mod:`vcportable.trust.yaml_file`),
and may also be edited by hand (``trust show`` and ``trust sign`` validate it; ``trust convert``
turns one form into the other). ``trust sign`` writes the signed list (JWS JSON) for
publication, or adds a board's signature to one.

``trust_options`` and :func:`trust_setup` give ``vcportable verify`` its trust list options and
turn them (or the saved verifier profile) into a resolver and the trust check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .io import (
    Unreadable,
    Unwritable,
    echo,
    load_key,
    passphrase_env_option,
    read_input,
    write_output,
)
from .profile import (
    DEFAULT_GRACE_DAYS,
    MAX_LIST_FILE_BYTES,
    PROFILE_ENV,
    Profile,
    TrustSetup,
    _anchor,
    _public_key,
    profile_path,
    trust_options,
    trust_setup,
    verdict_line,
)

if TYPE_CHECKING:
    from ..trust.model import TrustList
    from ..trust.signing import GovernanceAnchor, SignedTrustList

__all__ = ["TrustSetup", "trust", "trust_options", "trust_setup", "verdict_line", "verifier"]


F = TypeVar("F", bound=Callable[..., Any])


# -- shared parsing -----------------------------------------------------------------------------


def _texts(values: Sequence[str], option: str) -> dict[str, str]:
    """``--name en=Riverside --name es=Ribera`` -> ``{"en": "Riverside", "es": "Ribera"}``."""
    texts: dict[str, str] = {}
    for value in values:
        lang, sep, text = value.partition("=")
        if not sep or not lang or not text:
            raise click.BadParameter(
                f"{value!r} is not LANG=TEXT (e.g. en=Riverside)", param_hint=option
            )
        texts[lang] = text
    return texts


def _instant(value: str | None, option: str) -> datetime | None:
    from ..clock import judged_year_problem, parse_datetime

    if value is None:
        return None
    try:
        instant = parse_datetime(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None
    if (problem := judged_year_problem(instant)) is not None:  # refused by the list too
        raise click.BadParameter(problem, param_hint=option)
    return instant


def _iso(instant: datetime) -> str:
    from ..clock import format_datetime

    return format_datetime(instant)


def _read_list(path: str) -> tuple[TrustList, SignedTrustList | None]:
    """A list file, signed (JWS JSON; signatures not checked here) or not, validated. A
    ``.yaml``/``.yml`` file is an unsigned list in YAML, read as strictly as JSON."""
    from ..codec.json import parse_json
    from ..errors import InputError
    from ..trust.model import parse_trust_list
    from ..trust.signing import SignedTrustList
    from ..trust.yaml_file import is_yaml_path, load_yaml

    data = read_input(path, MAX_LIST_FILE_BYTES)
    try:
        if is_yaml_path(path):
            value = load_yaml(data, max_bytes=MAX_LIST_FILE_BYTES, what=path)
        else:
            value = parse_json(data, max_bytes=MAX_LIST_FILE_BYTES, what=path)
    except InputError as exc:
        raise Unreadable(exc.message) from None
    if isinstance(value, dict) and {"payload", "signatures"} <= value.keys():
        if is_yaml_path(path):
            raise click.UsageError(f"{path}: a signed list is JWS JSON; keep it in a .json file")
        signed = SignedTrustList.parse(data)
        return signed.trust_list(), signed
    return parse_trust_list(value), None


def _load_list(path: str) -> TrustList:
    """An unsigned list file, validated (the files the editing commands change)."""
    trust_list, signed = _read_list(path)
    if signed is not None:
        raise click.UsageError(f"{path} is a signed list; edit the unsigned list and sign again")
    return trust_list


def _list_text(trust_list: TrustList, path: str) -> str:
    """The list as the file ``path`` keeps it: YAML for ``.yaml``/``.yml``, else JSON."""
    from ..errors import InputError
    from ..trust.yaml_file import dump_yaml, is_yaml_path

    data = trust_list.to_json_dict()
    if not is_yaml_path(path):
        return json.dumps(data, indent=2, ensure_ascii=False)
    try:
        return dump_yaml(data).rstrip("\n")
    except InputError as exc:  # PyYAML is not installed
        raise click.UsageError(exc.message) from None


def _save_list(path: str, data: dict[str, Any], *, force: bool = True) -> TrustList:
    """Validate the whole edited list, then write it in place."""
    from ..trust.model import parse_trust_list

    trust_list = parse_trust_list(data)
    write_output(_list_text(trust_list, path), path, force=force, what="trust list")
    return trust_list


def _edit(path: str, change: Callable[[dict[str, Any]], None]) -> None:
    data = _load_list(path).to_json_dict()
    change(data)
    _save_list(path, data)


def _scope(
    achievements: Sequence[str],
    alignments: Sequence[str],
    types: Sequence[str],
    max_eqf: int | None,
) -> dict[str, Any]:
    scope: dict[str, Any] = {"achievements": list(achievements), "alignments": list(alignments)}
    if types:
        scope["achievementTypes"] = list(types)
    if max_eqf is not None:
        scope["maxEqfLevel"] = max_eqf
    return scope


def _scope_options(f: F) -> F:
    for option in reversed(
        [
            click.option(
                "--achievement",
                "achievements",
                multiple=True,
                metavar="PATTERN",
                help="Achievement id, or a prefix ending in * (repeatable).",
            ),
            click.option(
                "--alignment",
                "alignments",
                multiple=True,
                metavar="PATTERN",
                help="FRAMEWORK:code, or a prefix ending in *, e.g. ESCO:71* (repeatable).",
            ),
            click.option(
                "--achievement-type",
                "types",
                multiple=True,
                metavar="TYPE",
                help="Only these OB 3.0 achievement types (repeatable).",
            ),
            click.option("--max-eqf", type=click.IntRange(1, 8), help="Highest EQF level."),
        ]
    ):
        f = option(f)
    return f


def _publication_options(f: F) -> F:
    """``--issued`` and ``--valid-days``: the dates of a publication (see :func:`_dates`)."""
    f = click.option(
        "--valid-days",
        type=click.IntRange(1, 3660),
        default=30,
        show_default=True,
        help="Days until nextUpdate.",
    )(f)
    return click.option("--issued", metavar="ISO-TIME", help="Issue time (default: now).")(f)


def _governance_options(help: str, *, required: bool = True) -> Callable[[F], F]:
    """``--governance-key`` (repeatable; ``help`` says whose keys) and ``--threshold``."""

    def apply(f: F) -> F:
        f = click.option(
            "--threshold", type=click.IntRange(1), help="Signatures required (default: all)."
        )(f)
        keys = click.option(
            "--governance-key", "keys", multiple=True, required=required, metavar="KEY", help=help
        )
        return keys(f)

    return apply


_grace_days_option = click.option(
    "--grace-days",
    type=click.IntRange(0, 365),
    default=DEFAULT_GRACE_DAYS,
    show_default=True,
    help="Days a list past its nextUpdate is still used, with a warning.",
)


def _dates(issued: str | None, valid_days: int) -> dict[str, str]:
    """The ``issued`` and ``nextUpdate`` members from :func:`_publication_options`."""
    from ..clock import SystemClock

    start = _instant(issued, "--issued") or SystemClock().now()
    return {"issued": _iso(start), "nextUpdate": _iso(start + timedelta(days=valid_days))}


# -- trust --------------------------------------------------------------------------------------


@click.group()
def trust() -> None:
    """Build, sign and check the region's trust list (governance body)."""


@trust.command("init")
@click.argument("file", metavar="FILE")
@click.option("--id", "list_id", required=True, help="The list's id (a URI).")
@click.option(
    "--name",
    "names",
    multiple=True,
    required=True,
    metavar="LANG=TEXT",
    help="The region's name, per language (repeatable).",
)
@_governance_options("A board's key file or publicKeyMultibase (repeatable).")
@click.option(
    "--sequence",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="Publication number; each list must exceed the last one accepted (`trust bump`).",
)
@_publication_options
@click.option("--force", is_flag=True, help="Replace an existing file.")
def trust_init(
    file: str,
    list_id: str,
    names: tuple[str, ...],
    keys: tuple[str, ...],
    threshold: int | None,
    sequence: int,
    issued: str | None,
    valid_days: int,
    force: bool,
) -> None:
    """Create an unsigned trust list FILE with its governance keys."""
    anchor = _anchor(keys, threshold)
    data = {
        "id": list_id,
        "name": _texts(names, "--name"),
        "sequence": sequence,
        **_dates(issued, valid_days),
        "governance": _governance_set(anchor),
    }
    _save_list(file, data, force=force)


def _governance_set(anchor: GovernanceAnchor) -> dict[str, Any]:
    return {
        "threshold": anchor.threshold,
        "keys": [
            {"id": f"board-{n}", "publicKeyMultibase": key.to_multibase()}
            for n, key in enumerate(anchor.keys, 1)
        ],
    }


@trust.command("add-municipality")
@click.argument("file", metavar="FILE")
@click.argument("municipality_id", metavar="ID")
@click.option("--name", "names", multiple=True, required=True, metavar="LANG=TEXT")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. ES.")
@click.option("--region", "region_name", help="Region or province.")
def trust_add_municipality(
    file: str, municipality_id: str, names: tuple[str, ...], country: str, region_name: str | None
) -> None:
    """Add a municipality to the list FILE."""
    entry: dict[str, Any] = {
        "id": municipality_id,
        "name": _texts(names, "--name"),
        "country": country,
    }
    if region_name:
        entry["region"] = region_name
    _edit(file, lambda d: d.setdefault("municipalities", []).append(entry))


@trust.command("add-issuer")
@click.argument("file", metavar="FILE")
@click.argument("issuer_id", metavar="ISSUER")
@click.option("--name", "names", multiple=True, required=True, metavar="LANG=TEXT")
@click.option("--municipality", required=True, help="The municipality id it belongs to.")
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    metavar="KEY",
    help="Its signing key: key file or publicKeyMultibase (repeatable).",
)
@_scope_options
@click.option("--active-from", metavar="ISO-TIME", help="Accredited since (default: now).")
def trust_add_issuer(
    file: str,
    issuer_id: str,
    names: tuple[str, ...],
    municipality: str,
    keys: tuple[str, ...],
    achievements: tuple[str, ...],
    alignments: tuple[str, ...],
    types: tuple[str, ...],
    max_eqf: int | None,
    active_from: str | None,
) -> None:
    """Add an accredited issuer (an https URL or a DID) with its keys and scope."""
    from ..clock import SystemClock

    listed = []
    for number, value in enumerate(keys, 1):
        key_id = f"{issuer_id}#key-{number}"
        if Path(value).is_file():
            from ..keys import read_key_file_info

            info = read_key_file_info(value)
            key_id = info.key_id if info.key_id.startswith(issuer_id + "#") else key_id
        public = _public_key(value, "--key").to_multibase()
        listed.append({"id": key_id, "publicKeyMultibase": public})
    since = _instant(active_from, "--active-from") or SystemClock().now()
    entry = {
        "id": issuer_id,
        "name": _texts(names, "--name"),
        "municipality": municipality,
        "keys": listed,
        "accreditations": [_scope(achievements, alignments, types, max_eqf)]
        if achievements or alignments
        else [],
        "status": [{"status": "active", "from": _iso(since)}],
    }
    _edit(file, lambda d: d.setdefault("issuers", []).append(entry))


@trust.command("set-status")
@click.argument("file", metavar="FILE")
@click.argument("issuer_id", metavar="ISSUER")
@click.option("--status", type=click.Choice(["active", "suspended", "withdrawn"]), required=True)
@click.option("--from", "since", metavar="ISO-TIME", help="Effective from (default: now).")
@click.option(
    "--retroactive",
    is_flag=True,
    help="Also distrust credentials issued before (a stolen key, fraud).",
)
def trust_set_status(
    file: str, issuer_id: str, status: str, since: str | None, retroactive: bool
) -> None:
    """Suspend, withdraw or reinstate an issuer from a date."""
    from ..clock import SystemClock

    event: dict[str, Any] = {
        "status": status,
        "from": _iso(_instant(since, "--from") or SystemClock().now()),
    }
    if retroactive:
        event["retroactive"] = True

    def change(data: dict[str, Any]) -> None:
        for issuer in data.get("issuers", []):
            if issuer["id"] == issuer_id:
                issuer["status"].append(event)
                return
        raise click.UsageError(f"{issuer_id} is not an issuer of {file}")

    _edit(file, change)


@trust.command("recognize")
@click.argument("file", metavar="FILE")
@click.option("--id", "agreement_id", required=True, help="The agreement's id.")
@click.option(
    "--by",
    "recognising",
    required=True,
    metavar="MUNICIPALITY",
    help="The municipality that recognises.",
)
@click.option(
    "--of",
    "recognised",
    metavar="MUNICIPALITY",
    help="Recognise credentials of this municipality's issuers...",
)
@click.option(
    "--issuer",
    "issuers",
    multiple=True,
    metavar="ISSUER",
    help="...or of these issuers only (repeatable).",
)
@_scope_options
@click.option("--from", "start", metavar="ISO-TIME", help="In force from (default: now).")
@click.option("--until", metavar="ISO-TIME", help="In force until (default: open-ended).")
@click.option("--name", "names", multiple=True, metavar="LANG=TEXT")
@click.option(
    "--condition",
    "conditions",
    multiple=True,
    metavar="LANG=TEXT",
    help="Conditions the employer must check, per language.",
)
def trust_recognize(
    file: str,
    agreement_id: str,
    recognising: str,
    recognised: str | None,
    issuers: tuple[str, ...],
    achievements: tuple[str, ...],
    alignments: tuple[str, ...],
    types: tuple[str, ...],
    max_eqf: int | None,
    start: str | None,
    until: str | None,
    names: tuple[str, ...],
    conditions: tuple[str, ...],
) -> None:
    """Record that one municipality recognises credentials of another (or of some issuers)."""
    from ..clock import SystemClock

    entry: dict[str, Any] = {
        "id": agreement_id,
        "recognising": recognising,
        "scope": _scope(achievements, alignments, types, max_eqf),
        "from": _iso(_instant(start, "--from") or SystemClock().now()),
    }
    if recognised is not None:
        entry["recognisedMunicipality"] = recognised
    if issuers:
        entry["recognisedIssuers"] = list(issuers)
    end = _instant(until, "--until")
    if end is not None:
        entry["until"] = _iso(end)
    if names:
        entry["name"] = _texts(names, "--name")
    if conditions:
        entry["conditions"] = _texts(conditions, "--condition")
    _edit(file, lambda d: d.setdefault("agreements", []).append(entry))


@trust.group("catalogue")
def catalogue() -> None:
    """The achievement catalogue: names in several languages, framework codes."""


@catalogue.command("add")
@click.argument("file", metavar="FILE")
@click.argument("achievement_id", metavar="ACHIEVEMENT")
@click.option("--name", "names", multiple=True, required=True, metavar="LANG=TEXT")
@click.option("--description", "descriptions", multiple=True, metavar="LANG=TEXT")
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="FRAMEWORK:CODE",
    help="e.g. ESCO:7115.1 (repeatable).",
)
@click.option("--eqf", type=click.IntRange(1, 8), help="EQF level.")
@click.option("--type", "achievement_type", help="OB 3.0 achievementType, e.g. License.")
def catalogue_add(
    file: str,
    achievement_id: str,
    names: tuple[str, ...],
    descriptions: tuple[str, ...],
    codes: tuple[str, ...],
    eqf: int | None,
    achievement_type: str | None,
) -> None:
    """Add an achievement to the catalogue of the list FILE."""
    from ..trust.model import normalize_code

    entry: dict[str, Any] = {
        "id": achievement_id,
        "name": _texts(names, "--name"),
        "codes": [normalize_code(code) for code in codes],
    }
    if descriptions:
        entry["description"] = _texts(descriptions, "--description")
    if eqf is not None:
        entry["eqfLevel"] = eqf
    if achievement_type:
        entry["achievementType"] = achievement_type
    _edit(file, lambda d: d.setdefault("catalogue", []).append(entry))


@trust.command("bump")
@click.argument("file", metavar="FILE")
@_publication_options
@click.option(
    "--rotate",
    is_flag=True,
    help="Make the governance set announced with `trust announce` the current one.",
)
def trust_bump(file: str, issued: str | None, valid_days: int, rotate: bool) -> None:
    """Prepare the next publication: sequence + 1, new issued and nextUpdate."""
    dates = _dates(issued, valid_days)

    def change(data: dict[str, Any]) -> None:
        data["sequence"] += 1
        data.update(dates)
        if rotate:
            announced = data["governance"].get("next")
            if announced is None:
                raise click.UsageError("no next governance set: announce one with trust announce")
            data["governance"] = announced

    _edit(file, change)


@trust.command("announce")
@click.argument("file", metavar="FILE")
@_governance_options("A key of the next board set: key file or publicKeyMultibase (repeatable).")
def trust_announce(file: str, keys: tuple[str, ...], threshold: int | None) -> None:
    """Announce the boards' next keys; verifiers accept them one list later (`bump --rotate`)."""
    anchor = _anchor(keys, threshold)
    _edit(file, lambda data: data["governance"].update(next=_governance_set(anchor)))


@trust.command("sign")
@click.argument("file", metavar="FILE")
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    metavar="KEYFILE",
    help="A board's key file (repeatable).",
)
@passphrase_env_option
@click.option("--out", required=True, help="Signed list to write (- for stdout).")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def trust_sign(
    file: str, keys: tuple[str, ...], passphrase_env: str | None, out: str, force: bool
) -> None:
    """Sign the list FILE with one or more board keys; FILE may be a signed list, to co-sign."""
    from ..trust.signing import sign_trust_list

    pairs = [load_key(k, passphrase_env) for k in keys]
    trust_list, signed = _read_list(file)
    governance = set(trust_list.governance.public_keys())
    strangers = [k.key_id for k in pairs if k.public_key not in governance]
    if strangers:  # refused before any signing work
        raise click.UsageError(f"not a governance key of this list: {', '.join(strangers)}")
    if len({k.public_key for k in pairs}) != len(pairs):  # a key signs once, and counts once
        raise click.UsageError("the same key is given twice with --key")
    if signed is not None:
        present = signed.valid_signers(k.public_key for k in pairs)  # verified, not just named
        already = [k.key_id for k in pairs if k.public_key in present]
        if len(already) == len(pairs):
            raise click.UsageError(
                f"every key given has signed this list already ({', '.join(already)}): "
                "nothing to add"
            )
        for key_id in already:
            click.echo(f"Warning: {key_id} has signed this list already; not again", err=True)
        output = signed.with_signatures(pairs)
    else:
        output = sign_trust_list(trust_list, pairs)
    write_output(output.decode("utf-8").rstrip("\n"), out, force=force, what="signed trust list")


@trust.command("verify")
@click.argument("file", metavar="SIGNED")
@_governance_options(
    "A governance key to trust: key file or publicKeyMultibase (repeatable).", required=False
)
@click.option(
    "--cache",
    metavar="DIR",
    help="Accepted-lists folder (rotation and rollback): the pinned list's signatures are "
    "checked again, and a newer valid list given is pinned in it.",
)
@click.option("--at", "at_time", metavar="ISO-TIME", help="Check freshness as of this time.")
@_grace_days_option
def trust_verify(
    file: str,
    keys: tuple[str, ...],
    threshold: int | None,
    cache: str | None,
    at_time: str | None,
    grace_days: int,
) -> None:
    """Check a signed list's signatures against the governance keys, and its freshness."""
    from ..clock import SystemClock
    from ..trust.acceptance import Freshness, TrustListCache, freshness
    from ..trust.signing import verify_trust_list

    anchor = _anchor(keys, threshold)
    data = read_input(file, MAX_LIST_FILE_BYTES)
    if cache:
        # An audit: the signatures are checked even when the file is the cache's pinned one.
        trust_list = TrustListCache(Path(cache)).accept(data, anchor, recheck=True)
        own = trust_list.governance  # a list kept is signed by its own governance's threshold
        checked = (
            f"signatures valid ({own.threshold} of {len(own.keys)}), accepted against the "
            f"pinned list in {cache}"
        )
    else:
        trust_list = verify_trust_list(data, anchor)
        checked = f"signatures valid ({anchor.threshold} of {len(anchor.keys)})"
    now = _instant(at_time, "--at") or SystemClock().now()
    state = freshness(trust_list, now, timedelta(days=grace_days))
    echo(
        f"trust list {trust_list.id} sequence {trust_list.sequence}: {checked}; issued "
        f"{_iso(trust_list.issued)}, next update {_iso(trust_list.next_update)}: {state.value}"
    )
    if state in (Freshness.STALE, Freshness.NOT_YET_ISSUED):
        raise click.ClickException(f"the trust list is {state.value.replace('_', ' ')}")


@trust.command("show")
@click.argument("file", metavar="FILE")
@click.option("--lang", help="Language of names and headings (en, es, fr, de...).")
@click.option("--json", "as_json", is_flag=True, help="Print the list's JSON.")
def trust_show(file: str, lang: str | None, as_json: bool) -> None:
    """Show a list (signed or not; signatures are checked by `trust verify`) as tables."""
    from ..i18n import pick_text

    trust_list, signed_list = _read_list(file)
    signed = signed_list is not None
    if as_json:
        echo(json.dumps(trust_list.to_json_dict(), indent=2, ensure_ascii=False))
        return
    from ..i18n import gettext_for
    from ..trust.summary import summary_tables

    _ = gettext_for(lang)
    head = _("{name}, sequence {sequence}, issued {issued}, next update {next_update}").format(
        name=pick_text(trust_list.name, lang),
        sequence=trust_list.sequence,
        issued=_iso(trust_list.issued),
        next_update=_iso(trust_list.next_update),
    )
    if signed:
        head += "\n" + _("(signatures not checked here: use `vcportable trust verify`)")
    echo("\n\n".join([head, *(t.render() for t in summary_tables(trust_list, lang))]))


@trust.command("convert")
@click.argument("source", metavar="IN")
@click.argument("out", metavar="OUT")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def trust_convert(source: str, out: str, force: bool) -> None:
    """Write the unsigned list IN as OUT, in the format OUT's name gives: YAML for .yaml/.yml,
    JSON otherwise (- for JSON on stdout). The list is validated on the way."""
    trust_list = _load_list(source)
    write_output(_list_text(trust_list, out), out, force=force, what="trust list")


@click.group()
def verifier() -> None:
    """Configure this computer as an employer's verifier (trust list, municipality, language)."""


@verifier.command("init")
@click.option(
    "--trust-list",
    "list_file",
    required=True,
    metavar="FILE",
    help="The region's signed trust list (where updates will be saved).",
)
@_governance_options(
    "A governance key the list must be signed by: key file or publicKeyMultibase (repeatable)."
)
@click.option(
    "--as",
    "municipality",
    required=True,
    metavar="MUNICIPALITY",
    help="The municipality you verify in (its id on the list).",
)
@click.option("--lang", help="Language of verdicts (en, es, fr, de).")
@_grace_days_option
@click.option(
    "--profile",
    metavar="FILE",
    help=f"Where to save it (default: ${PROFILE_ENV}, or the user's config folder).",
)
@click.option("--force", is_flag=True, help="Replace an existing profile.")
def verifier_init(
    list_file: str,
    keys: tuple[str, ...],
    threshold: int | None,
    municipality: str,
    lang: str | None,
    grace_days: int,
    profile: str | None,
    force: bool,
) -> None:
    """Check the trust list once and save the profile, so `vcportable verify INPUT` uses it."""
    from ..checks.trust import TrustCheck
    from ..trust.acceptance import TrustListCache

    path = profile_path(profile)
    anchor = _anchor(keys, threshold)
    cache = path.parent / "trust-cache"
    if path.exists() and not force:
        raise click.UsageError(f"{path} already exists; add --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Unwritable(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    accepted = TrustListCache(cache).accept(read_input(list_file, MAX_LIST_FILE_BYTES), anchor)
    TrustCheck(accepted, municipality=municipality)  # refuses an unknown municipality
    saved = Profile(
        trust_list=str(Path(list_file).resolve()),
        governance_keys=tuple(key.to_multibase() for key in anchor.keys),
        threshold=anchor.threshold,
        municipality=municipality,
        lang=lang,
        grace_days=grace_days,
        cache=str(cache.resolve()),
    )
    write_output(saved.to_json(), str(path), force=force, what="verifier profile")
