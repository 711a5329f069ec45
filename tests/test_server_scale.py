"""Scale-out: real `vcportable serve` processes (4 uvicorn workers) over one PostgreSQL schema,
issuing and revoking concurrently from many clients; afterwards every status index is unique,
no revocation is lost, and the audit chain is intact."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from conftest import unsigned_sample
from registry_fixtures import pg_schema_url
from vcportable.clock import SystemClock
from vcportable.keys import KeyPair, KeyType
from vcportable.server.app import open_services
from vcportable.server.config import load_config
from vcportable.server.dev import self_signed_certificate
from vcportable.server.tokens import create_token
from vcportable.store import Store
from vcportable.store.audit import verify_chain
from vcportable.store.schema import audit_log, credentials

WORKERS = 4
CLIENTS = 24
CREDENTIALS = 160


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema_url()


@pytest.fixture
def running(tmp_path: Path, pg_url: str) -> Iterator[tuple[str, str, str]]:
    """A served configuration: (base URL, issue token, database URL)."""
    port = free_port()
    KeyPair.generate(KeyType.ED25519).save(tmp_path / "acme.json", None)
    self_signed_certificate(tmp_path / "cert.pem", tmp_path / "key.pem", now=datetime.now(UTC))
    (tmp_path / "server.toml").write_text(
        f'[server]\nport = {port}\ntls_cert = "cert.pem"\ntls_key = "key.pem"\n'
        f'log_level = "warning"\n'
        f'[[issuers]]\nname = "acme"\nkey = "acme.json"\nstatus = true\n'
        f'database = "{pg_url}"\n'
    )
    config = load_config(tmp_path / "server.toml")
    services = open_services(config, SystemClock())
    store = services["acme"].store
    text = create_token(store, "acme", ("issue", "status"), now=datetime.now(UTC))[1]
    store.close()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vcportable",
            "serve",
            "--config",
            str(tmp_path / "server.toml"),
            "--workers",
            str(WORKERS),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not become ready")
            time.sleep(0.3)
        yield base, text, pg_url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_four_workers_issue_and_revoke_concurrently(running: tuple[str, str, str]) -> None:
    base, text, pg_url = running
    headers = {"Authorization": f"Bearer {text}"}
    outcomes: dict[str, list[int]] = {}

    # One client per thread: an httpx connection pool shared by dozens of threads can close a
    # socket that another thread is reading (EBADF), which would test httpcore, not the server.
    local = threading.local()
    clients: list[httpx.Client] = []
    clients_lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(verify=False, timeout=60, headers=headers)
            with clients_lock:
                clients.append(local.client)
        made: httpx.Client = local.client
        return made

    def issue_then_revoke(n: int) -> tuple[str, list[int]]:
        credential = {**unsigned_sample(), "id": f"urn:uuid:{uuid.uuid4()}"}
        response = client().post(f"{base}/acme/credentials/issue", json={"credential": credential})
        assert response.status_code == 201, response.text
        issued: dict[str, Any] = response.json()["verifiableCredential"]
        statuses = []
        if n % 2 == 0:  # revoke every other one, twice at once: exactly one wins
            change = {"credentialId": issued["id"], "action": "revoke", "reason": f"r{n}"}
            with ThreadPoolExecutor(2) as pair:
                replies = list(
                    pair.map(
                        lambda _: client().post(f"{base}/credentials/status", json=change),
                        range(2),
                    )
                )
            statuses = sorted(r.status_code for r in replies)
        return issued["id"], statuses

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            for credential_id, statuses in pool.map(issue_then_revoke, range(CREDENTIALS)):
                outcomes[credential_id] = statuses
    finally:
        for each in clients:
            each.close()

    revoked = {cid for cid, statuses in outcomes.items() if statuses}
    assert all(outcomes[cid] == [200, 409] for cid in revoked)
    store = Store.open(pg_url)
    try:
        with store.transaction() as connection:
            rows = connection.execute(
                select(
                    credentials.c.id,
                    credentials.c.list_id,
                    credentials.c.status_index,
                    credentials.c.state,
                )
            ).all()
            revocations = connection.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == "revoke")
            ).scalar_one()
            chain = verify_chain(connection)
    finally:
        store.close()
    assert len(rows) == CREDENTIALS
    assert len({(r.list_id, r.status_index) for r in rows}) == CREDENTIALS
    assert {r.id for r in rows if r.state == "revoked"} == revoked
    assert revocations == len(revoked)
    assert chain.intact, chain.problems
    assert chain.entries == 1 + CREDENTIALS + len(revoked)  # issuer.init, issues, revokes


@pytest.mark.slow
def test_one_id_sent_at_once_to_every_worker_is_recorded_once(
    running: tuple[str, str, str],
) -> None:
    """The same request sent by many clients at once, over the workers: one is recorded, every
    other is answered with the recorded claims (found by the insert itself, in whichever
    process); other content under that id, sent afterwards, is 409."""
    base, text, pg_url = running
    credential = {**unsigned_sample(), "id": f"urn:uuid:{uuid.uuid4()}"}
    bodies = [{"credential": credential}] * CLIENTS

    def send(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(verify=False, timeout=60) as client:
            return client.post(
                f"{base}/acme/credentials/issue",
                json=body,
                headers={"Authorization": f"Bearer {text}"},
            )

    with ThreadPoolExecutor(len(bodies)) as pool:
        same = list(pool.map(send, bodies))
    other = send({"credential": {**credential, "name": "Other"}})
    assert all(r.status_code == 201 for r in same), [r.text for r in same if r.status_code != 201]
    entries = {
        json.dumps(r.json()["verifiableCredential"]["credentialStatus"], sort_keys=True)
        for r in same
    }
    assert len(entries) == 1  # every answer carries the recorded status entries
    assert other.status_code == 409, other.text
    store = Store.open(pg_url)
    try:
        assert store.count() == 1
    finally:
        store.close()
