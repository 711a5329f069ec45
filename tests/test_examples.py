"""The demo that `make demo` runs works end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "VCPORTABLE_DEMO_OUT": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Demo complete" in proc.stdout
    assert proc.stdout.count("NOT VERIFIED") == 1
    assert "Traceback" not in proc.stdout + proc.stderr
