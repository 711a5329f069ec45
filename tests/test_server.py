"""The VC-API server in process (httpx through Starlette's AppClient): issue, verify, status,
tokens, and every kind of bad request getting its own 4xx/503 with a JSON body."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from conftest import status_entry, unsigned_sample
from vcportable.keys import KeyPair, KeyType
from vcportable.proofs import jose
from vcportable.server import create_app
from vcportable.server.config import config_from_dict
from vcportable.server.tokens import create_token
from vcportable.store import Store
from vcportable.store.audit import export_entries, verify_chain

BASE = "https://testserver"


def server_config(folder: Path, database: dict[str, str] | None = None, **server: Any) -> Any:
    """Two Ed25519 issuers, ``acme`` (adds status entries) and ``other``, in ``folder``."""
    issuers = []
    for name, status in (("acme", True), ("other", False)):
        key = folder / f"{name}.json"
        if not key.exists():
            KeyPair.generate(KeyType.ED25519).save(key, None)
        entry: dict[str, Any] = {"name": name, "key": str(key), "status": status}
        if database and name in database:
            entry["database"] = database[name]
        issuers.append(entry)
    settings = {"insecure_http": True, "public_url": BASE, "data_dir": str(folder), **server}
    return config_from_dict({"server": settings, "issuers": issuers}, base=folder)


def token(app: Any, issuer: str, scopes: tuple[str, ...] = ("issue", "status"), **kw: Any) -> str:
    store = app.state.context.services[issuer].store
    return create_token(store, issuer, scopes, now=datetime.now(UTC), **kw)[1]


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


class AppClient:
    """A synchronous face on ``httpx.AsyncClient`` over the ASGI app, in this process."""

    def __init__(self, app: Any, base_url: str = BASE, root_path: str = "") -> None:
        self.app = app
        self.base_url = base_url
        self.root_path = root_path

    def __enter__(self) -> AppClient:
        self._portal_cm = start_blocking_portal()
        self.portal: BlockingPortal = self._portal_cm.__enter__()
        transport = httpx.ASGITransport(app=self.app, root_path=self.root_path)
        self.client = httpx.AsyncClient(transport=transport, base_url=self.base_url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.portal.call(self.client.aclose)
        self._portal_cm.__exit__(None, None, None)
        for service in self.app.state.context.services.values():
            service.store.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(lambda: self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("OPTIONS", url, **kwargs)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(server_config(tmp_path))


@pytest.fixture
def client(app: Any) -> Iterator[AppClient]:
    with AppClient(app) as client:
        yield client


def sample() -> dict[str, Any]:
    """The unsigned sample with an id of its own (an id names one credential)."""
    return {**unsigned_sample(), "id": f"urn:uuid:{uuid.uuid4()}"}


def issue(client: AppClient, app: Any, issuer: str = "acme", **options: Any) -> dict[str, Any]:
    response = client.post(
        f"/{issuer}/credentials/issue",
        json={"credential": sample(), "options": options},
        headers=bearer(token(app, issuer)),
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def verify(client: AppClient, credential: Any) -> Any:
    return client.post("/credentials/verify", json={"verifiableCredential": credential})


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message"} and body["message"]
    if code is not None:
        assert body["code"] == code
    return body


# -- issue and verify --------------------------------------------------------------------------


def test_issued_credential_verifies_and_a_tampered_one_is_400_with_the_report(
    client: AppClient, app: Any
) -> None:
    credential = issue(client, app)
    issuer = app.state.context.services["acme"]
    assert credential["issuer"]["id"] == issuer.did
    assert [e["statusPurpose"] for e in credential["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    response = verify(client, credential)
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True and body["errors"] == []
    assert "status[0]" in body["checks"]
    credential["credentialSubject"]["name"] = "Someone Else"
    response = verify(client, credential)
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert body["report"]["verified"] is False
    assert any(e.startswith("SIGNATURE_INVALID") for e in body["errors"])


def test_issuer_without_status_adds_entries_only_when_asked(client: AppClient, app: Any) -> None:
    plain = issue(client, app, "other")
    assert "credentialStatus" not in plain
    asked = issue(client, app, "other", credentialStatus={"type": "BitstringStatusListEntry"})
    assert len(asked["credentialStatus"]) == 2


def test_jwt_format_comes_back_enveloped_and_verifies(client: AppClient, app: Any) -> None:
    credential = issue(client, app, "other", format="jwt")
    assert credential["type"] == "EnvelopedVerifiableCredential"
    assert credential["id"].startswith("data:application/vc+jwt,ey")
    assert verify(client, credential).status_code == 200


def test_a_credential_token_is_no_presentation(client: AppClient, app: Any) -> None:
    """Anyone's copy of a credential token, enveloped as a presentation with the verifier's
    challenge, is refused: each route verifies its own kind, whatever the token's typ says, and
    a credential answers no challenge."""
    credential = issue(client, app, "other", format="jwt")
    token = credential["id"].partition(",")[2]
    as_presentation = {
        "type": ["EnvelopedVerifiablePresentation"],
        "id": f"data:application/vp+jwt,{token}",
    }
    response = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": as_presentation, "options": {"challenge": "fresh-1"}},
    )
    assert response.status_code == 400
    assert response.json()["verified"] is False
    assert "TYP_MISMATCH" in response.text
    presentation = jose.issue_vp_jwt(
        [token], KeyPair.generate(), now=datetime.now(UTC), nonce="fresh-1"
    )
    as_credential = {
        "type": ["EnvelopedVerifiableCredential"],
        "id": f"data:application/vc+jwt,{presentation}",
    }
    response = verify(client, as_credential)
    assert response.status_code == 400
    assert "TYP_MISMATCH" in response.text


def test_a_retry_gets_the_same_credential_and_other_content_under_its_id_is_409(
    client: AppClient, app: Any
) -> None:
    body = {
        "credential": {**unsigned_sample(), "id": "urn:uuid:7d3c2b5e-1f0a-4c1e-9e55-0c1d2e3f4a5b"}
    }
    headers = bearer(token(app, "acme"))
    first = client.post("/acme/credentials/issue", json=body, headers=headers)
    again = client.post("/acme/credentials/issue", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    one, two = (r.json()["verifiableCredential"] for r in (first, again))
    assert one["credentialStatus"] == two["credentialStatus"]
    assert app.state.context.services["acme"].store.count() == 1
    body["credential"]["name"] = "Something else"
    assert_error(client.post("/acme/credentials/issue", json=body, headers=headers), 409)
    assert app.state.context.services["acme"].store.count() == 1


def test_credential_naming_another_issuer_is_refused(client: AppClient, app: Any) -> None:
    credential = {**unsigned_sample(), "issuer": app.state.context.services["other"].did}
    response = client.post(
        "/acme/credentials/issue",
        json={"credential": credential},
        headers=bearer(token(app, "acme")),
    )
    assert_error(response, 400, "CREDENTIAL_INVALID")
    assert app.state.context.services["acme"].store.count() == 0


def test_presentation_verify_answers_400_for_an_unsigned_presentation(client: AppClient) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
    }
    response = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {"challenge": "abc"}},
    )
    assert response.status_code == 400
    assert response.json()["verified"] is False


def test_the_answer_holds_the_report_as_the_library_writes_it(client: AppClient, app: Any) -> None:
    """The server writes the report field by field (fast); it must be ``to_json_dict`` exactly,
    for a verified credential, a failing one and a presentation with an enclosed credential."""
    from vcportable.server.routes_verifying import answer

    credential = issue(client, app)
    tampered = {**credential, "name": "changed after signing"}
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential],
    }
    verifier = app.state.context.verifier
    reports = [
        verifier.verify_credential(credential),
        verifier.verify_credential(tampered),
        verifier.verify_presentation(presentation),
    ]
    assert reports[2].credentials
    for report in reports:
        response = answer(report)
        assert response.status_code == (200 if report.verified else 400)
        assert json.loads(response.body)["report"] == report.to_json_dict()
    errors = json.loads(
        answer(
            verifier.verify_presentation({**presentation, "verifiableCredential": [tampered]})
        ).body
    )["errors"]
    assert any(e.startswith("verifiableCredential[0]: SIGNATURE_INVALID: ") for e in errors)


# -- status --------------------------------------------------------------------------------------


def test_revoke_then_verify_fails_and_the_list_changes_its_etag(
    client: AppClient, app: Any
) -> None:
    credential = issue(client, app)
    url = credential["credentialStatus"][0]["statusListCredential"]
    path = url.removeprefix(BASE)
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    head = client.request("HEAD", path)  # what a cache asks: the same headers
    assert head.status_code == 200 and head.headers["etag"] == etag
    assert head.headers["content-length"] == first.headers["content-length"]
    assert client.request("HEAD", path, headers={"If-None-Match": etag}).status_code == 304
    assert etag.startswith('W/"')  # the same in every worker for the same state and period
    opaque = etag.removeprefix("W/")
    for asked in (opaque, f'"other", {etag}', "*"):  # weak comparison (RFC 9110 13.1.2)
        assert client.get(path, headers={"If-None-Match": asked}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert verify(client, credential).status_code == 200  # the shared verifier caches the list
    response = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke", "reason": "fraud"},
        headers=bearer(token(app, "acme", ("status",))),
    )
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    after = client.get(path)
    assert after.headers["etag"] != etag
    listed = after.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["credentialSubject"]["encodedList"].startswith("u")
    result = verify(client, credential)
    assert result.status_code == 400
    assert any(e.startswith("REVOKED") for e in result.json()["errors"])


def test_an_unchanged_list_is_signed_again_once_its_copy_ages(tmp_path: Path) -> None:
    """A list nobody revokes from must still be re-signed, or it would be served past its
    validUntil: a copy serves the period of LIST_REFRESH_SECONDS it was signed for (by the
    issuer's clock, as its validFrom and tag say), whatever the registry's version."""
    from vcportable.server.service import LIST_REFRESH_SECONDS

    class Clock:
        instant = datetime(2026, 1, 1, tzinfo=UTC)

        def now(self) -> datetime:
            return self.instant

    clock = Clock()
    app = create_app(server_config(tmp_path), clock=clock)
    with AppClient(app) as client:
        credential = issue(client, app)
        path = credential["credentialStatus"][0]["statusListCredential"].removeprefix(BASE)
        first = client.get(path)
        clock.instant += timedelta(seconds=LIST_REFRESH_SECONDS - 1)
        assert client.get(path).json() == first.json()  # the same period: the same copy
        clock.instant += timedelta(hours=1)
        again = client.get(path)
        assert again.json()["validFrom"].startswith("2026-01-01T01:")
        assert again.headers["etag"] != first.headers["etag"]


def test_workers_agree_on_a_status_list_etag(tmp_path: Path) -> None:
    """Each worker signs its own copy of a list; their tags agree (one registry state, one
    period), so a cache behind a load balancer revalidates against any of them."""
    config = server_config(tmp_path)
    with AppClient(create_app(config)) as one, AppClient(create_app(config)) as two:
        credential = issue(one, one.app)
        path = credential["credentialStatus"][0]["statusListCredential"].removeprefix(BASE)
        first, second = one.get(path), two.get(path)
        assert first.headers["etag"] == second.headers["etag"]
        asked = {"If-None-Match": first.headers["etag"]}
        assert two.get(path, headers=asked).status_code == 304


def test_suspend_and_reinstate(client: AppClient, app: Any) -> None:
    credential = issue(client, app)
    headers = bearer(token(app, "acme", ("status",)))
    for action, state, verified in (("suspend", "suspended", 400), ("reinstate", "active", 200)):
        response = client.post(
            "/credentials/status",
            json={"credentialId": credential["id"], "action": action},
            headers=headers,
        )
        assert response.json()["state"] == state
        assert verify(client, credential).status_code == verified
    again = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "reinstate"},
        headers=headers,
    )
    assert_error(again, 409, "CONFLICT")


def test_status_change_of_a_credential_without_entries_is_409(client: AppClient, app: Any) -> None:
    credential = issue(client, app, "other")
    response = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke"},
        headers=bearer(token(app, "other", ("status",))),
    )
    assert_error(response, 409)


def test_status_entries_a_request_wrote_are_never_changed_here(client: AppClient, app: Any) -> None:
    """A credential may come with status entries of its own (the data model allows any): a
    change recorded here would flag an index no verifier reads (409). Entries naming this
    issuer's own lists, whose indices the registry assigns, are refused when issuing (400)."""
    foreign = status_entry("https://lists.example/1", 5)
    response = client.post(
        "/other/credentials/issue",
        json={"credential": {**sample(), "credentialStatus": foreign}},
        headers=bearer(token(app, "other")),
    )
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    changed = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke"},
        headers=bearer(token(app, "other", ("status",))),
    )
    assert "not ones this registry assigned" in assert_error(changed, 409, "CONFLICT")["message"]
    scheme, _, host = BASE.partition("://")
    default_port = {"https": 443, "http": 80}[scheme]
    spellings = [
        f"{BASE}/status/other/1-revocation",
        f"{scheme.upper()}://{host.upper()}/status/other/1-revocation",
        f"{BASE}:{default_port}/status/other/1-revocation",
        f"{BASE}/status/x/../other/1-revocation",  # a client removes the dot segments
        f"{BASE}/st%61tus/other/1-revocation",  # the router decodes %61
        f"{BASE}//status/other/1-revocation",
    ]
    for url in spellings:
        own = status_entry(url, 5)  # however it is spelt
        refused = client.post(
            "/other/credentials/issue",
            json={"credential": {**sample(), "credentialStatus": own}},
            headers=bearer(token(app, "other")),
        )
        assert "own status lists" in assert_error(refused, 400)["message"], url


def test_what_the_registry_cannot_store_is_400(client: AppClient, app: Any) -> None:
    """A NUL character (PostgreSQL text holds none) or an id of 2,048 characters but 6 KB
    (an index row holds 2,704 bytes) is the request's fault on both registries: a 400 of its
    own, never a 503 that fails the other requests of its batch."""
    headers = bearer(token(app, "acme"))
    named = sample()
    named["credentialSubject"]["name"] = "Eve\u0000"
    for credential in (named, {**sample(), "id": "urn:x:" + "語" * 2000}):
        response = client.post(
            "/acme/credentials/issue", json={"credential": credential}, headers=headers
        )
        assert_error(response, 400)
    issued = issue(client, app)
    for change in (
        {"credentialId": issued["id"], "reason": "a\u0000b"},
        {"credentialId": "urn:\u0000"},
    ):
        response = client.post(
            "/credentials/status",
            json={**change, "action": "revoke"},
            headers=bearer(token(app, "acme", ("status",))),
        )
        assert "(U+0000)" in assert_error(response, 400)["message"]


def test_unknown_status_list_is_404(client: AppClient, app: Any) -> None:
    listed = issue(client, app)["credentialStatus"][0]["statusListCredential"]
    assert client.get(listed.removeprefix(BASE)).status_code == 200
    list_id = listed.rpartition("/")[2].partition("-")[0]
    for path in (
        "/status/acme/9-revocation",
        "/status/acme/1-other",
        "/status/nobody/1-revocation",
        # the same number in other digits (int() reads them): not a URL the lists are named by
        "/status/acme/"
        + list_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        + "-revocation",
        f"/status/acme/0{list_id}-revocation",  # leading zeros: int() reads them too
    ):
        assert_error(client.get(path), 404, "NOT_FOUND")


# -- authorisation -------------------------------------------------------------------------------


def test_issuing_needs_a_token_of_that_issuer_with_the_issue_scope(
    client: AppClient, app: Any
) -> None:
    body = {"credential": unsigned_sample()}
    cases = [
        ({}, 401),
        ({"Authorization": "Basic abc"}, 401),
        (bearer("not-a-token"), 401),
        (bearer("vcp_acme_0011223344556677_guessed"), 401),
        (bearer(token(app, "acme", ("status",))), 403),
        (bearer(token(app, "other")), 403),
        (bearer(token(app, "acme", expires_at=datetime.now(UTC) - timedelta(seconds=1))), 401),
    ]
    for headers, status in cases:
        response = client.post("/acme/credentials/issue", json=body, headers=headers)
        assert_error(response, status)
    assert app.state.context.services["acme"].store.count() == 0


def test_a_token_naming_no_issuer_of_this_server_is_an_unknown_token(
    client: AppClient, app: Any
) -> None:
    """A token whose issuer name is none of this server's issuers is unknown (401, the message
    every unknown token gets, naming no issuer), not "another issuer's" (403, which would tell
    that the name is not this endpoint's and invite probing for the others); at an issuer's
    endpoint (fast path and routes alike) and for a status change. A token of another issuer
    of this server stays 403 (docs/server.md)."""
    credential = issue(client, app)
    guessed = client.post(
        "/acme/credentials/issue",
        json={"credential": sample()},
        headers=bearer("vcp_acme_0011223344556677_guessed"),
    )
    unknown = assert_error(guessed, 401, "UNAUTHORIZED")
    change = {"credentialId": credential["id"], "action": "revoke"}
    for text in (
        "vcp_nonexistent_aa_bb",
        "vcp_../../x_aa_bb",
        "vcp_ACME_aa_bb",  # issuer names are exact
        "vcp_acme%00_aa_bb",
    ):
        for path, body in (
            ("/acme/credentials/issue", {"credential": sample()}),
            ("/other/credentials/issue", {"credential": sample()}),
            ("/credentials/status", change),
        ):
            response = client.post(path, json=body, headers=bearer(text))
            assert assert_error(response, 401, "UNAUTHORIZED") == unknown, (text, path)
            assert response.headers["www-authenticate"] == "Bearer"
    other = client.post(
        "/acme/credentials/issue",
        json={"credential": sample()},
        headers=bearer(token(app, "other")),
    )
    assert "another issuer" in assert_error(other, 403, "FORBIDDEN")["message"]
    acme = app.state.context.services["acme"].store
    assert acme.count() == 1 and acme.credential(credential["id"]).state == "active"
    assert app.state.context.services["other"].store.count() == 0


def test_a_revoked_token_is_refused(client: AppClient, app: Any) -> None:
    from vcportable.server.tokens import list_tokens, revoke_token

    text = token(app, "acme")
    store = app.state.context.services["acme"].store
    (info,) = list_tokens(store)
    revoke_token(store, info.id, now=datetime.now(UTC))
    response = client.post(
        "/acme/credentials/issue", json={"credential": unsigned_sample()}, headers=bearer(text)
    )
    assert_error(response, 401)


def test_a_token_text_is_read_in_one_way_everywhere(app: Any) -> None:
    """The token's own prefix is required wherever its text is read: a good id and secret
    under another prefix are no token, checked alone or in an issue batch's lookup."""
    from vcportable.errors import VcPortableError
    from vcportable.server.tokens import authorize, check, lookup, read_token

    text = token(app, "acme")
    service = app.state.context.services["acme"]
    now = datetime.now(UTC)
    assert authorize(service.store, text, "issue", now=now, issuer=service.did).issuer == (
        service.did
    )
    parts = read_token(text)
    assert (parts.issuer, f"vcp_acme_{parts.id}_{parts.secret}") == ("acme", text)
    renamed = "xyz" + text.removeprefix("vcp")
    with service.store.transaction() as connection:
        rows = lookup(connection, [renamed, "not a token", text])
    assert list(rows) == [parts.id]
    for refused in (
        lambda: authorize(service.store, renamed, "issue", now=now, issuer=service.did),
        lambda: check(rows, renamed, "issue", now=now, issuer=service.did),
    ):
        with pytest.raises(VcPortableError, match="not a vcportable token"):
            refused()


def test_tokens_are_checked_with_their_batch_and_before_the_body(
    client: AppClient, app: Any
) -> None:
    """Issue requests check their tokens together with their batch: of requests issued at
    once, only those with a good token are signed and recorded; and a bad token is 401 even
    when the body is bad too (the caller learns nothing else)."""
    from concurrent.futures import ThreadPoolExecutor

    from vcportable.errors import VcPortableError
    from vcportable.server.tokens import list_tokens, revoke_token

    service = app.state.context.services["acme"]
    good, revoked, narrow = token(app, "acme"), token(app, "acme"), token(app, "acme", ("status",))
    (bad,) = [t for t in list_tokens(service.store) if revoked.split("_")[2] == t.id]
    revoke_token(service.store, bad.id, now=datetime.now(UTC))
    texts = [good, revoked, narrow, "vcp_acme_0011223344556677_guessed"] * 6

    def one(text: str) -> Any:
        try:
            return service.issue(sample(), token=text)
        except VcPortableError as exc:
            return exc.code

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, texts))
    assert all(isinstance(r, dict) for r in results[0::4])
    assert results[1::4] == results[3::4] == ["UNAUTHORIZED"] * 6
    assert results[2::4] == ["FORBIDDEN"] * 6
    assert service.store.count() == 6
    for headers, status in ((bearer(revoked), 401), (bearer(narrow), 403), (bearer(good), 400)):
        response = client.post(
            "/acme/credentials/issue",
            content=b'{"credential": ',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert_error(response, status)
        wrong_type = client.post(
            "/acme/credentials/issue",
            content=b"{}",
            headers={**headers, "Content-Type": "text/plain"},
        )
        assert_error(wrong_type, 415 if status == 400 else status)


def test_a_bad_token_is_refused_before_its_body_is_read_as_a_credential(
    client: AppClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged token is checked alone before the body is parsed and a credential prepared;
    a good one is admitted for a few seconds, and its batch still checks it again (a token
    revoked meanwhile is refused at once)."""
    from vcportable.server.service import IssuerService
    from vcportable.server.tokens import list_tokens, revoke_token

    service = app.state.context.services["acme"]
    prepared: list[str | None] = []
    real_issue = IssuerService.issue

    def counting(self: IssuerService, *args: Any, **kw: Any) -> Any:
        prepared.append(kw.get("token"))
        return real_issue(self, *args, **kw)

    monkeypatch.setattr(IssuerService, "issue", counting)
    body = {"credential": unsigned_sample()}
    forged = bearer("vcp_acme_0011223344556677_guessed")
    for _ in range(3):
        assert_error(client.post("/acme/credentials/issue", json=body, headers=forged), 401)
    assert prepared == []
    good = token(app, "acme")
    assert (
        client.post("/acme/credentials/issue", json=body, headers=bearer(good)).status_code == 201
    )
    (info,) = list_tokens(service.store)
    revoke_token(service.store, info.id, now=datetime.now(UTC))
    again = {"credential": {**unsigned_sample(), "id": "urn:uuid:" + str(uuid.uuid4())}}
    assert_error(client.post("/acme/credentials/issue", json=again, headers=bearer(good)), 401)
    assert prepared == [good, good] and service.store.count() == 1


def test_a_batch_that_fails_unexpectedly_issues_nothing(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug or a driver's own error while a batch is recorded: the request leading the batch
    gets it, and no other request of the batch reads as issued (nothing was recorded)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    service = app.state.context.services["acme"]
    started = threading.Event()

    def crash(connection: Any, records: Any, **kw: Any) -> None:
        started.set()
        time.sleep(0.2)  # the other requests queue up behind this batch, or join the next
        raise RuntimeError("driver bug (simulated)")

    monkeypatch.setattr(service.store, "record", crash)

    def one(_: int) -> str:
        try:
            service.issue({**sample(), "id": f"urn:uuid:{uuid.uuid4()}"})
        except Exception as exc:  # noqa: BLE001 - what each request ends with is the point
            return type(exc).__name__
        return "issued"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(one, range(8)))
    assert started.is_set() and "issued" not in outcomes, outcomes
    assert set(outcomes) <= {"RuntimeError", "StorageError"} and service.store.count() == 0


def test_a_token_cannot_change_the_status_of_another_issuers_credential(
    client: AppClient, app: Any
) -> None:
    credential = issue(client, app, "acme")
    response = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke"},
        headers=bearer(token(app, "other", ("status",))),
    )
    assert_error(response, 404, "NOT_FOUND")
    record = app.state.context.services["acme"].store.credential(credential["id"])
    assert record.state == "active"


def test_a_forged_token_naming_another_issuer_finds_nothing(client: AppClient, app: Any) -> None:
    real = token(app, "other", ("status",))
    _, _, token_id, secret = real.split("_", 3)
    forged = f"vcp_acme_{token_id}_{secret}"
    credential = issue(client, app, "acme")
    response = client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke"},
        headers=bearer(forged),
    )
    assert_error(response, 401)


def test_a_token_record_of_another_did_admits_nothing(client: AppClient, app: Any) -> None:
    """A token's record must name this issuer's DID (a registry holds one issuer; a row of
    another, copied or tampered in, is unknown): refused alone, in a batch and for status."""
    from sqlalchemy import update

    from vcportable.errors import VcPortableError
    from vcportable.store.schema import api_tokens

    service = app.state.context.services["acme"]
    credential = issue(client, app)
    text = token(app, "acme")
    with service.store.transaction() as connection:
        connection.execute(update(api_tokens).values(issuer="did:example:someone-else"))
    body = {"credential": sample()}
    assert_error(client.post("/acme/credentials/issue", json=body, headers=bearer(text)), 401)
    with pytest.raises(VcPortableError, match="unknown bearer token") as refused:
        service.issue(sample(), token=text)  # the batch's own check
    assert refused.value.code == "UNAUTHORIZED"
    change = {"credentialId": credential["id"], "action": "revoke"}
    assert_error(client.post("/credentials/status", json=change, headers=bearer(text)), 401)
    assert service.store.count() == 1


# -- bad requests --------------------------------------------------------------------------------


def test_bad_requests_get_a_json_error_and_nothing_is_written(client: AppClient, app: Any) -> None:
    headers = {**bearer(token(app, "acme")), "Content-Type": "application/json"}
    cases: list[tuple[Any, dict[str, str], int]] = [
        (b"{not json", headers, 400),
        (b'{"credential": {}, "credential": {}}', headers, 400),  # duplicate member
        (b"[]", headers, 400),
        (b'{"credential": "text"}', headers, 400),
        (b'{"credential": []}', headers, 400),
        (b'{"credential": {}, "options": {"format": "cbor"}}', headers, 400),
        (b'{"credential": {}, "surprise": 1}', headers, 400),
        (b'{"credential": {}}', headers, 400),  # no issuer, nothing to sign
        (json.dumps({"credential": sample()}).encode(), {**headers, "Content-Type": "text/plain"}, 415),  # noqa: E501
        (b"{}", {**bearer(token(app, "acme"))}, 415),
    ]  # fmt: skip
    for content, request_headers, status in cases:
        response = client.post("/acme/credentials/issue", content=content, headers=request_headers)
        assert_error(response, status)
    assert app.state.context.services["acme"].store.count() == 0


def test_a_body_labelled_with_a_charset_other_than_utf8_is_415_everywhere(
    client: AppClient, app: Any
) -> None:
    """JSON over HTTP is UTF-8 (RFC 8259, 8.1): a content type naming another charset is
    refused (415, the JSON error body) on every JSON endpoint, rather than read as UTF-8
    anyway; ``charset=utf-8`` (any case, quoted or not, or its alias ``utf8``) and no charset
    are accepted alike."""
    credential = issue(client, app)
    good = bearer(token(app, "acme"))
    endpoints: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        ("/credentials/verify", {"verifiableCredential": credential}, {}),
        ("/presentations/verify", {"verifiablePresentation": {}}, {}),
        ("/credentials/derive", {"verifiableCredential": credential}, {}),
        ("/acme/credentials/issue", {"credential": sample()}, good),
        ("/credentials/status", {"credentialId": "urn:uuid:nothing", "action": "revoke"}, good),
    ]
    refused = [
        "application/json; charset=utf-16",
        "application/json; charset=latin-1",
        "application/json;charset=ISO-8859-1",
        'application/json; charset="UTF-16LE"',
        "application/json; charset=",
        "application/ld+json; charset=us-ascii",
    ]
    accepted = [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json; charset=utf8",  # a common alias of the same encoding
    ]
    for path, body, headers in endpoints:
        content = json.dumps(body).encode()
        for media in refused:
            response = client.post(
                path, content=content, headers={**headers, "Content-Type": media}
            )
            assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
            assert response.headers["content-type"] == "application/json", (path, media)
            assert "UTF-8" in response.json()["message"], (path, media)
        utf16 = json.dumps(body).encode("utf-16")
        response = client.post(path, content=utf16, headers={**headers, "Content-Type": refused[0]})
        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
        gzipped = {**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}
        response = client.post(path, content=gzip.compress(content), headers=gzipped)
        assert "compressed" in assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")["message"]
        if path == "/acme/credentials/issue":
            continue  # each accepted one would issue a credential: one suffices, below
        answers = {
            client.post(
                path, content=content, headers={**headers, "Content-Type": media}
            ).status_code
            for media in accepted
        }
        assert len(answers) == 1 and 415 not in answers, (path, answers)
    assert app.state.context.services["acme"].store.count() == 1  # nothing refused was issued
    response = client.post(
        "/acme/credentials/issue",
        content=json.dumps({"credential": sample()}).encode(),
        headers={**good, "Content-Type": "application/json; Charset=UTF-8"},
    )
    assert response.status_code == 201, response.text
    assert app.state.context.services["acme"].store.count() == 2
    assert app.state.context.services["acme"].store.credential(credential["id"]).state == "active"


def test_an_oversized_body_is_413_before_parsing(tmp_path: Path) -> None:
    app = create_app(server_config(tmp_path, max_body_bytes=2048))
    with AppClient(app) as client:
        big = b'{"verifiableCredential": {"x": "' + b"a" * 4096 + b'"}}'
        response = client.post(
            "/credentials/verify", content=big, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 413, "TOO_LARGE")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
            yield b'{"verifiableCredential": {"x": "'
            for _ in range(8):
                yield b"a" * 512
            yield b'"}}'

        response = client.post(
            "/credentials/verify", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert_error(response, 413, "TOO_LARGE")


def test_a_content_length_of_other_digits_is_a_bad_request(client: AppClient) -> None:
    """``"²".isdigit()`` holds but ``int("²")`` fails: 400 with its cause, not a 500."""
    for declared in ("²", "1²", "-1", "1e3", " "):
        response = client.post(
            "/credentials/verify",
            content=b"{}",
            headers={
                "Content-Type": "application/json",
                "Content-Length": declared.encode("latin-1"),
            },
        )
        assert_error(response, 400, "MALFORMED")
        assert "Content-Length is not a number" in response.json()["message"]


def test_verify_bad_requests(client: AppClient) -> None:
    for body in (
        {},
        {"verifiableCredential": "eyJhbGciOi.not.a-map"},
        {"verifiableCredential": 5},
        {"verifiableCredential": {}, "options": {"checks": "proof"}},
    ):
        assert_error(client.post("/credentials/verify", json=body), 400, "MALFORMED")


def test_unknown_issuer_and_unknown_route_are_404(client: AppClient, app: Any) -> None:
    response = client.post(
        "/nobody/credentials/issue",
        json={"credential": unsigned_sample()},
        headers=bearer(token(app, "acme")),
    )
    assert_error(response, 404, "NOT_FOUND")
    assert_error(client.get("/no/such/route"), 404)
    assert_error(client.get("/credentials/verify"), 405)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/acme/credentials/issue/"),
        ("POST", "/credentials/verify/"),
        ("POST", "/presentations/verify/"),
        ("POST", "/credentials/status/"),
        ("GET", "/healthz/"),
        ("GET", "/trust-list/"),
    ],
)
def test_a_trailing_slash_is_an_unknown_route_not_a_redirect_to_the_request_host(
    client: AppClient, app: Any, method: str, path: str
) -> None:
    response = client.request(
        method,
        path,
        json={"credential": sample()},
        headers={**bearer(token(app, "acme")), "Host": "evil.example"},
    )
    assert_error(response, 404, "NOT_FOUND")
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/json"


def test_unreachable_database_is_503_and_the_service_keeps_serving(
    client: AppClient, app: Any
) -> None:
    service = app.state.context.services["acme"]
    text = token(app, "acme")
    healthy = service.store
    service.store = Store(
        __import__("vcportable.store.engine", fromlist=["x"]).create_store_engine(
            "postgresql+psycopg://nobody@127.0.0.1:1/none"
        )
    )
    try:
        response = client.post(
            "/acme/credentials/issue", json={"credential": unsigned_sample()}, headers=bearer(text)
        )
        assert_error(response, 503)
        assert client.get("/readyz").status_code == 503
    finally:
        service.store.close()
        service.store = healthy
    assert client.get("/readyz").json() == {"status": "ready"}
    assert issue(client, app)["issuer"]


def test_audit_chain_records_issue_and_revoke(client: AppClient, app: Any) -> None:
    credential = issue(client, app)
    client.post(
        "/credentials/status",
        json={"credentialId": credential["id"], "action": "revoke", "reason": "test"},
        headers=bearer(token(app, "acme")),
    )
    store = app.state.context.services["acme"].store
    with store.transaction() as connection:
        assert verify_chain(connection).intact
        (entry,) = [e for e in export_entries(connection) if e["action"] == "revoke"]
    assert entry["credential_id"] == credential["id"] and entry["reason"] == "test"
    assert len(entry["details"]["token"]) == 16  # which token asked, never its secret


# -- operations ----------------------------------------------------------------------------------


def test_a_client_gone_before_the_answer_is_no_server_error() -> None:
    """A client that closes mid-body is counted as 499 (nginx's), not as a 5xx any anonymous
    client could raise at will."""
    import anyio

    from vcportable.server.observability import Metrics, Observe

    async def reading(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass  # the client went away: nothing to answer

    messages = iter([{"type": "http.request", "body": b"{", "more_body": True}])

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: Any) -> None:
        raise AssertionError("nothing is sent")

    metrics = Metrics()
    scope = {"type": "http", "method": "POST", "path": "/credentials/verify", "headers": []}
    anyio.run(Observe(reading, metrics), scope, receive, send)
    body = metrics.render()[0].decode()
    assert 'status="499"' in body and 'status="500"' not in body


def test_health_metrics_and_openapi(client: AppClient, app: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    issue(client, app)
    metrics = client.get("/metrics").text
    assert 'vcportable_requests_total{endpoint="/{issuer}/credentials/issue"' in metrics
    assert "vcportable_request_seconds_bucket" in metrics
    for invented in ("BREW", "PROPFIND", "X-1"):  # any token is a method to the HTTP parser
        client.request(invented, "/healthz")
    metrics = client.get("/metrics").text
    assert 'method="OTHER"' in metrics and "BREW" not in metrics and "X-1" not in metrics
    schema = client.get("/openapi.json").json()
    assert "/credentials/verify" in schema["paths"]
    issue_op = schema["paths"]["/{issuer}/credentials/issue"]["post"]
    assert issue_op["security"] == [{"bearer": []}]
    assert (
        "credential"
        in issue_op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )


def test_trust_list_is_served_as_published(tmp_path: Path) -> None:
    published = tmp_path / "trust.json"
    published.write_bytes(b'{"payload": "x", "signatures": []}')
    app = create_app(server_config(tmp_path, trust_list=str(published)))
    with AppClient(app) as client:
        response = client.get("/trust-list")
        assert response.content == published.read_bytes()
        head = client.request("HEAD", "/trust-list")
        assert head.status_code == 200 and head.headers["etag"] == response.headers["etag"]
        assert (
            client.get(
                "/trust-list", headers={"If-None-Match": response.headers["etag"]}
            ).status_code
            == 304
        )


def test_a_trust_list_over_the_limit_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "trust.json"
    published.write_bytes(b'{"payload": "' + b"x" * 100 + b'", "signatures": []}')
    from vcportable.errors import ConfigurationError
    from vcportable.server import app as server_app

    monkeypatch.setattr(server_app, "MAX_TRUST_LIST_BYTES", 64)
    with pytest.raises(ConfigurationError, match="trust list .* over the limit of 64"):
        create_app(server_config(tmp_path, trust_list=str(published)))
    published.write_bytes(b'{"payload": 1, "payload": 2}')
    with pytest.raises(ConfigurationError, match="duplicate member"):
        create_app(server_config(tmp_path, trust_list=str(published)))


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "https://employer.example", "Access-Control-Request-Method": "POST"}
    with AppClient(create_app(server_config(tmp_path))) as client:
        assert (
            "access-control-allow-origin"
            not in client.options("/credentials/verify", headers=preflight).headers
        )
    app = create_app(server_config(tmp_path, cors_origins=["https://employer.example"]))
    with AppClient(app) as client:
        response = client.options("/credentials/verify", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://employer.example"
        revalidating = {  # a page revalidates a status list itself and reads its tag
            "Origin": "https://employer.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        }
        assert client.options("/trust-list", headers=revalidating).status_code == 200
        simple = client.get("/healthz", headers={"Origin": "https://employer.example"})
        assert "etag" in simple.headers["access-control-expose-headers"].lower()
        stranger = {**preflight, "Origin": "https://stranger.example"}
        refused = client.options("/credentials/verify", headers=stranger)
        assert "Disallowed CORS origin" in assert_error(refused, 400, "CORS_REFUSED")["message"]


def test_allow_names_every_method_of_the_path_and_probes_may_ask_with_head(
    client: AppClient,
) -> None:
    for path, allowed in (
        ("/trust-list", "GET, HEAD"),
        ("/credentials/verify", "POST"),
        ("/openapi.json", "GET, HEAD"),  # FastAPI's own route
    ):
        response = client.request("PUT", path)
        assert_error(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == allowed
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.request("HEAD", path)
        assert response.status_code == 200 and not response.content


def test_ecdsa_sd_issue_derive_verify(tmp_path: Path) -> None:
    key = tmp_path / "sd.json"
    KeyPair.generate(KeyType.P256).save(key, None)
    config = config_from_dict(
        {
            "server": {"insecure_http": True, "data_dir": str(tmp_path)},
            "issuers": [{"name": "sd", "key": str(key), "cryptosuite": "ecdsa-sd-2023"}],
        },
        base=tmp_path,
    )
    app = create_app(config)
    with AppClient(app) as client:
        sample = unsigned_sample()
        response = client.post(
            "/sd/credentials/issue",
            json={"credential": sample, "options": {"mandatoryPointers": ["/issuer"]}},
            headers=bearer(token(app, "sd")),
        )
        assert response.status_code == 201, response.text
        base = response.json()["verifiableCredential"]
        derived = client.post(
            "/credentials/derive",
            json={
                "verifiableCredential": base,
                "options": {"selectivePointers": ["/credentialSubject/name"]},
            },
        )
        assert derived.status_code == 200, derived.text
        disclosed = derived.json()["verifiableCredential"]
        assert verify(client, disclosed).status_code == 200
        bad = client.post(
            "/credentials/derive",
            json={"verifiableCredential": base, "options": {"selectivePointers": ["/nope"]}},
        )
        assert_error(bad, 400)


def test_configuration_errors_name_the_setting(tmp_path: Path) -> None:
    from vcportable.errors import ConfigurationError
    from vcportable.server.config import load_config

    issuer = '[server]\ninsecure_http = true\n[[issuers]]\nkey = "k"\n'
    cases = {
        "[server]\nport = 8443\n": "HTTPS is the default",
        issuer + 'name = "Bad Name"\n': "issuers.0.name",
        issuer + 'name = "a"\ncryptosuite = "rsa"\n': "cryptosuite",
        "[server]\nsurprise = 1\n": "surprise",
        "not toml =": "not valid TOML",
    }  # fmt: skip
    for text, expected in cases.items():
        path = tmp_path / "server.toml"
        path.write_text(text)
        with pytest.raises(ConfigurationError, match=expected):
            load_config(path)


def test_concurrent_requests_are_recorded_in_batches_each_with_its_own_answer(
    app: Any,
) -> None:
    """Threads issue at once (good, invalid, a retry and a clash on one id): every good one is
    recorded once, the others get their own error, and nothing else is written."""
    from concurrent.futures import ThreadPoolExecutor

    from vcportable.errors import ConflictError, CredentialInvalidError

    service = app.state.context.services["acme"]
    shared = sample()
    requests: list[dict[str, Any]] = [sample() for _ in range(30)]
    requests += [{**sample(), "credentialSubject": {}} for _ in range(5)]  # invalid
    requests += [shared, shared, {**shared, "name": "Other"}]

    def one(credential: dict[str, Any]) -> Any:
        try:
            return service.issue(credential)
        except (CredentialInvalidError, ConflictError) as exc:
            return exc

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, requests))
    issued = [r for r in results if isinstance(r, dict)]
    assert sum(isinstance(r, CredentialInvalidError) for r in results) == 5
    assert len(issued) + sum(isinstance(r, ConflictError) for r in results) == 33
    assert service.store.count() == 31  # 30 and the shared one, recorded once
    with service.store.transaction() as connection:
        assert verify_chain(connection).intact


def test_a_retry_while_its_first_batch_commits_gets_the_same_answer(app: Any) -> None:
    """The next batch is signed while one commits: a retry (or a clash) of an id in the batch
    still committing waits for that batch and takes its answer, not a 409 of its own."""
    import threading
    import time

    from vcportable.errors import ConflictError

    service = app.state.context.services["acme"]
    record_all = service._record_all
    committing, go_on = threading.Event(), threading.Event()

    def slow(signed: Any) -> None:
        committing.set()
        go_on.wait(10)
        record_all(signed)

    service._record_all = slow
    credential = sample()
    answers: dict[str, Any] = {}

    def issue(name: str, document: dict[str, Any]) -> None:
        try:
            answers[name] = service.issue(document)
        except ConflictError as exc:
            answers[name] = exc

    first = threading.Thread(target=issue, args=("first", credential))
    first.start()
    assert committing.wait(10)
    others = [
        threading.Thread(target=issue, args=("retry", credential)),
        threading.Thread(target=issue, args=("clash", {**credential, "name": "Other"})),
    ]
    for thread in others:
        thread.start()
    time.sleep(0.3)  # both are read and classified while the first batch is still committing
    assert not answers
    go_on.set()
    for thread in [first, *others]:
        thread.join(10)
    assert answers["retry"] == answers["first"]
    assert isinstance(answers["clash"], ConflictError)
    assert service.store.count() == 1


def test_bearer_presentations_only_where_the_deployment_allows_them(tmp_path: Path) -> None:
    """A stranger's presentation of a worker's credential is 400 (HOLDER_NOT_SUBJECT) unless the
    server's configuration says its credentials are bearer credentials."""
    from vcportable.issuer import Issuer
    from vcportable.wallet import create_presentation, sign_presentation

    worker_credential = Issuer(KeyPair.generate()).issue(unsigned_sample())
    stranger = KeyPair.generate()
    presentation = sign_presentation(
        create_presentation([worker_credential], holder=stranger.controller),
        stranger,
        challenge="c-1",
        domain="employer.example",
    )
    body = {
        "verifiablePresentation": presentation,
        "options": {"challenge": "c-1", "domain": "employer.example"},
    }
    with AppClient(create_app(server_config(tmp_path))) as client:
        response = client.post("/presentations/verify", json=body)
        assert response.status_code == 400
        assert "HOLDER_NOT_SUBJECT" in response.text
    relaxed = create_app(server_config(tmp_path, allow_bearer_credentials=True))
    with AppClient(relaxed) as client:
        assert client.post("/presentations/verify", json=body).status_code == 200


def test_no_body_is_larger_than_a_verifier_reads(tmp_path: Path) -> None:
    """A deployment's larger max_body_bytes does not let a credential past the verifier's own
    input limit: verifying it (or issuing one that could never be verified, revoked or sent
    again) is 413 before any JSON-LD work."""
    from vcportable.codec.json import MAX_INPUT_BYTES

    app = create_app(server_config(tmp_path, max_body_bytes=8 * MAX_INPUT_BYTES))
    huge = {**sample(), "description": "x" * (2 * MAX_INPUT_BYTES)}
    with AppClient(app) as client:
        assert_error(
            client.post("/credentials/verify", json={"verifiableCredential": huge}),
            413,
            "TOO_LARGE",
        )
        issued = client.post(
            "/acme/credentials/issue",
            json={"credential": huge},
            headers=bearer(token(app, "acme")),
        )
        assert_error(issued, 413, "TOO_LARGE")


def test_timed_out_work_cannot_pile_up_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verification that outlives its timeout keeps its thread until it ends; beyond the
    bound of such threads a new request is 503 at once instead of starting another. (Bodies
    over ``INLINE_BYTES`` run in threads; here every body does.)"""
    import threading
    import time

    from vcportable.server import context as server_context
    from vcportable.server import routes_verifying
    from vcportable.verifier import Verifier

    monkeypatch.setattr(routes_verifying, "INLINE_BYTES", 0)

    release = threading.Event()

    def slow(self: Verifier, credential: Any) -> Any:
        release.wait(5)
        raise AssertionError("answered after its timeout")

    monkeypatch.setattr(server_context, "_timed_work", threading.BoundedSemaphore(2))
    monkeypatch.setattr(Verifier, "verify_credential", slow)
    app = create_app(server_config(tmp_path, request_timeout=0.05))
    body = {"verifiableCredential": sample()}
    try:
        with AppClient(app) as client:
            for _ in range(2):  # each times out; its thread goes on
                assert_error(client.post("/credentials/verify", json=body), 503, "TIMEOUT")
            busy = client.post("/credentials/verify", json=body)
            assert_error(busy, 503, "TIMEOUT")
            assert "busy" in busy.text
    finally:
        release.set()
    time.sleep(0.2)
    assert server_context._timed_work.acquire(blocking=False)  # the slots came back


def test_only_computation_is_verified_on_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One credential with one proof, in a body up to ``INLINE_BYTES``, is verified where it
    was read (no thread hand-off, whose cost was as much as the verification's). A longer body,
    a proof set (each proof canonicalizes the document again), a status entry (the status
    check reads the registry, a database), related resources (read from files) go to a worker
    thread, under the request timeout. All answer alike."""
    import threading

    from vcportable.server import routes_verifying
    from vcportable.verifier import Verifier

    seen: list[str] = []
    original = Verifier.verify_credential

    def noting(self: Verifier, credential: Any) -> Any:
        seen.append(threading.current_thread().name)
        return original(self, credential)

    monkeypatch.setattr(Verifier, "verify_credential", noting)
    app = create_app(server_config(tmp_path))
    with AppClient(app) as client:
        plain = issue(client, app, "other")
        tagged = client.post(
            "/other/credentials/issue",
            json={"credential": {**sample(), "name": {"@value": "Zimmerer", "@language": "de"}}},
            headers=bearer(token(app, "other")),
        ).json()["verifiableCredential"]
        bodies = {
            "inline": {"verifiableCredential": plain},
            "long": {"verifiableCredential": plain, "options": {"checks": ["x" * 1000] * 5}},
            "proof set": {"verifiableCredential": {**plain, "proof": [plain["proof"]] * 2}},
            "status": {"verifiableCredential": issue(client, app, "acme")},
            "related": {"verifiableCredential": {**plain, "relatedResource": []}},
            # needs pyld (the fast path declines a language-tagged value): begun on the loop,
            # refused there (pyld is serialized across the process), done again in a thread
            "pyld": {"verifiableCredential": tagged},
        }
        assert len(json.dumps(bodies["inline"])) <= routes_verifying.INLINE_BYTES
        assert len(json.dumps(bodies["long"])) > routes_verifying.INLINE_BYTES
        answers = {name: client.post("/credentials/verify", json=b) for name, b in bodies.items()}
    assert answers["inline"].status_code == answers["long"].status_code == 200
    assert answers["inline"].json() == answers["long"].json()
    assert answers["status"].status_code == answers["pyld"].status_code == 200
    *first, pyld_loop, pyld_thread = seen
    threads = dict(zip(bodies, first, strict=False))
    assert not threads.pop("inline").startswith("vcportable-work")
    assert all(name.startswith("vcportable-work") for name in threads.values()), threads
    assert not pyld_loop.startswith("vcportable-work") and pyld_thread.startswith("vcportable-work")


# -- the fast path (server/fastpath.py) against the FastAPI routes ------------------------------


def test_the_fast_path_answers_as_the_routes_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every hot route's request, good or bad, gets the same status, content type, error code
    and answer whether the fast path takes it or FastAPI's routes do; behind a proxy's prefix
    (``root_path``) too, where a path the router does not match is not the fast path's
    either."""
    from vcportable.server.fastpath import FastPath

    app = create_app(server_config(tmp_path, max_body_bytes=4096))
    taken: list[str] = []
    match = FastPath._match

    def counted(self: FastPath, scope: Any) -> Any:
        found = match(self, scope)
        if found is not None:
            taken.append(scope["path"])
        return found

    good = token(app, "acme")
    json_type = {"Content-Type": "application/json"}
    utf8 = {"Content-Type": "application/json; charset=UTF-8"}
    latin1 = {"Content-Type": "application/json; charset=latin-1"}
    with AppClient(app) as client:
        credential = issue(client, app)
    tampered = {**credential, "name": "changed after signing"}
    requests: list[tuple[str, bytes, dict[str, str]]] = [
        ("/credentials/verify", json.dumps({"verifiableCredential": credential}).encode(), {}),
        ("/credentials/verify", json.dumps({"verifiableCredential": tampered}).encode(), {}),
        ("/credentials/verify", b'{"verifiableCredential": 5}', {}),
        ("/credentials/verify", b"{not json", {}),
        ("/credentials/verify", b"{}", {"Content-Type": "text/plain"}),
        ("/credentials/verify", b"{}", {"Content-Type": "application/ld+json; charset=utf-8"}),
        ("/credentials/verify", b"{" + b" " * 5000 + b"}", {}),
        ("/presentations/verify", b'{"verifiablePresentation": {}}', {}),
        ("/presentations/verify", b'{"verifiablePresentation": {}, "x": 1}', {}),
        ("/acme/credentials/issue", b'{"credential": {}}', {}),
        ("/acme/credentials/issue", b'{"credential": {}}', bearer(good)),
        ("/acme/credentials/issue", b"{}", {**bearer(good), "Content-Type": "text/plain"}),
        ("/credentials/verify", b"{}", {"Content-Type": "application/json; charset=utf-16"}),
        ("/presentations/verify", b"{}", {"Content-Type": "application/json;charset=Latin-1"}),
        ("/credentials/verify", b'{"verifiableCredential": 5}', utf8),
        ("/acme/credentials/issue", b'{"credential": {}}', {**bearer(good), **latin1}),
        ("/acme/credentials/issue", b'{"credential": {}}', bearer("vcp_nonexistent_aa_bb")),
        ("/acme/credentials/issue", b'{"credential": {}}', bearer("vcp_../../x_aa_bb")),
        ("/acme/credentials/issue", b'{"credential": {}}', bearer("vcp_acme_00_forged")),
        ("/other/credentials/issue", b'{"credential": {}}', bearer(good)),
        ("/nobody/credentials/issue", b'{"credential": {}}', bearer(good)),
        ("/credentials/issue", b'{"credential": {}}', bearer(good)),
        ("/acme/x/credentials/issue", b'{"credential": {}}', bearer(good)),
    ]

    def answers(root_path: str) -> list[tuple[int, str, Any]]:
        got = []
        with AppClient(app, root_path=root_path) as client:
            for path, content, headers in requests:
                response = client.post(
                    root_path + path, content=content, headers={**json_type, **headers}
                )
                got.append(
                    (response.status_code, response.headers["content-type"], response.json())
                )
        return got

    for root_path in ("", "/vc"):
        monkeypatch.setattr(FastPath, "_match", lambda self, scope: None)
        routed = answers(root_path)
        monkeypatch.setattr(FastPath, "_match", counted)
        taken.clear()
        fast = answers(root_path)
        assert fast == routed, root_path
        assert len(taken) == len(requests) - 2, taken  # all but the two no route matches
    assert [status for status, _, _ in fast] == [
        200, 400, 400, 400, 415, 400, 413, 400, 400, 401, 400, 415,
        415, 415, 400, 415, 401, 401,
        401, 403, 404, 404, 404,
    ]  # fmt: skip


def test_a_client_gone_before_its_body_is_not_answered(app: Any) -> None:
    """The fast path stops at the client's disconnect: no answer is started, nothing raised, and
    nothing issued (a verify and an issue request whose body never came)."""
    import asyncio

    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", b"Bearer vcp_acme_0011223344556677_guessed"),
    ]
    for path in ("/credentials/verify", "/acme/credentials/issue"):
        sent: list[Any] = []
        messages = iter([{"type": "http.request", "body": b"{", "more_body": True}])

        async def receive(messages: Any = messages) -> Any:
            return next(messages, {"type": "http.disconnect"})

        async def send(message: Any, sent: list[Any] = sent) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": path, "root_path": "",
                 "headers": headers, "query_string": b""}  # fmt: skip
        asyncio.run(app(scope, receive, send))
        assert sent == [], path
    assert app.state.context.services["acme"].store.count() == 0


# -- the real HTTP server: what reaches it before the application ------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    """The app behind uvicorn with the protocol `vcportable serve` uses, on a free port, in a
    thread; bodies must arrive within one second."""
    import socket
    import threading

    import uvicorn

    from vcportable.server.transport import NoDelayProtocol

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    app = create_app(server_config(tmp_path, request_timeout=1.0))
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, http=NoDelayProtocol, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while not server.started and datetime.now(UTC) < deadline:
        thread.join(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        for service in app.state.context.services.values():
            service.store.close()


def _exchange(port: int, request: bytes, *, pause: float = 0.0) -> bytes:
    """Send ``request`` (then wait ``pause`` seconds), and read the answer to its end."""
    import socket
    import time

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        time.sleep(pause)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                head, _, body = answer.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                ]
                if length and len(body) >= length[0]:
                    break
        return answer


def test_a_request_head_over_the_bound_is_431(served: int) -> None:
    """httptools buffers a header of any length: a head over 64 KiB is answered at once."""
    huge = b"x" * (100 * 1024)
    answer = _exchange(served, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + huge + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["code"] == "TOO_LARGE"
    normal = _exchange(served, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert normal.startswith(b"HTTP/1.1 200 ")
    body = json.dumps({"verifiableCredential": {"padding": "x" * 300_000}}).encode()
    large = (  # head and a large body in one write: only the head counts
        b"POST /credentials/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    assert _exchange(served, large).startswith(b"HTTP/1.1 400 ")  # judged, not refused


def test_a_body_that_does_not_arrive_in_time_is_408(served: int) -> None:
    """A client that trickles its body would hold its buffer and connection at will."""
    started = b"POST /credentials/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    answer = _exchange(served, started + b'Content-Length: 100\r\n\r\n{"ve', pause=1.5)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["code"] == "REQUEST_TIMEOUT"
