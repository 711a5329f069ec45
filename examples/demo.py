"""`make demo`: the river region's story (examples/river-region/run.py), written to demo-out/.

demo-out/ is the demo's own folder (ignored by git): each run starts it afresh. Set
``VCPORTABLE_DEMO_OUT`` to write elsewhere (the story then empties only a folder it made).
"""

from __future__ import annotations

import os
import runpy
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    if "VCPORTABLE_DEMO_OUT" not in os.environ:
        shutil.rmtree(ROOT / "demo-out", ignore_errors=True)  # older demos' files included
        os.environ["VCPORTABLE_DEMO_OUT"] = str(ROOT / "demo-out")
    runpy.run_path(str(ROOT / "examples" / "river-region" / "run.py"), run_name="__main__")
