"""`make demo`: the river region's story (examples/river-region/run.py), written to demo-out/.

Set ``VCPORTABLE_DEMO_OUT`` to write elsewhere; running it again replaces what it made.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    os.environ.setdefault("VCPORTABLE_DEMO_OUT", str(ROOT / "demo-out"))
    runpy.run_path(str(ROOT / "examples" / "river-region" / "run.py"), run_name="__main__")
