"""axe-core, the accessibility engine the browser tests run in each page, pinned and installed
once per version into ``.axe-core/`` from the npm registry (as the HTML checker's jar is).

Newer than the copy axe-playwright-python bundled (4.12.1), for speed with the same rules:
4.14 caches the colours it parses, which took a third of the colour-contrast rule's time, and
that rule took most of axe's (the browser tests' pages: axe's time about halved).
"""

from __future__ import annotations

import functools
from pathlib import Path

from tests.npm_packages import installed

ROOT = Path(__file__).resolve().parent.parent
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_HOME = ROOT / ".axe-core" / AXE_CORE_VERSION


@functools.cache
def axe_script() -> str:
    """axe.min.js's source, to evaluate in a page (it defines ``window.axe``)."""
    return (installed("axe-core", AXE_CORE_VERSION, AXE_CORE_HOME) / "axe.min.js").read_text()


if __name__ == "__main__":  # `make test` installs it before the suite starts
    axe_script()
    print(f"axe-core: {AXE_CORE_HOME.relative_to(ROOT)} ({AXE_CORE_VERSION})")
