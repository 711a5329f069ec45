"""Signed JSON-LD must be in compacted form for its own contexts (issue 7).

A Data Integrity signature covers the canonical RDF while the checks read the JSON. A property
re-spelled another way (its absolute IRI, a compact IRI, ``@id``/``@type`` for their aliases, a
value object, ``{"id": x}`` where compaction writes ``x``, a type as an absolute IRI) has the
same RDF, so the signature holds, but a JSON check no longer sees it. Here: every such spelling
is refused with NOT_COMPACTED, by the fast and the full path alike, when signing and verifying;
generated re-spellings are refused or read the same JSON values; inline ``@vocab``/``@base`` is
refused; crafted blank nodes end quickly with CANONICALIZATION_TOO_COMPLEX.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DELETE, json_paths, load_json, set_path, status_entry, unsigned_sample
from vcportable import canonfast, jsonld
from vcportable.errors import (
    CanonicalizationError,
    CanonicalizationTooComplex,
    ContextNotAllowedError,
    NotCompactedError,
    VcPortableError,
)
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair
from vcportable.models.report import Code
from vcportable.verifier import Verifier
from vcportable.wallet import create_presentation, sign_presentation

LOADER = jsonld.default_loader()
VC2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"  # a bundled context with @vocab
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
KEY = KeyPair.generate()


def sample() -> dict[str, Any]:
    document: dict[str, Any] = load_json("interop/sample-unsigned.json")
    document["issuer"]["id"] = "did:example:issuer"
    return document


def decide(document: dict[str, Any]) -> tuple[str | None, str | None]:
    """(fast answer, full answer) of the signed canonicalization; ``None`` for a refusal
    (full) or a fallback (fast). The fast path never accepts what the full path refuses, and
    never gives other bytes."""
    fast = canonfast.canonize_fast(document, LOADER, compacted=True)
    try:
        full: str | None = jsonld.canonize(document, LOADER, compacted=True)
    except VcPortableError:
        full = None
    if fast is not None:
        assert fast == full, json.dumps(document)
    return fast, full


def refused(document: dict[str, Any]) -> NotCompactedError:
    decide(document)
    with pytest.raises(NotCompactedError) as caught:
        jsonld.canonize_signed(document, LOADER)
    return caught.value


# ------------------------------------------------------------------------------------------
# Each re-spelling: same RDF as the original, refused as not compacted
# ------------------------------------------------------------------------------------------


def _valid_until_value_object(d: dict[str, Any]) -> None:
    d["validUntil"] = {"@value": d["validUntil"], "@type": XSD_DATETIME}


def _valid_until_absolute(d: dict[str, Any]) -> None:
    d[CRED + "validUntil"] = {"@value": d.pop("validUntil"), "@type": XSD_DATETIME}


def _valid_until_compact_iri(d: dict[str, Any]) -> None:
    d["@context"] = [*d["@context"], {"cr": CRED}]
    d["cr:validUntil"] = {"@value": d.pop("validUntil"), "@type": XSD_DATETIME}


def _at_id(d: dict[str, Any]) -> None:
    d["@id"] = d.pop("id")


def _at_type(d: dict[str, Any]) -> None:
    d["credentialSubject"]["@type"] = d["credentialSubject"].pop("type")


def _issuer_reference(d: dict[str, Any]) -> None:
    d["issuer"] = {"id": d["issuer"]["id"]}


def _name_value_object(d: dict[str, Any]) -> None:
    d["name"] = {"@value": d["name"]}


def _type_absolute(d: dict[str, Any]) -> None:
    d["issuer"]["type"] = ["https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile"]


RESPELLINGS = {
    "type as absolute IRI": (_type_absolute, "issuer.type[0]"),
    "value object": (_valid_until_value_object, "validUntil"),
    "absolute IRI key": (_valid_until_absolute, CRED + "validUntil"),
    "compact IRI key": (_valid_until_compact_iri, "cr:validUntil"),
    "@id for id": (_at_id, "@id"),
    "@type for type": (_at_type, "credentialSubject.@type"),
    "plain string as value object": (_name_value_object, "name"),
}


@pytest.mark.parametrize("name", sorted(RESPELLINGS))
def test_respelling_signs_the_same_rdf_but_is_refused(name: str) -> None:
    respell, path = RESPELLINGS[name]
    original = sample()
    document = copy.deepcopy(original)
    respell(document)
    # The attack: without the rule, the signature over the original holds for the re-spelling.
    assert jsonld.canonize(document, LOADER) == jsonld.canonize(original, LOADER)
    error = refused(document)
    assert error.code == "NOT_COMPACTED"
    assert error.path == path
    assert path in error.message


def test_error_names_what_compaction_writes() -> None:
    document = sample()
    _valid_until_value_object(document)
    message = refused(document).message
    assert "validUntil" in message and '"2030-03-01T00:00:00Z"' in message


def test_node_reference_where_compaction_writes_the_iri() -> None:
    """`{"id": x}` is the same node reference as `x` and every check reads both spellings
    (the data model writes subjects and issuers as objects): accepted, with the same bytes.
    Spelled with `@id` instead of the alias, it is refused."""
    document = create_presentation([Issuer(KEY).issue(unsigned_sample())], holder="did:h")
    as_iri = jsonld.canonize_signed(document, LOADER)
    document["holder"] = {"id": "did:h"}
    assert decide(document)[1] is not None
    assert jsonld.canonize_signed(document, LOADER) == as_iri
    document["holder"] = {"@id": "did:h"}
    assert refused(document).path.startswith("holder")


def test_compacted_documents_pass_on_the_fast_path() -> None:
    document = sample()
    fast, full = decide(document)
    assert fast is not None and fast == full == jsonld.canonize(document, LOADER)
    document["type"] = "VerifiableCredential"  # a single value for a one-element array: equal
    document["credentialSubject"]["achievement"]["type"] = ["Achievement"]
    assert decide(document)[0] is not None


def test_undefined_term_under_a_bundled_vocab_is_compacted_form() -> None:
    document = {
        "@context": [VC2, EXAMPLES],
        "type": ["VerifiableCredential", "ExampleSkillCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "trade": "carpentry"},
    }
    fast, full = decide(document)
    assert fast is not None and full is not None
    document["credentialSubject"]["https://www.w3.org/ns/credentials/examples#trade"] = document[
        "credentialSubject"
    ].pop("trade")
    assert (
        refused(document).path
        == "credentialSubject.https://www.w3.org/ns/credentials/examples#trade"
    )


def test_nested_array_and_null_are_not_compacted() -> None:
    document = sample()
    document["name"] = [[document["name"]]]
    assert refused(document).path.startswith("name")
    document = sample()
    document["credentialSubject"]["achievement"]["name"] = ["Carpenter", None]
    with pytest.raises(CanonicalizationError):
        jsonld.canonize_signed(document, LOADER)


def test_presentation_with_enclosed_credentials_passes_on_the_fast_path() -> None:
    credential = Issuer(KEY).issue(unsigned_sample())
    presentation = create_presentation([credential, credential], holder=KEY.controller)
    fast, full = decide(presentation)
    assert fast is not None and full is not None


def test_enclosed_credential_respelled_is_refused() -> None:
    credential = Issuer(KEY).issue(unsigned_sample())
    _valid_until_value_object(credential)
    presentation = create_presentation([credential], holder=KEY.controller)
    assert refused(presentation).path == "verifiableCredential[0].validUntil"


def test_embedded_context_below_the_top_level_is_checked_on_its_own() -> None:
    document = sample()
    document["credentialSubject"]["@context"] = VC2  # achievement is not a VC 2.0 term
    with pytest.raises(CanonicalizationError):
        jsonld.canonize_signed(document, LOADER)
    assert decide(document)[0] is None


# ------------------------------------------------------------------------------------------
# Inline @vocab / @base
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inline",
    [
        {"@vocab": "https://example.org/terms#"},
        {"@base": "https://example.org/"},
        {"trade": {"@id": "https://example.org/trade", "@context": {"@vocab": "urn:x:"}}},
    ],
)
def test_inline_vocab_or_base_is_refused(inline: dict[str, Any]) -> None:
    document = sample()
    document["@context"] = [*document["@context"], inline]
    with pytest.raises(ContextNotAllowedError) as caught:
        jsonld.canonize_signed(document, LOADER)
    assert caught.value.code == "CONTEXT_NOT_ALLOWED"
    assert decide(document)[0] is None
    jsonld.canonize(document, LOADER)  # plain canonicalization still allows it


def test_inline_vocab_in_an_enclosed_credential_is_refused() -> None:
    credential = sample()
    credential["@context"] = [*credential["@context"], {"@vocab": "https://example.org/#"}]
    presentation = create_presentation([credential])
    with pytest.raises(ContextNotAllowedError):
        jsonld.canonize_signed(presentation, LOADER)


def test_inline_context_without_vocab_is_fine() -> None:
    """New vocabulary in an inline context is fine; the full path decides (the fast one
    leaves every inline term to it)."""
    document = sample()
    document["@context"] = [*document["@context"], {"trade": "https://example.org/trade"}]
    document["credentialSubject"]["trade"] = "carpentry"
    assert decide(document) == (None, jsonld.canonize(document, LOADER))


# ------------------------------------------------------------------------------------------
# Inline aliases: a second name for what a bundled context names
# ------------------------------------------------------------------------------------------

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"


def _aliased(document: dict[str, Any], inline: dict[str, Any], key: str, alias: str) -> None:
    document["@context"] = [*document["@context"], inline]
    document[alias] = document.pop(key)


@pytest.mark.parametrize(
    ("key", "alias", "definition"),
    [
        ("validUntil", "vu", {"@id": CRED + "validUntil", "@type": XSD_DATETIME}),
        ("validFrom", "vf", {"@id": CRED + "validFrom", "@type": XSD_DATETIME}),
        ("credentialStatus", "cs", {"@id": CRED + "credentialStatus", "@type": "@id"}),
        ("id", "ident", "@id"),
    ],
)
def test_an_inline_alias_of_a_bundled_term_is_refused(
    key: str, alias: str, definition: Any
) -> None:
    """The same RDF under a second, shorter name (compaction even prefers it): a JSON check of
    the bundled name would see nothing. Refused by both paths, wherever the alias is defined."""
    document = sample()
    document["validUntil"] = "2030-01-01T00:00:00Z"
    document["credentialStatus"] = status_entry()
    original = jsonld.canonize(document, LOADER)
    _aliased(document, {alias: definition}, key, alias)
    assert jsonld.canonize(document, LOADER) == original  # the same signed data
    with pytest.raises(ContextNotAllowedError, match=f"makes '{alias}' a"):
        jsonld.canonize_signed(document, LOADER)
    assert decide(document) == (None, None)


@pytest.mark.parametrize("where", ["scoped in an inline term", "embedded in a node"])
def test_an_alias_in_a_nested_inline_context_is_refused(where: str) -> None:
    document = sample()
    subject = document["credentialSubject"]
    subject["ach"] = subject.pop("achievement")
    alias = {"ach": {"@id": OB + "achievement"}}
    if where == "embedded in a node":
        subject["@context"] = alias
    else:
        document["@context"] = [
            *document["@context"],
            {"trade": {"@id": "https://example.org/trade", "@context": alias}},
        ]
    with pytest.raises(ContextNotAllowedError, match="makes 'ach' a second name"):
        jsonld.canonize_signed(document, LOADER)


def test_inline_vocabulary_is_bounded_and_nested_scopes_are_checked_once() -> None:
    """Each inline context is processed once (a chain of scoped contexts was processed again
    at every level, 8x the verification under pyld's lock), and at most MAX_INLINE_TERMS."""
    from vcportable.jsonld._compacted import MAX_INLINE_TERMS

    def chain(depth: int, width: int) -> dict[str, Any]:
        top: dict[str, Any] = {}
        level = top
        for i in range(depth):
            level.update({f"t{i}_{j}": f"https://example.org/{i}/{j}" for j in range(width)})
            inner: dict[str, Any] = {}
            level[f"s{i}"] = {"@id": f"https://example.org/s{i}", "@context": inner}
            level = inner
        level["vu"] = {"@id": CRED + "validUntil"}  # an alias at the bottom is still found
        return top

    document = sample()
    document["@context"] = [*document["@context"], chain(40, 4)]
    started = time.perf_counter()
    with pytest.raises(ContextNotAllowedError, match="makes 'vu' a second name"):
        jsonld.canonize_signed(document, LOADER)
    assert time.perf_counter() - started < 2.0
    document["@context"][-1] = chain(2, MAX_INLINE_TERMS)
    with pytest.raises(ContextNotAllowedError, match=f"more than {MAX_INLINE_TERMS} terms"):
        jsonld.canonize_signed(document, LOADER)


def test_the_alias_check_leaves_protection_as_expansion_finds_it() -> None:
    """The check processes contexts with protected terms overridable (as a scoped context may
    be): pyld caches a processed context by its active context alone, so its results are kept
    apart. Shared, one refused document lifted protection for the next: a top-level
    redefinition of ``name`` was then signed and verified, in that process only."""
    loader = jsonld.default_loader()
    first = sample()
    first["credentialSubject"]["@context"] = {"name": "https://evil.example/name"}
    with pytest.raises(CanonicalizationError):
        jsonld.canonize_signed(first, loader)
    second = sample()
    second["@context"] = [*second["@context"], {"name": "https://evil.example/name"}]
    with pytest.raises(CanonicalizationError, match="protected term"):
        jsonld.canonize_signed(second, loader)


@pytest.mark.parametrize("number", [2**53 + 1, -(2**53) - 3, 12345678901234567890])
def test_a_signed_integer_javascript_cannot_hold_is_refused(number: int) -> None:
    """jsonld.js reads JSON numbers as doubles: 2**53 + 1 is signed as 2**53, so the JSON would
    state a number the signature does not cover (plain canonicalization keeps rdf-canonize's
    answer)."""
    document = sample()
    document["credentialSubject"]["achievement"]["creditsAvailable"] = number
    jsonld.canonize(document, LOADER)  # what rdf-canonize gives: the double
    with pytest.raises(CanonicalizationError, match="not a number JavaScript can hold exactly"):
        jsonld.canonize_signed(document, LOADER)
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 2**53 - 1
    jsonld.canonize_signed(document, LOADER)


def test_statements_away_from_their_node_are_refused() -> None:
    """``@included`` (a node described apart) and ``@reverse`` state the same RDF away from the
    object the checks read: an expired credential's validUntil moved into an included copy of
    the credential verified."""
    signed = Issuer(KEY).issue({**unsigned_sample(), "id": "urn:uuid:included-1"})
    signed["validUntil"] = "2025-12-01T00:00:00Z"  # (then re-signed below, as an issuer would)
    signed = Issuer(KEY).issue({k: v for k, v in signed.items() if k != "proof"})
    moved = copy.deepcopy(signed)
    moved["@included"] = [
        {"id": moved["id"], "type": "VerifiableCredential", "validUntil": moved.pop("validUntil")}
    ]
    report = Verifier().verify(moved)
    assert not report.verified and Code.CONTEXT_NOT_ALLOWED in _codes(report)
    reverse = sample()
    reverse["@reverse"] = {"https://example.org/p": {"id": "urn:x"}}
    with pytest.raises(ContextNotAllowedError, match="under @reverse"):
        jsonld.canonize_signed(reverse, LOADER)


def test_a_type_under_a_name_its_bundled_context_gives_it_is_compacted() -> None:
    """Open Badges 3.0 defines AchievementCredential as OpenBadgeCredential; compaction
    writes the latter, but a credential typed with the former is the same, read alike by the
    checks, and signed and verified by Digital Bazaar's libraries: accepted. An alias an
    inline context adds is not."""
    document = unsigned_sample()
    document["type"] = ["VerifiableCredential", "AchievementCredential"]
    signed = Issuer(KEY).issue(document)
    assert Verifier().verify(signed).verified
    document["type"] = ["VerifiableCredential", "NotABadge"]
    with pytest.raises(CanonicalizationError):
        jsonld.canonize_signed({**document, "issuer": "did:example:i"}, LOADER)


def test_the_verifier_refuses_an_expired_credential_whose_end_was_renamed() -> None:
    """The attack: anyone holding an expired credential adds an inline alias for validUntil and
    renames the key; the issuer's signature still covers the same RDF."""
    document = unsigned_sample()
    document["validUntil"] = "2025-12-01T00:00:00Z"
    signed = Issuer(KEY).issue(document)
    assert Code.EXPIRED in {c.code for c in Verifier().verify(signed).failures}
    definition = {"@id": CRED + "validUntil", "@type": XSD_DATETIME}
    _aliased(signed, {"vu": definition}, "validUntil", "vu")
    report = Verifier().verify(signed)
    assert not report.verified
    assert Code.CONTEXT_NOT_ALLOWED in _codes(report)


# ------------------------------------------------------------------------------------------
# Signing and verifying
# ------------------------------------------------------------------------------------------


def _codes(report: Any) -> set[Code]:
    return {check.code for check in report.checks if check.id.startswith("proof")}


@pytest.mark.parametrize(
    "name", ["value object", "absolute IRI key", "@id for id", "plain string as value object"]
)
def test_verifier_refuses_a_respelled_signed_credential(name: str) -> None:
    signed = Issuer(KEY).issue(unsigned_sample())
    assert Verifier().verify(signed).verified
    respell, _ = RESPELLINGS[name]
    respelled = copy.deepcopy(signed)
    respell(respelled)
    report = Verifier().verify(respelled)
    assert not report.verified
    assert Code.NOT_COMPACTED in _codes(report)


def test_verifier_refuses_a_presentation_hiding_its_holder() -> None:
    credential = Issuer(KEY).issue(unsigned_sample())
    signed = sign_presentation(
        create_presentation([credential], holder=KEY.controller), KEY, challenge="c"
    )
    respelled = copy.deepcopy(signed)
    respelled["holder"] = {"@id": respelled["holder"]}
    report = Verifier().verify(respelled, challenge="c")
    assert not report.verified and Code.NOT_COMPACTED in _codes(report)
    respelled = copy.deepcopy(signed)
    respelled[CRED + "verifiableCredential"] = respelled.pop("verifiableCredential")
    assert not Verifier().verify(respelled, challenge="c").verified


def test_issuer_refuses_a_document_not_in_compacted_form() -> None:
    document = unsigned_sample()
    _valid_until_absolute(document)  # the data model's checks do not see it; signing refuses
    with pytest.raises(NotCompactedError):
        Issuer(KEY).issue(document)


# ------------------------------------------------------------------------------------------
# Property: any JSON-LD-equivalent re-spelling is refused or reads the same JSON values
# ------------------------------------------------------------------------------------------


def _lines(text: str) -> Counter[str]:
    return Counter(line.split(" ", 2)[1] for line in text.splitlines())


def _expanded_value(document: dict[str, Any], path: tuple[Any, ...]) -> tuple[str, Any] | None:
    """The predicate IRI of the scalar at ``path`` and the value written in expanded form (as
    its quad says), found by removing it: the one predicate that loses a line."""
    trimmed = copy.deepcopy(document)
    set_path(trimmed, path, DELETE)
    try:
        before = jsonld.canonize(document, LOADER)
        after = jsonld.canonize(trimmed, LOADER)
    except VcPortableError:
        return None
    lost = _lines(before) - _lines(after)
    if len(lost) != 1:
        return None
    predicate = next(iter(lost))
    line = next(line for line in before.splitlines() if line.split(" ", 2)[1] == predicate)
    obj = line.split(" ", 2)[2]
    value = _get(document, path)
    if obj.startswith("<"):
        return predicate[1:-1], {"@id": value}
    if "^^<" in obj:
        return predicate[1:-1], {"@value": value, "@type": obj.rsplit("^^<", 1)[1].split(">")[0]}
    return predicate[1:-1], {"@value": value}


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _respell(document: dict[str, Any], path: tuple[Any, ...], how: str) -> dict[str, Any] | None:
    respelled = copy.deepcopy(document)
    key, parent = path[-1], _get(respelled, path[:-1])
    if not isinstance(key, str) or not isinstance(parent, dict) or key == "@context":
        return None
    value = parent[key]
    if how == "keyword" and key in ("id", "type"):
        parent["@" + key] = parent.pop(key)
    elif how == "array":
        parent[key] = value[0] if isinstance(value, list) and len(value) == 1 else [value]
    elif how == "reference" and isinstance(value, str):
        parent[key] = {"id": value}
    elif how in ("value object", "absolute key") and isinstance(value, str | int | float):
        found = _expanded_value(document, path)
        if found is None:
            return None
        iri, expanded = found
        if how == "value object":
            parent[key] = expanded
        else:
            del parent[key]
            parent[iri] = expanded
    else:
        return None
    return respelled


def _same_json(a: Any, b: Any) -> bool:
    """Equal JSON values, a single value being equal to a one-element array of it, and a node
    reference ``{"id": x}`` to the IRI x (every check reads both)."""
    if isinstance(a, dict) and a.keys() == {"id"} and isinstance(b, str):
        a = a["id"]
    if isinstance(b, dict) and b.keys() == {"id"} and isinstance(a, str):
        b = b["id"]
    if isinstance(a, list) and not isinstance(b, list) and len(a) == 1:
        a = a[0]
    if isinstance(b, list) and not isinstance(a, list) and len(b) == 1:
        b = b[0]
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


_DOCUMENTS = [
    sample(),
    create_presentation([Issuer(KEY).issue(unsigned_sample())], holder="did:example:h"),
]
_PATHS = [(i, path) for i, doc in enumerate(_DOCUMENTS) for path in json_paths(doc)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_PATHS),
            st.sampled_from(["keyword", "array", "reference", "value object", "absolute key"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_respellings_are_refused_or_read_the_same(steps: list[Any]) -> None:
    index = steps[0][0][0]
    original = _DOCUMENTS[index]
    document: dict[str, Any] | None = original
    for (doc_index, path), how in steps:
        if doc_index != index or document is None:
            continue
        try:
            _get(document, path)
        except (KeyError, IndexError, TypeError):
            continue
        document = _respell(document, path, how) or document
    assert document is not None
    try:
        same_rdf = jsonld.canonize(document, LOADER) == jsonld.canonize(original, LOADER)
    except VcPortableError:
        same_rdf = False
    fast, full = decide(document)
    if same_rdf and full is not None:
        assert _same_json(document, original), json.dumps(document)


# ------------------------------------------------------------------------------------------
# The work budget
# ------------------------------------------------------------------------------------------


def _blank_node_cycle(count: int) -> dict[str, Any]:
    nodes = [{"id": f"_:n{i}", "knows": {"id": f"_:n{(i + 1) % count}"}} for i in range(count)]
    return {
        "@context": [VC2, EXAMPLES],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": nodes,
    }


def _blank_node_cycles(count: int, length: int) -> dict[str, Any]:
    """``count`` cycles of ``length`` blank nodes that first-degree hashes cannot tell apart,
    each under its own property, so that no property has many values."""
    subject: dict[str, Any] = {"id": "did:example:subject"}
    for c in range(count):
        subject[f"cycle{c}"] = [
            {"id": f"_:c{c}n{i}", "knows": {"id": f"_:c{c}n{(i + 1) % length}"}}
            for i in range(length)
        ]
    return {**_blank_node_cycle(1), "credentialSubject": subject}


def _blank_node_clique(count: int) -> dict[str, Any]:
    nodes = [
        {"id": f"_:n{i}", "knows": [{"id": f"_:n{j}"} for j in range(count) if j != i]}
        for i in range(count)
    ]
    return {**_blank_node_cycle(1), "credentialSubject": nodes}


@pytest.mark.parametrize(
    "crafted",
    [_blank_node_cycle(9000), _blank_node_cycles(2, 300), _blank_node_clique(40)],
    ids=["one wide cycle", "two long cycles", "clique"],
)
def test_crafted_blank_nodes_end_quickly(crafted: dict[str, Any]) -> None:
    start = time.perf_counter()
    with pytest.raises(CanonicalizationTooComplex) as caught:
        jsonld.canonize_signed(crafted, LOADER)
    assert time.perf_counter() - start < 5
    assert caught.value.code == "CANONICALIZATION_TOO_COMPLEX"
    start = time.perf_counter()
    with pytest.raises(CanonicalizationTooComplex):
        jsonld.canonize(crafted, LOADER)  # the full path has the same bounds
    assert time.perf_counter() - start < 5


def test_verifier_reports_too_complex() -> None:
    signed = Issuer(KEY).issue(unsigned_sample())
    crafted = {**signed, "credentialSubject": [signed["credentialSubject"]]}
    crafted["@context"] = [*signed["@context"], EXAMPLES]
    crafted["credentialSubject"] += _blank_node_cycle(3000)["credentialSubject"]
    report = Verifier().verify(crafted)
    assert not report.verified
    assert Code.CANONICALIZATION_TOO_COMPLEX in _codes(report)


def test_budget_is_tunable() -> None:
    credential = Issuer(KEY).issue(unsigned_sample())
    presentation = create_presentation([credential, credential])  # tied blank nodes
    tight = jsonld.CanonicalizationBudget(max_ndegree_hash_calls=0)
    with pytest.raises(CanonicalizationTooComplex):
        jsonld.canonize_signed(presentation, LOADER, budget=tight)
    with pytest.raises(CanonicalizationTooComplex):
        jsonld.canonize(presentation, LOADER, budget=tight)
    assert jsonld.canonize_signed(presentation, LOADER) == jsonld.canonize(presentation, LOADER)


# ------------------------------------------------------------------------------------------
# Every official vector and project credential is in compacted form, on the fast path
# ------------------------------------------------------------------------------------------


def test_vectors_are_compacted_form_on_the_fast_path() -> None:
    from test_canon_fast import vector_documents

    checked = 0
    for name, document in vector_documents():
        try:
            plain = jsonld.canonize(document, LOADER)
        except VcPortableError:
            continue  # not signable JSON-LD at all (safe mode): nothing to compare
        fast, full = decide(document)
        assert full == plain, name
        assert fast == plain, f"{name}: {canonfast.explain(document, LOADER, compacted=True)}"
        checked += 1
    assert checked >= 40
