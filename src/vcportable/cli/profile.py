"""The verifier profile and the trust options of ``vcportable verify``.

``trust_options`` gives ``verify`` its trust list options, :func:`trust_setup` turns them (or the
profile ``vcportable verifier init`` saved) into a resolver and the trust check, and
:func:`verdict_line` prints the employer's verdict. Kept apart from the trust list editor
(:mod:`vcportable.cli.trust`) so that a cold ``verify`` does not load its forty commands.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from .io import Unreadable, read_input

if TYPE_CHECKING:
    from ..checks.trust import TrustCheck
    from ..dids import DidResolver
    from ..keys import PublicKey
    from ..models.report import VerificationReport
    from ..trust.signing import GovernanceAnchor

PROFILE_ENV = "VCPORTABLE_VERIFIER_PROFILE"
#: Room for the largest list the model allows, not more.
MAX_LIST_FILE_BYTES = 64 * 1024 * 1024
_MAX_PROFILE_BYTES = 64 * 1024
#: Days a list past its nextUpdate is still used, with a warning, unless told otherwise.
DEFAULT_GRACE_DAYS = 7

F = TypeVar("F", bound=Callable[..., Any])


def _public_key(value: str, option: str = "--governance-key") -> PublicKey:
    """A key file (only its public part is read) or a ``publicKeyMultibase`` string. The value
    is never echoed: it may be a private key put on the command line by mistake."""
    from ..errors import InputError
    from ..keys import KeyPair, PublicKey, read_key_file_info

    if Path(value).is_file():
        return read_key_file_info(value).public_key
    try:
        return PublicKey.from_multibase(value)
    except InputError as exc:
        try:
            KeyPair.from_multibase_private(value)
        except (InputError, ValueError):
            reason = f"is neither a key file nor a publicKeyMultibase ({exc.message})"
        else:
            reason = (
                "is a PRIVATE key: give its key file or its publicKeyMultibase, and keep the "
                "private key off command lines (shell history keeps them)"
            )
        raise click.BadParameter(f"a value {reason}", param_hint=option) from None


def _anchor(keys: Sequence[str], threshold: int | None) -> GovernanceAnchor:
    from ..trust.signing import GovernanceAnchor

    if not keys:
        raise click.UsageError("give the governance keys to trust with --governance-key")
    public = tuple(_public_key(k) for k in keys)
    return GovernanceAnchor(public, threshold if threshold is not None else len(public))


# -- the verifier profile and the options of `verify` -------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What an employer's verifier is configured with (saved by `vcportable verifier init`)."""

    trust_list: str
    governance_keys: tuple[str, ...]
    threshold: int
    municipality: str
    lang: str | None
    grace_days: int
    cache: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "trustList": self.trust_list,
                "governanceKeys": list(self.governance_keys),
                "threshold": self.threshold,
                "municipality": self.municipality,
                "lang": self.lang,
                "graceDays": self.grace_days,
                "cache": self.cache,
            },
            indent=2,
        )

    @classmethod
    def load(cls, path: Path) -> Profile:
        from ..codec.json import parse_json
        from ..errors import InputError

        try:
            value = parse_json(read_input(str(path), _MAX_PROFILE_BYTES), what=str(path))
            profile = cls(
                trust_list=_field(value, "trustList", str),
                governance_keys=tuple(_field(value, "governanceKeys", list)),
                threshold=_field(value, "threshold", int),
                municipality=_field(value, "municipality", str),
                lang=value.get("lang") if isinstance(value.get("lang"), str) else None,
                grace_days=_field(value, "graceDays", int),
                cache=_field(value, "cache", str),
            )
        except InputError as exc:
            raise Unreadable(f"verifier profile {path}: {exc.message}") from None
        if not all(isinstance(k, str) for k in profile.governance_keys):
            raise Unreadable(f"verifier profile {path}: governanceKeys must be strings")
        return profile


def _field(value: Any, name: str, kind: type) -> Any:
    from ..errors import InputError

    item = value.get(name) if isinstance(value, dict) else None
    if not isinstance(item, kind) or isinstance(item, bool):
        raise InputError(f"{name} is missing or not a {kind.__name__}")
    return item


def profile_path(explicit: str | None = None) -> Path:
    """--profile, else $VCPORTABLE_VERIFIER_PROFILE, else the user's config folder."""
    chosen = explicit or os.environ.get(PROFILE_ENV)
    if chosen:
        return Path(chosen)
    return Path(click.get_app_dir("vcportable")) / "verifier.json"


class TrustSetup(NamedTuple):
    """What `verify` needs: the resolver that binds listed issuers, and the trust check."""

    resolver: DidResolver
    checks: list[TrustCheck]


def trust_options(f: F) -> F:
    """The options of `vcportable verify` that choose the trust list (see trust_setup)."""
    for option in reversed(
        [
            click.option("--trust-list", metavar="FILE", help="The region's signed trust list."),
            click.option(
                "--governance-key",
                "governance_keys",
                multiple=True,
                metavar="KEY",
                help="Governance key the list must be signed by (repeatable).",
            ),
            click.option(
                "--threshold",
                type=click.IntRange(1),
                help="Governance signatures required (default: all keys given).",
            ),
            click.option(
                "--as",
                "municipality",
                metavar="MUNICIPALITY",
                help="The municipality you verify in (its id on the list).",
            ),
            click.option("--lang", help="Language of the verdict and names (en, es, fr, de)."),
            click.option(
                "--profile",
                metavar="FILE",
                help=f"Verifier profile (default: ${PROFILE_ENV}, or the one saved "
                "by `vcportable verifier init`).",
            ),
        ]
    ):
        f = option(f)
    return f


def trust_setup(
    *,
    trust_list: str | None,
    governance_keys: Sequence[str],
    threshold: int | None,
    municipality: str | None,
    lang: str | None,
    profile: str | None,
    fallback: DidResolver | None = None,
) -> TrustSetup | None:
    """The resolver and trust check from the options of :func:`trust_options`, else from the
    verifier profile; None when neither names a trust list (the verdict then says the issuer
    was not checked). With a profile the list is mandatory: one that cannot be accepted is an
    error, never a silent fallback."""
    grace = timedelta(days=DEFAULT_GRACE_DAYS)
    if trust_list is not None:
        from ..trust.signing import verify_trust_list

        if municipality is None:
            raise click.UsageError("--trust-list needs --as MUNICIPALITY (where you verify)")
        anchor = _anchor(governance_keys, threshold)
        accepted = verify_trust_list(read_input(trust_list, MAX_LIST_FILE_BYTES), anchor)
    else:
        if governance_keys or threshold is not None:
            raise click.UsageError("--governance-key and --threshold need --trust-list")
        path = profile_path(profile)
        if not path.is_file():
            if profile is not None:
                raise Unreadable(f"cannot read verifier profile {path}")
            return None
        from ..trust.acceptance import TrustListCache

        saved = Profile.load(path)
        anchor = _anchor(saved.governance_keys, saved.threshold)
        data = read_input(saved.trust_list, MAX_LIST_FILE_BYTES)
        accepted = TrustListCache(Path(saved.cache)).accept(data, anchor)
        municipality = municipality or saved.municipality
        lang = lang or saved.lang
        grace = timedelta(days=saved.grace_days)
    # Imported here, not above: a verify without a trust list does not pay for its model.
    from ..checks.trust import TrustCheck
    from ..errors import ConfigurationError
    from ..trust.resolver import TrustListResolver

    try:
        check = TrustCheck(accepted, municipality=municipality, lang=lang, grace=grace)
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="--as") from None
    return TrustSetup(TrustListResolver(accepted, fallback=fallback), [check])


def verdict_line(report: VerificationReport, lang: str | None) -> str:
    """The employer's one-line verdict, coloured: for `verify` to print above the checks."""
    from ..display import safe
    from ..i18n import gettext_for
    from ..trust.verdict import VerdictLevel, verdict

    _ = gettext_for(lang)
    result = verdict(report, lang)
    words = {
        VerdictLevel.ACCEPTED: (_("ACCEPTED"), "green"),
        VerdictLevel.ACCEPTED_WITH_WARNINGS: (_("ACCEPTED WITH WARNINGS"), "yellow"),
        VerdictLevel.REJECTED: (_("REJECTED"), "red"),
        VerdictLevel.GENUINE_UNTRUSTED: (_("GENUINE, ISSUER NOT CHECKED"), "yellow"),
    }
    word, colour = words[result.level]
    # The reason may quote the credential: neutralised like everything else printed from it.
    return f"{click.style(word, fg=colour, bold=True)}  {safe(result.reason)}"
