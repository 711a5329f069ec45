"""End-to-end demo: a certification body issues a competency credential, an employer verifies it.

Run with ``make demo``. Every step is a real ``vcportable`` command, printed before it runs, so
the output doubles as a tutorial. Files go to ``demo-out/`` (or ``$VCPORTABLE_DEMO_OUT``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("VCPORTABLE_DEMO_OUT", ROOT / "demo-out"))
CLI = [sys.executable, "-m", "vcportable"]


def step(title: str, *args: str, expect: int = 0, stdin: str | None = None) -> str:
    print(f"\n== {title}")
    print("$ vcportable " + " ".join(shlex.quote(a) for a in args))
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, input=stdin, cwd=ROOT)
    shown = proc.stdout if len(proc.stdout) < 2500 else proc.stdout[:2500] + "\n[...]\n"
    print(shown + proc.stderr, end="")
    if proc.returncode != expect:
        sys.exit(f"demo step failed: exit {proc.returncode}, expected {expect}")
    return proc.stdout


def main() -> None:
    OUT.mkdir(exist_ok=True)
    key = OUT / "riverside-board.key"
    key.unlink(missing_ok=True)
    unsigned = ROOT / "examples" / "credentials" / "carpenter-level-2.json"
    signed = OUT / "carpenter-level-2.signed.json"

    print("Riverside's vocational certification board certifies Maria as a Level 2 carpenter;")
    print("an employer across the river checks the credential offline.")
    step(
        "The board creates its signing key (a did:key; unencrypted for the demo only)",
        "key",
        "generate",
        "--out",
        str(key),
        "--no-passphrase",
    )
    step("Its DID document, which anyone can derive from the DID itself", "did", "show", str(key))
    step(
        "The board signs the competency credential (Open Badges 3.0, eddsa-rdfc-2022)",
        "issue",
        "--key",
        str(key),
        "--credential",
        str(unsigned),
        "--out",
        str(signed),
    )
    step("The employer verifies it, offline", "verify", str(signed))

    holder_key = OUT / "maria.key"
    holder_key.unlink(missing_ok=True)
    holder_did = step("Maria, the worker, creates her own key for her wallet",
                      "key", "generate", "--out", str(holder_key), "--no-passphrase").strip()
    sd_jwt = OUT / "carpenter-level-2.sd-jwt"
    step("The board also issues it as an SD-JWT bound to Maria's key",
         "issue", "--key", str(key), "--credential", str(unsigned), "--format", "sd-jwt",
         "--holder", holder_did.splitlines()[-1], "--out", str(sd_jwt))
    shown = OUT / "presentation.sd-jwt"
    step("Maria shows only her name and the achievement, for the employer's challenge",
         "present", "--credential", str(sd_jwt), "--disclose", "credentialSubject.name",
         "--holder-key", str(holder_key), "--nonce", "8f1c", "--aud", "https://employer.example",
         "--out", str(shown))
    step("The employer verifies the presentation and the key binding",
         "verify", "--require-key-binding", "--challenge", "8f1c",
         "--domain", "https://employer.example", str(shown))

    tampered = json.loads(signed.read_text())
    tampered["credentialSubject"]["achievement"]["name"] = "Master Carpenter"
    forged = OUT / "carpenter-forged.json"
    forged.write_text(json.dumps(tampered, indent=2))
    step("Someone edits the achievement name: verification fails", "verify", str(forged), expect=1)
    print(f"\nDemo complete: files are in {OUT}.")


if __name__ == "__main__":
    main()
