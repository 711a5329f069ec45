"""The top-level API: every advertised name resolves, and the README's snippet works."""

from __future__ import annotations

import pytest

import vcportable
from conftest import unsigned_sample


@pytest.mark.parametrize("name", vcportable.__all__)
def test_every_export_resolves(name: str) -> None:
    assert getattr(vcportable, name) is not None


def test_all_matches_the_lazy_table() -> None:
    assert sorted(vcportable.__all__) == sorted(vcportable._EXPORTS)


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        vcportable.nope  # noqa: B018


def test_quickstart() -> None:
    key = vcportable.KeyPair.generate()
    signed = vcportable.Issuer(key).issue(unsigned_sample())
    report = vcportable.Verifier().verify(signed)
    assert report.verified
    assert all(c.status in vcportable.CheckStatus for c in report.checks)
