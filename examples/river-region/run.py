"""The river region, end to end, with the public command line only.

Three boards sign the region's trust list (2 of 3), four certification bodies issue, a worker
carries a wallet card, employers on both banks verify offline, a credential is revoked and one
is forged, and the boards rotate a key. Every step prints the command it runs, so the output
doubles as a tutorial. Everything is written under one folder:

    python examples/river-region/run.py [OUT]     # default: $VCPORTABLE_DEMO_OUT, else demo-out/

No network and no prompts: keys are encrypted under a demo passphrase passed through the
environment (``--passphrase-env``). The region itself is data: ``region.json``, the
achievements, the rosters and the credentials next to this script.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from string import Template
from typing import Any

from click.testing import CliRunner

from vcportable.cli import cli

HERE = Path(__file__).resolve().parent
REGION = json.loads((HERE / "region.json").read_text(encoding="utf-8"))
PASSPHRASE_ENV = "RIVER_PASSPHRASE"
#: Marks a folder this script made, so that a second run may empty it and nothing else.
MARKER = ".river-region-demo"
#: Where the employers work, and in which language.
EMPLOYERS = {"hanglage": "de", "valmont": "fr"}
#: The bodies that issue a roster: the achievement, and the format (Data Integrity or JWT).
ROSTERS = {
    "valmont-construction": ("carpenter", "di"),
    "rivebourg-health": ("healthcare-assistant", "jwt"),
    "hanglage-care": ("healthcare-assistant", "jwt"),
}


class Story:
    """Runs `vcportable` commands in the output folder and prints each one briefly.

    The region's side runs in this process (click's runner captures the output): one by one,
    its 50 commands would spend most of the story's minute starting Python. Employers verify
    in processes of their own, as they would on their own computers: a verifier keeps what it
    loaded for the life of its process."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.env = {
            PASSPHRASE_ENV: "river region demo passphrase (never use a published one)",
            "NO_COLOR": "1",
        }
        # Every command names its files: nothing is taken from the user's setup.
        self.unset = ("VCPORTABLE_DB", "VCPORTABLE_WALLET", "VCPORTABLE_VERIFIER_PROFILE")

    def step(self, title: str) -> None:
        print(f"\n== {title}")

    def run(self, *args: str, expect: int = 0, echo: bool = True, own_process: bool = False) -> str:
        """Run one command; print it and the first line of each paragraph it printed (one per
        input for `verify`). Returns its standard output."""
        if echo:
            print("$ vcportable " + " ".join(shlex.quote(a) for a in args))
        if own_process:
            env = {k: v for k, v in os.environ.items() if k not in self.unset}
            proc = subprocess.run(
                [sys.executable, "-m", "vcportable", *args],
                env={**env, **self.env},
                capture_output=True,
                text=True,
            )
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        else:
            unset: dict[str, str | None] = dict.fromkeys(self.unset)
            result = CliRunner().invoke(cli, args, env={**self.env, **unset})
            code, stdout, stderr = result.exit_code, result.stdout, result.stderr
        if code != expect:
            sys.exit(f"{stdout}{stderr}demo step failed: exit {code}, expected {expect}")
        if echo:
            for paragraph in (stdout or stderr).strip().split("\n\n"):
                print("  " + paragraph.splitlines()[0])
        return stdout

    def key(self, path: str) -> str:
        """A new encrypted key file; its DID."""
        output = self.run("key", "generate", "--out", path, "--passphrase-env", PASSPHRASE_ENV)
        return output.strip().splitlines()[-1]


def _names(option: str, texts: dict[str, str]) -> list[str]:
    return [arg for lang, text in texts.items() for arg in (option, f"{lang}={text}")]


def _scope(scope: dict[str, Any]) -> list[str]:
    args = [arg for pattern in scope["alignments"] for arg in ("--alignment", pattern)]
    if "maxEqfLevel" in scope:
        args += ["--max-eqf", str(scope["maxEqfLevel"])]
    return args


def _catalogue_entry(achievement: dict[str, Any]) -> list[str]:
    """`trust catalogue add` options from an achievement's own alignments and type."""
    args = ["--type", achievement["achievementType"]]
    for alignment in achievement["alignment"]:
        framework, code = alignment["targetFramework"], alignment["targetCode"]
        args += ["--eqf", code] if framework == "EQF" else ["--code", f"{framework}:{code}"]
    return args


def _board_keys(boards: list[str] = REGION["boards"]) -> list[str]:
    return [arg for board in boards for arg in ("--governance-key", f"governance/{board}.key")]


def governance(story: Story) -> None:
    """The boards make keys and build the list: municipalities, bodies, catalogue, agreements."""
    story.step("The three boards of the governance body each create a key")
    for board in REGION["boards"]:
        story.key(f"governance/{board}.key")
    story.step("They start the region's trust list: two of the three must sign it")
    board_keys = _board_keys()
    story.run(
        "trust", "init", "governance/list.json", "--id", REGION["id"],
        *_names("--name", REGION["name"]), *board_keys, "--threshold", str(REGION["threshold"]),
    )  # fmt: skip
    for town in REGION["municipalities"]:
        story.run(
            "trust", "add-municipality", "governance/list.json", town["id"],
            *_names("--name", town["name"]), "--country", town["country"],
            "--region", town["region"],
        )  # fmt: skip
    story.step("Each certification body makes its key; the boards accredit it for its trade")
    for body in REGION["bodies"]:
        key = f"bodies/{body['id']}/signing.key"
        story.run(
            "trust", "add-issuer", "governance/list.json", story.key(key),
            *_names("--name", body["name"]), "--municipality", body["municipality"],
            "--key", key, *_scope(body["accreditation"]), "--active-from", "2025-01-01T00:00:00Z",
        )  # fmt: skip
    story.step("The catalogue names each achievement in every language of the region")
    for entry in REGION["catalogue"]:
        achievement = json.loads((HERE / entry["achievement"]).read_text(encoding="utf-8"))
        story.run(
            "trust", "catalogue", "add", "governance/list.json", achievement["id"],
            *_names("--name", entry["name"]), *_catalogue_entry(achievement),
        )  # fmt: skip
    story.step("The recognition agreements: construction both ways, care one way only")
    for deal in REGION["agreements"]:
        story.run(
            "trust", "recognize", "governance/list.json", "--id", deal["id"], "--by", deal["by"],
            "--of", deal["of"], *_scope(deal["scope"]), "--from", deal["from"],
            *_names("--name", deal["name"]), *_names("--condition", deal.get("conditions", {})),
        )  # fmt: skip
    publish(story, "trust-list-1.json", REGION["boards"][:2])


def publish(story: Story, name: str, boards: list[str]) -> None:
    """Two boards sign; the list is published, and checked as a verifier would."""
    story.step(f"Boards {' and '.join(boards)} sign; the list is published")
    keys = [a for b in boards for a in ("--key", f"governance/{b}.key")]
    story.run(
        "trust", "sign", "governance/list.json", *keys, "--passphrase-env", PASSPHRASE_ENV,
        "--out", f"public/{name}",
    )  # fmt: skip
    shutil.copyfile(story.out / "public" / name, story.out / "public" / "trust-list.json")
    # Checked as an employer would: pinned to the first boards, following announced rotations.
    story.run(
        "trust", "verify", f"public/{name}", *_board_keys(), "--threshold",
        str(REGION["threshold"]), "--cache", "governance/accepted",
    )  # fmt: skip


def employers(story: Story) -> None:
    """Each employer pins the boards' keys once, with its municipality and language."""
    story.step("Employers on both banks configure their verifier once (offline from now on)")
    board_keys = _board_keys()
    for town, lang in EMPLOYERS.items():
        folder = story.out / "employers" / town
        folder.mkdir(parents=True)
        shutil.copyfile(story.out / "public" / "trust-list.json", folder / "trust-list.json")
        story.run(
            "verifier", "init", "--trust-list", f"employers/{town}/trust-list.json", *board_keys,
            "--threshold", str(REGION["threshold"]), "--as", town, "--lang", lang,
            "--profile", f"employers/{town}/profile.json",
        )  # fmt: skip


def update_employers(story: Story) -> None:
    """A new list reaches the employers: they replace their copy, and their next verification
    accepts it (rotation and rollback rules apply). Each must see every list that announces
    new keys before the list signed with them."""
    for town in EMPLOYERS:
        target = story.out / "employers" / town / "trust-list.json"
        shutil.copyfile(story.out / "public" / "trust-list.json", target)
    verify(story, "hanglage", "maria/card.png")
    verify(story, "valmont", "bodies/hanglage-construction/rpl-carpenter.json")


def verify(story: Story, town: str, *credentials: str, expect: int = 0) -> None:
    """An employer's verdicts: the first line of each is the answer."""
    story.run(
        "verify", "--profile", f"employers/{town}/profile.json", "--status-dir", "public/status",
        *credentials, expect=expect, own_process=True,
    )  # fmt: skip


def issue(story: Story) -> None:
    """The worker's wallet key, then the bodies' rosters and single credentials."""
    story.step("Maria, a carpenter from Valmont, creates her wallet and gives its DID to the body")
    maria = story.run(
        "wallet", "key", "create", "--wallet", "maria/wallet", "--passphrase-env", PASSPHRASE_ENV
    ).strip()
    story.step("The bodies open their registries and issue their rosters")
    for body_id, (achievement, form) in ROSTERS.items():
        body = next(b for b in REGION["bodies"] if b["id"] == body_id)
        folder = f"bodies/{body_id}"
        roster = Template((HERE / "rosters" / f"{body_id}.csv").read_text(encoding="utf-8"))
        (story.out / folder / "roster.csv").write_text(roster.substitute(MARIA_DID=maria))
        story.run(
            "issuer", "init", "--db", f"{folder}/registry.db", "--key", f"{folder}/signing.key",
            "--name", body["name"][body["language"]], "--municipality", body["municipality"],
            "--status-url", body["statusUrl"],
        )  # fmt: skip
        story.run(
            "issue-batch", f"{folder}/roster.csv", "--db", f"{folder}/registry.db",
            "--achievement", f"region/achievements/{achievement}.json", "--format", form,
            "--out-dir", f"{folder}/issued", "--workers", "1", "--passphrase-env", PASSPHRASE_ENV,
        )  # fmt: skip
    story.step("Hanglage's building board certifies a carpenter by recognition of prior learning")
    board = "bodies/hanglage-construction"
    story.run(
        "issue", "--key", f"{board}/signing.key", "--credential",
        "region/credentials/rpl-carpenter.json", "--out", f"{board}/rpl-carpenter.json",
        "--passphrase-env", PASSPHRASE_ENV,
    )  # fmt: skip
    story.step("Maria takes Hanglage's safety module across the river: a micro-credential")
    story.run(
        "issue", "--key", f"{board}/signing.key", "--credential",
        "region/credentials/safety-module.json", "--subject", maria,
        "--out", f"{board}/safety-module.json", "--passphrase-env", PASSPHRASE_ENV,
    )  # fmt: skip
    publish_status(story)


def publish_status(story: Story) -> None:
    story.step("The registries publish their status lists (static files, copied to verifiers)")
    for body_id in ROSTERS:
        folder = f"bodies/{body_id}"
        story.run(
            "status", "publish", "--db", f"{folder}/registry.db", "--out",
            f"public/status/{body_id}", "--passphrase-env", PASSPHRASE_ENV,
        )  # fmt: skip


def wallet(story: Story) -> None:
    story.step("Maria keeps both credentials in her wallet and makes a QR card (labels in French)")
    for credential in (
        "bodies/valmont-construction/issued/maria-lopez.json",
        "bodies/hanglage-construction/safety-module.json",
    ):
        story.run("wallet", "add", credential, "--wallet", "maria/wallet")
    listed = story.run("wallet", "list", "--wallet", "maria/wallet", echo=False)
    card = next(line.split()[0] for line in listed.splitlines() if "Carpenter" in line)
    story.run("wallet", "card", card, "--wallet", "maria/wallet", "--lang", "fr",
              "--out", "maria/card.png")  # fmt: skip


def verdicts(story: Story) -> None:
    story.step("An employer in Hanglage, across the river, scans the photo of Maria's card")
    verify(story, "hanglage", "maria/card.png")
    story.step("An employer in Valmont checks the east bank's prior-learning carpenter")
    verify(story, "valmont", "bodies/hanglage-construction/rpl-carpenter.json")
    story.step("Care is recognised one way: Rivebourg's nurse aide in Hanglage, on a condition")
    care = "bodies/hanglage-care/issued/anna-weber.jwt"
    verify(story, "hanglage", "bodies/rivebourg-health/issued/chloe-bernard.jwt", care)
    story.step("...but Hanglage's, genuine and valid at home, is not recognised in Valmont")
    verify(story, "valmont", care, expect=1)


def rejections(story: Story) -> None:
    story.step("Valmont's chamber revokes Luc's credential and publishes its status again")
    issued = story.out / "bodies/valmont-construction/issued"
    luc = json.loads((issued / "luc-girard.json").read_text(encoding="utf-8"))["id"]
    story.run("revoke", luc, "--reason", "examination fraud", "--db",
              "bodies/valmont-construction/registry.db")  # fmt: skip
    publish_status(story)
    story.step("Someone raises Inès's credential to a master's title: the signature breaks")
    forged = json.loads((issued / "ines-moreau.json").read_text(encoding="utf-8"))
    forged["credentialSubject"]["achievement"]["name"] = "Master Carpenter"
    (story.out / "forged.json").write_text(json.dumps(forged, indent=2), encoding="utf-8")
    print("  forged.json: a copy of her credential with the achievement renamed")
    story.step("An employer in Hanglage is shown both")
    luc_file = "bodies/valmont-construction/issued/luc-girard.json"
    verify(story, "hanglage", luc_file, "forged.json", expect=1)


def rotation(story: Story) -> None:
    old, new = REGION["boards"][-1], f"{REGION['boards'][-1]}-2"
    story.step(f"The {old} replaces its key: the next list announces the new one")
    story.key(f"governance/{new}.key")
    announced = [*REGION["boards"][:-1], new]
    story.run(
        "trust", "announce", "governance/list.json", *_board_keys(announced),
        "--threshold", str(REGION["threshold"]),
    )  # fmt: skip
    story.run("trust", "bump", "governance/list.json")
    publish(story, "trust-list-2.json", REGION["boards"][:2])
    update_employers(story)
    story.step("The renewed list: signed with the new key; employers follow the rotation")
    story.run("trust", "bump", "governance/list.json", "--rotate")
    publish(story, "trust-list-3.json", [REGION["boards"][0], new])
    update_employers(story)


def prepare(out: Path) -> None:
    """An empty output folder: a new one, or one an earlier run made (emptied)."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            sys.exit(f"{out} is not empty and was not made by this demo: choose another folder")
        shutil.rmtree(out)
    for folder in ("governance", "public/status", "maria"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for body in REGION["bodies"]:
        (out / "bodies" / body["id"]).mkdir(parents=True)
    (out / MARKER).touch()
    # The region's data next to what is made from it, so the commands name short paths.
    shutil.copytree(HERE, out / "region", ignore=shutil.ignore_patterns("*.py", "__pycache__"))


def main() -> None:
    default = os.environ.get("VCPORTABLE_DEMO_OUT", "demo-out")
    if sys.argv[1:] in (["-h"], ["--help"]):  # not a folder named --help
        print(__doc__)
        return
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        sys.exit("usage: python examples/river-region/run.py [OUT]")
    out = Path(sys.argv[1] if len(sys.argv) > 1 else default).resolve()
    started = time.monotonic()
    prepare(out)
    os.chdir(out)
    story = Story(out)
    print("The river region: Valmont and Rivebourg (west bank, French), Hanglage (east bank,")
    print("German). Its boards vouch for four certification bodies; employers verify offline.")
    governance(story)
    employers(story)
    issue(story)
    wallet(story)
    verdicts(story)
    rejections(story)
    rotation(story)
    print(f"\nDemo complete in {time.monotonic() - started:.0f} s: files are in {out}")


if __name__ == "__main__":
    main()
