"""The registry commands end to end: init, issue-batch, lifecycle, publish, renew, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from registry_fixtures import db_url  # noqa: F401  (fixture)
from vcportable.checks import SignedView
from vcportable.checks.status import StatusCheck
from vcportable.cli import cli
from vcportable.clock import SystemClock
from vcportable.models.report import Code
from vcportable.status.source import StatusDirectory
from vcportable.store import Store

EXAMPLE = str(Path(__file__).parent.parent / "examples" / "credentials" / "carpenter-level-2.json")
ROSTER = "key,name,subject_id\nw1,Ana,did:example:ana\nw2,Ben,did:example:ben\n"


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def initialised(tmp_path: Path, db_url: str) -> dict[str, str]:  # noqa: F811
    key = tmp_path / "issuer.key"
    assert run("key", "generate", "--out", str(key), "--no-passphrase").exit_code == 0
    result = run(
        "issuer",
        "init",
        "--db",
        db_url,
        "--key",
        str(key),
        "--name",
        "Riverside Board",
        "--municipality",
        "Riverside",
        "--status-url",
        "https://status.example/riverside",
    )
    assert result.exit_code == 0, result.output
    return {"VCPORTABLE_DB": db_url}


def status_of(credential: dict[str, Any], folder: Path) -> set[Code]:
    view = SignedView(credential=credential, format="di", signers=(), now=SystemClock().now())
    return {c.code for c in StatusCheck(StatusDirectory(folder)).check(view)}


def test_lifecycle_end_to_end(tmp_path: Path, initialised: dict[str, str]) -> None:
    env = initialised
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    out = tmp_path / "out"
    args = (
        "issue-batch",
        str(roster),
        "--achievement",
        EXAMPLE,
        "--out-dir",
        str(out),
        "--workers",
        "1",
    )
    first = run(*args, env=env)
    assert first.exit_code == 0, first.output
    assert "issued 2" in first.stderr
    again = run(*args, env=env)
    assert "issued 0, already issued 2" in again.stderr
    ana = json.loads((out / "w1.json").read_text())
    ben = json.loads((out / "w2.json").read_text())

    assert run("revoke", ana["id"], "--reason", "fraud", env=env).exit_code == 0
    twice = run("revoke", ana["id"], "--reason", "again", env=env)
    assert twice.exit_code == 1 and "already revoked" in twice.stderr
    assert run("suspend", ben["id"], "--reason", "check", env=env).exit_code == 0
    unknown = run("reinstate", "urn:uuid:nope", "--reason", "x", env=env)
    assert unknown.exit_code == 1 and "no credential" in unknown.stderr

    status_dir = tmp_path / "status"
    published = run("status", "publish", "--out", str(status_dir), env=env)
    assert published.exit_code == 0, published.output
    assert Code.REVOKED in status_of(ana, status_dir)
    assert Code.SUSPENDED in status_of(ben, status_dir)

    assert run("reinstate", ben["id"], "--reason", "cleared", env=env).exit_code == 0
    renewed_file = tmp_path / "renewed.json"
    renewed = run(
        "renew",
        ben["id"],
        "--valid-until",
        "2031-01-01T00:00:00Z",
        "--revoke-predecessor",
        "--out",
        str(renewed_file),
        env=env,
    )
    assert renewed.exit_code == 0, renewed.output
    successor = json.loads(renewed_file.read_text())
    assert successor["validUntil"] == "2031-01-01T00:00:00Z" and successor["id"] != ben["id"]
    run("status", "publish", "--out", str(status_dir), "--format", "jwt", env=env)
    assert Code.REVOKED in status_of(ben, status_dir)
    assert status_of(successor, status_dir) == {Code.OK}

    verified = run("audit", "verify", env=env)
    assert verified.exit_code == 0 and "intact" in verified.stdout
    export = tmp_path / "audit.jsonl"
    assert run("audit", "export", "--out", str(export), env=env).exit_code == 0
    actions = [json.loads(line)["action"] for line in export.read_text().splitlines()]
    assert actions[:3] == ["issuer.init", "achievement", "issue"]
    assert {"revoke", "suspend", "reinstate", "renew"} <= set(actions)

    store = Store.open(env["VCPORTABLE_DB"])
    with store.transaction() as connection:
        connection.execute(text("UPDATE audit_log SET reason = 'nothing' WHERE action = 'revoke'"))
    store.close()
    broken = run("audit", "verify", env=env)
    assert broken.exit_code == 1 and "edited" in broken.stderr


def test_audit_verify_holds_the_credentials_to_the_log(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    """A revoked credential made active again, claims edited or a row deleted by hand: the
    chain is intact, but `audit verify` names the credential and what differs, and exits 1."""
    env = initialised
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    out = tmp_path / "out"
    args = ("issue-batch", str(roster), "--achievement", EXAMPLE, "--out-dir", str(out))
    assert run(*args, "--workers", "1", env=env).exit_code == 0
    ana = json.loads((out / "w1.json").read_text())["id"]
    ben = json.loads((out / "w2.json").read_text())["id"]
    assert run("revoke", ana, "--reason", "fraud", env=env).exit_code == 0
    intact = run("audit", "verify", env=env)
    assert intact.exit_code == 0, intact.output
    assert "5 entries" in intact.stdout and "2 credentials agree with it" in intact.stdout

    def edited(*statements: str) -> str:
        store = Store.open(env["VCPORTABLE_DB"])
        with store.transaction() as connection:
            for statement in statements:
                connection.execute(text(statement))
        store.close()
        result = run("audit", "verify", env=env)
        assert result.exit_code == 1 and "audit log:" not in result.stderr
        assert "the registry disagrees with the audit log (1 problem(s))" in result.stderr
        return str(result.stderr)

    revived = edited("UPDATE credentials SET state = 'active' WHERE state = 'revoked'")
    assert f"registry: credential {ana}: state is 'active', but the log makes it 'revoked'" in (
        revived
    )
    claims = edited(
        f"UPDATE credentials SET state = 'revoked' WHERE id = '{ana}'",
        f"UPDATE credentials SET document = replace(document, 'Ben', 'Bob') WHERE id = '{ben}'",
    )
    assert f"registry: credential {ben}: the stored document was edited: it hashes to" in claims
    assert "recorded at issuance" in claims
    deleted = edited(
        f"UPDATE credentials SET document = replace(document, 'Bob', 'Ben') WHERE id = '{ben}'",
        f"DELETE FROM credentials WHERE id = '{ana}'",
    )
    assert f"registry: credential {ana}: issued in entry 3, but it is not in the credentials" in (
        deleted
    )


def test_audit_verify_holds_the_profile_and_achievements_to_the_log(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    """Renewal and publishing read the issuer profile and the registered achievements: an
    edited municipality or status URL, or an achievement document changed by hand, fails the
    audit like an edited credential."""
    env = initialised
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    args = ("issue-batch", str(roster), "--achievement", EXAMPLE, "--out-dir", str(tmp_path / "o"))
    assert run(*args, "--workers", "1", env=env).exit_code == 0
    assert run("audit", "verify", env=env).exit_code == 0
    store = Store.open(env["VCPORTABLE_DB"])
    with store.transaction() as connection:
        connection.execute(text("UPDATE issuer_profile SET municipality = 'Elsewhere'"))
        connection.execute(
            text("UPDATE achievements SET document = replace(document, 'Carpenter', 'Architect')")
        )
    store.close()
    result = run("audit", "verify", env=env)
    assert result.exit_code == 1
    assert "the issuer profile's municipality is 'Elsewhere', the log recorded" in result.stderr
    assert "is not the document its entry recorded" in result.stderr
    assert "the registry disagrees with the audit log (2 problem(s))" in result.stderr


def test_bad_roster_issues_nothing_and_names_lines(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_text(ROSTER + "w1,Dup,did:example:x\nw3,,did:example:y\n")
    out = tmp_path / "out"
    args = [
        "issue-batch",
        str(roster),
        "--achievement",
        EXAMPLE,
        "--out-dir",
        str(out),
        "--workers",
        "1",
    ]
    result = run(*args, env=initialised)
    assert result.exit_code == 1
    assert "line 4: key w1 is already used on line 2" in result.stderr
    assert "line 5: name is empty" in result.stderr
    assert not out.exists()
    skipped = run(*args, "--skip-invalid", env=initialised)
    assert skipped.exit_code == 0 and "issued 2" in skipped.stderr
    assert sorted(p.name for p in out.glob("*.json")) == ["w1.json", "w2.json"]


def test_finding_the_registry(tmp_path: Path, initialised: dict[str, str]) -> None:
    nowhere = run("audit", "verify", env={"VCPORTABLE_DB": ""})
    assert nowhere.exit_code == 2 and "which registry" in nowhere.stderr
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{initialised["VCPORTABLE_DB"]}"\n')
    found = run("issuer", "show", env={"VCPORTABLE_DB": "", "VCPORTABLE_CONFIG": str(config)})
    assert found.exit_code == 0 and "Riverside Board" in found.stdout
    config.write_text("db = ")
    bad = run("issuer", "show", env={"VCPORTABLE_DB": "", "VCPORTABLE_CONFIG": str(config)})
    assert bad.exit_code == 3 and "config file" in bad.stderr
    again = run(
        "issuer",
        "init",
        "--db",
        initialised["VCPORTABLE_DB"],
        "--key",
        str(tmp_path / "issuer.key"),
        "--name",
        "x",
        "--municipality",
        "y",
        "--status-url",
        "https://s.example",
    )
    assert again.exit_code == 1 and "already has an issuer profile" in again.stderr


def test_unreachable_database_and_bad_options(tmp_path: Path) -> None:
    env = {"VCPORTABLE_DB": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = run("revoke", "urn:uuid:x", "--reason", "r", env=env)
    assert result.exit_code == 1 and "cannot reach" in result.stderr
    bad = run(
        "issuer",
        "init",
        "--db",
        str(tmp_path / "r.db"),
        "--key",
        "k",
        "--name",
        "n",
        "--municipality",
        "m",
        "--status-url",
        "ftp://x",
    )
    assert bad.exit_code == 2 and "https" in bad.stderr


def test_list_size_is_one_verifiers_read(tmp_path: Path) -> None:
    """A list of more entries than a verifier inflates would fail every status check: the
    option's bounds are the store's (tests/test_store.py holds the store to them)."""
    from vcportable.store.allocation import MAX_LIST_SIZE, MIN_LIST_SIZE

    assert (MIN_LIST_SIZE, MAX_LIST_SIZE) == (131_072, 134_217_728)
    options = ["--key", "k", "--name", "n", "--municipality", "m"]
    options += ["--status-url", "https://s.example", "--db", str(tmp_path / "r.db")]
    too_many = run("issuer", "init", *options, "--list-size", str(MAX_LIST_SIZE + 1))
    assert too_many.exit_code == 2 and "134217728" in too_many.stderr


def test_text_arguments_that_are_not_utf8_are_refused_before_any_store(
    initialised: dict[str, str],
) -> None:
    """Bytes the locale cannot decode reach Python as lone surrogates; as an id or a reason they
    are a usage error naming the argument, not a traceback from the database driver."""
    undecodable = "\udcff\udcfe"  # what b"\xff\xfe" becomes in sys.argv
    for action in ("revoke", "suspend", "reinstate"):
        bad_id = run(action, undecodable, "--reason", "r", env=initialised)
        assert bad_id.exit_code == 2 and "CREDENTIAL_ID" in bad_id.stderr
        assert "not UTF-8 text" in bad_id.stderr
        bad_reason = run(action, "urn:uuid:x", "--reason", undecodable, env=initialised)
        assert bad_reason.exit_code == 2 and "'--reason'" in bad_reason.stderr
    assert run("renew", undecodable, env=initialised).exit_code == 2


def test_cli_contract_exit_codes(tmp_path: Path, initialised: dict[str, str]) -> None:
    missing = run(
        "issue-batch",
        str(tmp_path / "nope.csv"),
        "--achievement",
        EXAMPLE,
        "--out-dir",
        str(tmp_path / "o"),
        env=initialised,
    )
    assert missing.exit_code == 3 and "cannot read" in missing.stderr
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    blocked = run(
        "issue-batch",
        str(roster),
        "--achievement",
        EXAMPLE,
        "--out-dir",
        str(blocker),
        "--workers",
        "1",
        env=initialised,
    )
    assert blocked.exit_code == 4 and "not a folder" in blocked.stderr
    published = run("status", "publish", "--out", str(blocker / "sub"), env=initialised)
    assert published.exit_code == 4


def test_issuer_set_key(tmp_path: Path, initialised: dict[str, str]) -> None:
    """Another key file of the same DID is taken; a key of another DID, a folder, a missing
    file or a file that is not a key is refused with the contract's exit code."""
    other = tmp_path / "other.key"
    assert run("key", "generate", "--out", str(other), "--no-passphrase").exit_code == 0
    refused = run("issuer", "set-key", "--key", str(other), env=initialised)
    assert refused.exit_code == 1 and "a new DID is a new issuer" in refused.stderr
    for bad in (tmp_path, tmp_path / "missing.key", tmp_path / "notes.json"):
        (tmp_path / "notes.json").write_text("{}")
        unreadable = run("issuer", "set-key", "--key", str(bad), env=initialised)
        assert unreadable.exit_code == 3 and str(bad) in unreadable.stderr, unreadable.stderr
    moved = tmp_path / "moved.key"
    moved.write_bytes((tmp_path / "issuer.key").read_bytes())
    moved.chmod(0o600)
    taken = run("issuer", "set-key", "--key", str(moved), env=initialised)
    assert taken.exit_code == 0 and "now signing with did:key:" in taken.stderr
    store = Store.open(initialised["VCPORTABLE_DB"])
    try:
        assert store.profile().key_path == str(moved.resolve())
    finally:
        store.close()
