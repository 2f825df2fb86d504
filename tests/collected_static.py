"""Static files collected as production collects them, for the suite and the benchmarks."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _static_sources_digest() -> str:
    """Changes whenever a static source file (ours or an installed app's) might have."""
    digest = hashlib.sha256(sys.prefix.encode())
    for folder in sorted([ROOT / "static", *ROOT.glob("*/static")]):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def collected_static_root() -> Path:
    """Static files collected as production collects them (hashed names and a manifest), once
    per change of the sources: the pages and PDFs under test then resolve `{% static %}`
    exactly as a deployed server does."""
    target = ROOT / ".test-static" / _static_sources_digest()
    if not (target / "staticfiles.json").exists():
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=dict(os.environ, STATIC_ROOT=str(partial)),
            check=True,
        )
        try:
            partial.rename(target)
        except OSError:  # a concurrent run collected the same sources first
            shutil.rmtree(partial, ignore_errors=True)
    return target
