"""The exchange at the counter, end to end through the command line: the employer makes a
request, the worker's wallet answers it with a QR code, the employer verifies it; a replay and
someone else's credential fail; every bad input of issue 10 adds nothing to the wallet."""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from conftest import load_json
from test_envelope import envelope_of
from vcportable.cli import cli
from vcportable.envelope import MAX_CONTENT_BYTES, encode, qr_version, read_image, render
from vcportable.request import PresentationRequest
from vcportable.verifier import Verifier

PASSPHRASE = "correct horse battery staple"
DOMAIN = "https://employer.example"


@dataclass
class World:
    root: Path
    template: Path  # a wallet folder with the holder key only
    did: str
    signed: Path  # issued to the holder (Data Integrity)
    sd_jwt: Path  # issued to the holder, bound to her key
    vc_jwt: Path
    others: Path  # issued to someone else

    def wallet(self, tmp_path: Path) -> Path:
        folder = tmp_path / "wallet"
        shutil.copytree(self.template, folder)
        return folder


def run(*args: str, wallet: Path | None = None, input: str | None = None) -> Result:
    env = {"VCPORTABLE_PASSPHRASE": PASSPHRASE}
    if wallet is not None:
        env["VCPORTABLE_WALLET"] = str(wallet)
    return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("counter")
    template = root / "template"
    did = ok(run("wallet", "key", "create", wallet=template)).stdout.strip()
    board = root / "board.key"
    ok(run("key", "generate", "--out", str(board), "--no-passphrase"))
    stranger = ok(run("key", "generate", "--out", str(root / "s.key"), "--no-passphrase"))
    unsigned = load_json("interop/sample-unsigned.json")
    del unsigned["issuer"]["id"]
    (root / "sample.json").write_text(json.dumps(unsigned))
    paths = {}
    for name, extra in {
        "signed.json": ["--subject", did],
        "maria.sd-jwt": ["--format", "sd-jwt", "--holder", did, "--subject", did],
        "maria.jwt": ["--format", "jwt", "--subject", did],
        "others.json": ["--subject", stranger.stdout.strip()],
    }.items():
        paths[name] = root / name
        ok(run("issue", "--key", str(board), "--credential", str(root / "sample.json"),
               "--out", str(paths[name]), *extra))  # fmt: skip
    return World(
        root, template, did, paths["signed.json"], paths["maria.sd-jwt"], paths["maria.jwt"],
        paths["others.json"],
    )  # fmt: skip


def add(world: World, wallet: Path, source: Path) -> str:
    return ok(run("wallet", "add", str(source), wallet=wallet)).stdout.split()[0]


def listed(wallet: Path) -> list[str]:
    return ok(run("wallet", "list", wallet=wallet)).stdout.splitlines()


# -- the exchange at the counter ------------------------------------------------------------


def test_the_whole_counter_exchange(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    qr = tmp_path / "maria.png"
    ok(run("qr", "encode", str(world.signed), "--out", str(qr)))
    credential = add(world, wallet, qr)  # the worker scans her credential in
    # The employer asks.
    request_png, request_json = tmp_path / "request.png", tmp_path / "request.json"
    made = ok(run("request", "create", "--domain", DOMAIN, "--ask", "OpenBadgeCredential",
                  "--qr", str(request_png), "--out", str(request_json)))  # fmt: skip
    asked = json.loads(request_json.read_text())
    assert f"challenge: {asked['challenge']}" in made.stderr
    # The worker's wallet reads the request's QR code and answers with a QR code.
    vp_png = tmp_path / "vp.png"
    shown = ok(run("wallet", "present", credential, "--request", str(request_png),
                   "--qr", str(vp_png), wallet=wallet))  # fmt: skip
    assert f"to {DOMAIN}" in shown.stderr
    version = int(shown.stderr.split("QR version ")[1].split()[0])
    assert version <= 22, shown.stderr  # issue 10: a DI presentation fits version 22 at M
    # The employer verifies the photo with the request's challenge and domain.
    verified = run("verify", "--challenge", asked["challenge"], "--domain", DOMAIN, str(vp_png))
    assert verified.exit_code == 0, verified.stdout
    # A replay for another challenge fails.
    replay = run("verify", "--challenge", "0" * 32, "--domain", DOMAIN, str(vp_png))
    assert replay.exit_code == 1 and "challenge" in replay.stdout
    other_domain = run("verify", "--challenge", asked["challenge"], "--domain", "evil", str(vp_png))
    assert other_domain.exit_code == 1


def test_present_with_challenge_and_domain_given(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    out = tmp_path / "vp.json"
    ok(run("wallet", "present", credential, "--challenge", "c1", "--domain", DOMAIN,
           "--out", str(out), wallet=wallet))  # fmt: skip
    assert ok(run("verify", "--challenge", "c1", "--domain", DOMAIN, str(out)))
    assert run("verify", "--challenge", "c2", "--domain", DOMAIN, str(out)).exit_code == 1


def test_someone_elses_credential_is_not_presented(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    added = run("wallet", "add", str(world.others), wallet=wallet)
    assert added.exit_code == 0 and "not to this wallet's holder" in added.stderr
    credential = added.stdout.split()[0]
    result = run("wallet", "present", credential, "--challenge", "c", "--domain", DOMAIN,
                 "--qr", str(tmp_path / "vp.png"), wallet=wallet)  # fmt: skip
    assert result.exit_code == 1
    assert "not the subject" in result.stderr and "wallet key show" in result.stderr
    assert not (tmp_path / "vp.png").exists()


def test_an_sd_jwt_presentation_with_disclosures_and_key_binding(
    world: World, tmp_path: Path
) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.sd_jwt)
    out = tmp_path / "vp.txt"
    ok(run("wallet", "present", credential, "--challenge", "n1", "--domain", DOMAIN,
           "--disclose", "credentialSubject.name", "--out", str(out), "--qr", "-",
           wallet=wallet))  # fmt: skip
    args = ["verify", "--require-key-binding", "--domain", DOMAIN]
    assert ok(run(*args, "--challenge", "n1", str(out)))
    assert run(*args, "--challenge", "n2", str(out)).exit_code == 1


def test_a_vp_jwt_presentation(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.vc_jwt)
    out = tmp_path / "vp.jwt"
    ok(run("wallet", "present", credential, "--challenge", "n1", "--domain", DOMAIN,
           "--out", str(out), wallet=wallet))  # fmt: skip
    assert ok(run("verify", "--challenge", "n1", "--domain", DOMAIN, str(out)))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "jwt"], "cannot be presented as jwt"),
        (["--disclose", "credentialSubject.name"], "needs an SD-JWT"),
        (["--request", "{request}", "--challenge", "c"], "--request gives the challenge"),
    ],
)
def test_usage_errors_of_present(world: World, tmp_path: Path, args: list[str], words: str) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    request = tmp_path / "r.json"
    ok(run("request", "create", "--out", str(request)))
    argv = [a.replace("{request}", str(request)) for a in args]
    result = run("wallet", "present", credential, *argv, wallet=wallet)
    assert result.exit_code == 2 and words in result.stderr


def test_a_qr_output_that_cannot_be_drawn_is_refused_before_any_work(
    world: World, tmp_path: Path
) -> None:
    """--qr must end in .png or .svg: said before the passphrase is asked (a wrong one here
    would be exit 3) and before anything is written."""
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    vp_json = tmp_path / "vp.json"
    env = {"VCPORTABLE_PASSPHRASE": "not the passphrase", "VCPORTABLE_WALLET": str(wallet)}
    argv = ["wallet", "present", credential, "--challenge", "c", "--domain", DOMAIN,
            "--qr", str(tmp_path / "vp.jpg"), "--out", str(vp_json)]  # fmt: skip
    result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)
    assert result.exit_code == 2 and "--qr" in result.stderr and ".png or .svg" in result.stderr
    request = run("request", "create", "--qr", str(tmp_path / "r.gif"), "--out", str(vp_json))
    assert request.exit_code == 2 and ".png or .svg" in request.stderr
    assert not vp_json.exists()
    same = str(tmp_path / "both.png")  # the second write would replace the first
    argv[-3:] = [same, "--out", same]
    result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)
    assert result.exit_code == 2 and "--qr and --out name the same file" in result.stderr
    request = run("request", "create", "--qr", same, "--out", same, "--force")
    assert request.exit_code == 2 and "--qr and --out name the same file" in request.stderr
    assert not (tmp_path / "both.png").exists()


def test_a_request_for_another_type_or_an_expired_one_is_not_answered(
    world: World, tmp_path: Path
) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    wrong = tmp_path / "wrong.json"
    ok(run("request", "create", "--ask", "DriverLicence", "--out", str(wrong)))
    result = run("wallet", "present", credential, "--request", str(wrong), wallet=wallet)
    assert result.exit_code == 1 and "asks for DriverLicence" in result.stderr
    old = tmp_path / "old.txt"
    expired = PresentationRequest("abc", DOMAIN, expires=datetime(2020, 1, 1, tzinfo=UTC))
    old.write_text(expired.to_envelope())
    result = run("wallet", "present", credential, "--request", str(old), wallet=wallet)
    assert result.exit_code == 1 and "expired" in result.stderr
    credential_qr = tmp_path / "cred.txt"
    credential_qr.write_text(encode(world.signed.read_text()))
    result = run("wallet", "present", credential, "--request", str(credential_qr), wallet=wallet)
    assert result.exit_code == 3 and "not a presentation request" in result.stderr


# -- bad input adds nothing -----------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _two_codes(text: str) -> bytes:
    one = Image.open(io.BytesIO(render(text, "png")))
    other = Image.open(io.BytesIO(render(encode({"name": "another"}), "png")))
    both = Image.new("L", (one.width + other.width, max(one.height, other.height)), 255)
    both.paste(one, (0, 0))
    both.paste(other, (one.width, 0))
    return _png(both)


def _bad_inputs(signed_text: str) -> dict[str, tuple[bytes, str]]:
    """Issue 10's list of bad input: what each file holds and what the refusal names."""
    good = encode(signed_text)
    return {
        "wrong prefix": (("XX:" + good[3:]).encode(), "not a vcportable envelope"),
        "wrong version": (envelope_of(b"\xa0", version=7).encode(), "version 7 is not supported"),
        "corrupt base45": (b"VC:%%%%", "not valid base45"),
        "truncated": (good[: len(good) // 2 // 3 * 3].encode(), "truncated|corrupt"),
        "decompression bomb": (
            envelope_of(b"\0" * (16 * MAX_CONTENT_BYTES)).encode(), "decompression bomb"
        ),
        "no QR code": (_png(Image.new("L", (400, 400), 255)), "no QR code found"),
        "two QR codes": (_two_codes(good), "holds 2 QR codes"),
        "a URL": (render("https://example.com/badge/42", "png"), "web address"),
        "EU COVID certificate": (
            render("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N", "png"),
            "EU Digital COVID Certificate",
        ),
        "tampered credential": (
            signed_text.replace("Carpenter Level 2", "Master Carpenter").encode(),
            "does not verify",
        ),
        "a presentation": (b"", "presentation, not a credential"),  # made in the test
    }  # fmt: skip


BAD = list(_bad_inputs("{}"))


@pytest.mark.parametrize("case", BAD)
def test_bad_input_adds_nothing(world: World, tmp_path: Path, case: str) -> None:
    wallet = world.wallet(tmp_path)
    add(world, wallet, world.signed)
    before = listed(wallet)
    data, words = _bad_inputs(world.signed.read_text())[case]
    if case == "a presentation":
        vp = tmp_path / "vp.json"
        ok(run("present", "--credential", str(world.signed), "--holder-key",
               str(wallet / "holder.key"), "--challenge", "c", "--domain", "d",
               "--out", str(vp)))  # fmt: skip
        data = vp.read_bytes()
    bad = tmp_path / "bad.input"
    bad.write_bytes(data)
    result = run("wallet", "add", str(bad), wallet=wallet)
    assert result.exit_code in (1, 3), result.stdout
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: "), result.stderr
    assert re.search(words, errors[0]), errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert listed(wallet) == before


def test_a_wallet_that_is_not_ours_is_unreadable(tmp_path: Path, world: World) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "wallet.sqlite3").write_bytes(b"garbage" * 100)
    result = run("wallet", "add", str(world.signed), wallet=folder)
    assert result.exit_code == 3 and "not a vcportable wallet" in result.stderr
    assert (folder / "wallet.sqlite3").read_bytes() == b"garbage" * 100


# -- list, show, remove, key, export/import, card -------------------------------------------


def test_list_show_remove(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    assert listed(wallet) == []
    credential = add(world, wallet, world.signed)
    assert listed(wallet)[0].startswith(f"{credential}  Carpenter Level 2 (di)")
    shown = ok(run("wallet", "show", credential, "--lang", "es", wallet=wallet))
    assert "AUTÉNTICA" in shown.stdout and "Maria Example" in shown.stdout
    raw = ok(run("wallet", "show", credential, "--raw", wallet=wallet)).stdout
    assert raw.rstrip("\n") == world.signed.read_text().strip()
    ok(run("wallet", "remove", credential, wallet=wallet))
    assert listed(wallet) == []
    missing = run("wallet", "show", credential, wallet=wallet)
    assert missing.exit_code == 3 and "no credential" in missing.stderr


def test_key_show_and_create_once(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    assert ok(run("wallet", "key", "show", wallet=wallet)).stdout.strip() == world.did
    again = run("wallet", "key", "create", wallet=wallet)
    assert again.exit_code == 4 and "never replaced" in again.stderr
    empty = run("wallet", "key", "show", wallet=tmp_path / "empty")
    assert empty.exit_code == 3 and "wallet key create" in empty.stderr


def test_export_and_import_round_trip(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    backup = tmp_path / "backup.json"
    ok(run("wallet", "export", "--out", str(backup), wallet=wallet))
    assert backup.stat().st_mode & 0o777 == 0o600
    refused = run("wallet", "export", "--out", str(backup), wallet=wallet)
    assert refused.exit_code == 4 and "--force" in refused.stderr
    device = run("wallet", "export", "--out", "/dev/null", wallet=wallet)  # personal data
    assert device.exit_code == 4 and "only to a regular file" in device.stderr
    fresh = tmp_path / "fresh"
    restored = ok(run("wallet", "import", str(backup), wallet=fresh))
    assert "1 credential(s) added" in restored.stderr and world.did in restored.stderr
    assert [line.split()[0] for line in listed(fresh)] == [credential]
    assert ok(run("wallet", "key", "show", wallet=fresh)).stdout.strip() == world.did
    not_ours = tmp_path / "notes.json"
    not_ours.write_text('{"hello": "world"}')
    result = run("wallet", "import", str(not_ours), wallet=tmp_path / "other")
    assert result.exit_code == 3 and "not a vcportable wallet backup" in result.stderr  # unreadable
    binary = tmp_path / "garbage.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run("wallet", "import", str(binary), wallet=tmp_path / "other")
    assert result.exit_code == 3 and "Traceback" not in result.stderr
    assert not (tmp_path / "other" / "wallet.sqlite3").exists()


def test_a_backup_whose_holder_key_names_another_did_is_refused(
    world: World, tmp_path: Path
) -> None:
    """The tester's case: the DID the worker would give issuers must be her key's, so an
    altered holderKey is refused at import, not discovered at the first presentation."""
    wallet = world.wallet(tmp_path)
    add(world, wallet, world.signed)
    backup = tmp_path / "backup.json"
    ok(run("wallet", "export", "--out", str(backup), wallet=wallet))
    document = json.loads(backup.read_text())
    other = "did:key:z6MkhZF7Q7KBYm9r8EupuBagUjXQvxDcZr3fkh1g9gNcuJng"
    document["holderKey"].update(controller=other, key_id=f"{other}#{other[8:]}")
    backup.write_text(json.dumps(document))
    fresh = tmp_path / "fresh"
    result = run("wallet", "import", str(backup), wallet=fresh)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert f"names {other} as its DID, but its public key's DID is {world.did}" in result.stderr
    assert "restored" not in result.stderr and not fresh.exists()


@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_card(world: World, tmp_path: Path, suffix: str) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    card = tmp_path / f"card{suffix}"
    ok(run("wallet", "card", credential, "--out", str(card), "--lang", "fr", wallet=wallet))
    if suffix == ".png":
        text = read_image(card.read_bytes())
        assert text == encode(world.signed.read_text())
        assert ok(run("verify", str(card)))  # the verifier reads the card itself
    else:
        assert "Titulaire" in card.read_text() and "Maria Example" in card.read_text()
    refused = run("wallet", "card", credential, "--out", str(card), wallet=wallet)
    assert refused.exit_code == 4
    wrong = run("wallet", "card", credential, "--out", str(tmp_path / "c.pdf"), wallet=wallet)
    assert wrong.exit_code == 2


def test_request_create_prints_json_and_a_terminal_qr(tmp_path: Path) -> None:
    printed = ok(run("request", "create", "--domain", DOMAIN))
    assert json.loads(printed.stdout)["domain"] == DOMAIN
    terminal = ok(run("request", "create", "--qr", "-"))
    assert "\u2580" in terminal.stdout and "QR version" in terminal.stderr
    assert run("request", "create", "--domain", "bad\ndomain").exit_code == 2


# -- one vocabulary; the freshness window ---------------------------------------------------


def test_present_takes_challenge_and_domain_and_the_old_names(world: World) -> None:
    holder = world.template / "holder.key"
    base = ["present", "--credential", str(world.sd_jwt), "--holder-key", str(holder)]
    for names in (("--challenge", "--domain"), ("--nonce", "--aud")):
        shown = ok(run(*base, names[0], "n1", names[1], DOMAIN)).stdout.strip()
        assert Verifier().verify(shown, challenge="n1", domain=DOMAIN).verified


def test_verify_max_age_is_the_jose_default_and_tunable(world: World, tmp_path: Path) -> None:
    from vcportable.cli.verify import KEY_BINDING_MAX_AGE
    from vcportable.clock import SystemClock
    from vcportable.keys import KeyPair
    from vcportable.proofs.jose.jws import JosePolicy
    from vcportable.wallet import present

    assert timedelta(seconds=KEY_BINDING_MAX_AGE) == JosePolicy().key_binding_max_age
    assert "[default: 300" in ok(run("verify", "--help")).stdout
    key = KeyPair.load(world.template / "holder.key", PASSPHRASE.encode())
    ten_minutes_ago = SystemClock().now() - timedelta(minutes=10)
    shown = present(world.sd_jwt.read_text(), key, now=ten_minutes_ago, challenge="n",
                    domain=DOMAIN)  # fmt: skip
    old = tmp_path / "old.sd-jwt"
    old.write_text(shown)
    args = ["verify", "--challenge", "n", "--domain", DOMAIN, str(old)]
    stale = run(*args)
    assert stale.exit_code == 1 and "older than 300 s" in stale.stdout
    assert ok(run(*args, "--max-age", "900"))


def test_the_sample_presentation_qr_version_is_printed(world: World, tmp_path: Path) -> None:
    wallet = world.wallet(tmp_path)
    credential = add(world, wallet, world.signed)
    result = ok(run("wallet", "present", credential, "--challenge", "0" * 32, "--domain", DOMAIN,
                    "--qr", str(tmp_path / "vp.svg"), wallet=wallet))  # fmt: skip
    assert "QR version" in result.stderr
    vp = json.loads(ok(run("wallet", "present", credential, "--challenge", "0" * 32,
                           "--domain", DOMAIN, wallet=wallet)).stdout)  # fmt: skip
    assert qr_version(encode(vp)) <= 22
