"""The Python examples in the user documentation run as written (docs/internals.md holds
interface sketches, not examples, and is left out)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import unsigned_sample
from vcportable.dids import OfflineResolver
from vcportable.keys import KeyPair
from vcportable.models.report import Check

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = ["README.md", "docs/verification.md", "docs/jose.md", "docs/api.md"]
#: Documents whose examples a reader copies whole: they run in an empty namespace, so an
#: undefined name fails the test. The others are sketches over the names of ``_namespace``.
SELF_CONTAINED = {"README.md", "docs/api.md"}
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
SHELL = re.compile(r"```sh\n(.*?)```", re.S)
#: The role guides: their shell blocks run in order, in a fresh folder, as a reader would run
#: them from the top of a clone (the employer's after `make demo`, whose files they use).
GUIDES = sorted(p.name for p in (ROOT / "docs" / "guides").glob("*.md"))


def _examples() -> list[tuple[str, str]]:
    found = []
    for name in DOCUMENTED:
        for number, code in enumerate(BLOCK.findall((ROOT / name).read_text()), 1):
            found.append((f"{name}#{number}", code))
    return found


def _namespace() -> dict[str, Any]:
    """What the examples assume the reader already has."""
    from vcportable.issuer import Issuer
    from vcportable.proofs import jose

    issuer_key, holder_key = KeyPair.generate(), KeyPair.generate()
    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    now = datetime(2026, 1, 15, tzinfo=UTC)
    return {
        "unsigned_credential": unsigned,
        "credential": unsigned,
        "document": Issuer(issuer_key).issue(unsigned),
        "issuer_key": issuer_key,
        "holder_key": holder_key,
        "holder_public_key": holder_key.public_key,
        "now": now,
        "n": "nonce-1",
        "a": "https://employer.example",
        "resolver": OfflineResolver(),
        "text": jose.issue_vc_jwt(unsigned, issuer_key, now=now),
        "extra_checks": [Check.passed("example", "an extra check")],
    }


def _globals_for(where: str) -> dict[str, Any]:
    given = {} if where.split("#")[0] in SELF_CONTAINED else _namespace()
    return {"__name__": "__main__", **given}


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_documented_example_runs(
    where: str, code: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where a reader of the README runs it
    exec(compile(code, where, "exec"), _globals_for(where))  # noqa: S102 - our documentation


def test_an_undefined_name_in_the_readme_fails() -> None:
    """The README's example once used a name it never defined; the test supplied it."""
    old_example = "signed = Issuer(key).issue(unsigned_credential)"
    with pytest.raises(NameError, match="Issuer"):
        exec(compile(old_example, "README.md#1", "exec"), _globals_for("README.md#1"))  # noqa: S102


def test_readme_shell_walkthrough_runs(tmp_path: Path) -> None:
    """The README's command blocks (after `make`), in order, in a fresh folder."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    script = "\n".join(b for b in blocks if "make demo" not in b)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    bin_dir = str(Path(sys.executable).parent)
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Traceback" not in output and "command not found" not in output
    assert output.count("NOT VERIFIED") == 1  # the `--at 2031` check: expired, as intended
    for made in ("board.key", "maria.json", "maria.sd-jwt", "presentation.txt", "vp.json"):
        assert (tmp_path / made).stat().st_size > 0
    # Whatever the walkthrough leaves behind, a clone's .gitignore keeps out of `git status`.
    made = [p.name for p in tmp_path.iterdir() if p.name != "examples"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *made], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert sorted(ignored) == sorted(made)


def test_cli_reference_is_current() -> None:
    """docs/cli.md ends with every command's --help; regenerate it with docs/cli_reference.py."""
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "docs/cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    assert current == module.render(current), "run: .venv/bin/python docs/cli_reference.py"


def test_shell_completion_as_documented() -> None:
    """The completion scripts docs/cli.md tells people to install exist and complete."""
    program = str(Path(sys.executable).parent / "vcportable")
    for shell in ("bash", "zsh", "fish"):
        script = subprocess.run(
            [program], env={**os.environ, "_VCPORTABLE_COMPLETE": f"{shell}_source"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert script.returncode == 0 and "_VCPORTABLE_COMPLETE" in script.stdout, shell
    words = subprocess.run(
        [program],
        env={**os.environ, "_VCPORTABLE_COMPLETE": "bash_complete", "COMP_WORDS": "vcportable ver",
             "COMP_CWORD": "1"},
        capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    assert "plain,verify" in words.splitlines()


def _fresh_user(home: Path) -> dict[str, str]:
    """The environment of a user with nothing set up yet: no wallet, profile or registry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCPORTABLE_")}
    bin_dir = str(Path(sys.executable).parent)
    return {
        **env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"), "NO_COLOR": "1",
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
    }  # fmt: skip


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_commands_run_in_order(guide: str, tmp_path: Path) -> None:
    blocks = SHELL.findall((ROOT / "docs" / "guides" / guide).read_text(encoding="utf-8"))
    assert blocks, f"{guide} has no commands"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = _fresh_user(tmp_path / "home")
    if guide == "employer.md":
        made = subprocess.run(
            [sys.executable, "examples/demo.py"], cwd=tmp_path, capture_output=True, text=True,
            timeout=300, env={**env, "VCPORTABLE_DEMO_OUT": str(tmp_path / "demo-out")},
        )  # fmt: skip
        assert made.returncode == 0, made.stdout + made.stderr
    proc = subprocess.run(
        ["bash", "-e", "-c", "\n".join(blocks)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Traceback" not in output and "command not found" not in output


def test_operator_guide_configuration_is_accepted(tmp_path: Path) -> None:
    """The TOML of the operator's guide is a configuration the server accepts as written."""
    import tomllib

    from vcportable.server.config import config_from_dict

    text = (ROOT / "docs" / "guides" / "operator.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, re.S)
    config = config_from_dict(tomllib.loads(block), base=tmp_path)
    assert [i.name for i in config.issuers] == ["valmont-construction", "hanglage-care"]


def test_every_page_is_in_the_navigation_and_every_link_resolves() -> None:
    """mkdocs.yml lists exactly the pages in docs/, and relative links between pages (and to
    their sections) lead somewhere."""
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    nav = re.findall(r": ([\w/.-]+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert sorted(nav) == sorted(pages)
    for page in [*pages, "../README.md"]:
        path = (ROOT / "docs" / page).resolve()
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).is_file(), f"{page}: broken link to {target}"
