"""A trust list as tables for people (``vcportable trust show``), in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import gettext_for, pick_text
from .model import TrustList
from .scope import describe_scope

__all__ = ["Table", "summary_tables"]


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    def render(self) -> str:
        """Aligned columns, the title underlined."""
        widths = [
            max([len(h), *(len(row[n]) for row in self.rows)]) for n, h in enumerate(self.headers)
        ]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        rule = "-" * len(line(self.headers))
        return "\n".join([self.title, rule, line(self.headers), *map(line, self.rows)])


def summary_tables(trust_list: TrustList, lang: str | None) -> list[Table]:
    _ = gettext_for(lang)

    def name(texts: dict[str, str] | None) -> str:
        return pick_text(texts, lang) if texts else "-"

    governance = trust_list.governance
    boards = [(k.id, name(k.name), k.public_key.to_multibase()) for k in governance.keys]
    if governance.next is not None:
        boards += [(k.id, _("next"), k.public_key.to_multibase()) for k in governance.next.keys]
    municipalities = [
        (m.id, name(m.name), m.country, m.region or "-") for m in trust_list.municipalities
    ]
    issuers = []
    for issuer in trust_list.issuers:
        last = issuer.status[-1]
        scopes = " | ".join(describe_scope(a) for a in issuer.accreditations) or "-"
        status = f"{last.status.value} {last.from_.date().isoformat()}"
        issuers.append((issuer.id, name(issuer.name), issuer.municipality, status, scopes))
    agreements = []
    for agreement in trust_list.agreements:
        recognised = agreement.recognised_municipality or ", ".join(agreement.recognised_issuers)
        until = agreement.until.date().isoformat() if agreement.until else "-"
        agreements.append(
            (
                agreement.id,
                agreement.recognising,
                recognised,
                describe_scope(agreement.scope),
                f"{agreement.from_.date().isoformat()} .. {until}",
                name(agreement.conditions),
            )
        )
    catalogue = [
        (
            entry.id,
            name(entry.name),
            ", ".join(entry.codes) or "-",
            str(entry.eqf_level or "-"),
        )
        for entry in trust_list.catalogue
    ]
    return [
        Table(
            _("Governance (threshold {threshold})").format(threshold=governance.threshold),
            (_("id"), _("name"), _("key")),
            boards,
        ),
        Table(_("Municipalities"), (_("id"), _("name"), _("country"), _("region")), municipalities),
        Table(
            _("Issuers"),
            (_("id"), _("name"), _("municipality"), _("status"), _("accredited for")),
            issuers,
        ),
        Table(
            _("Recognition agreements"),
            (_("id"), _("by"), _("recognises"), _("scope"), _("in force"), _("conditions")),
            agreements,
        ),
        Table(_("Catalogue"), (_("achievement"), _("name"), _("codes"), _("EQF")), catalogue),
    ]
