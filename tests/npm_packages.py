"""Test tools that come from the npm registry (the HTML checker's vnu.jar, axe-core), each
pinned and installed once per version into a folder of its own beside the code."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def installed(package: str, version: str, home: Path) -> Path:
    """The folder of ``package@version``, installed into ``home`` on first use. Its install
    scripts are not run (vnu-jar's would download a Java runtime). A concurrent install of the
    same version is harmless: each writes its own folder and the first rename wins."""
    folder = home / "node_modules" / package
    if (folder / "package.json").exists():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed to install {package} (a test tool); .ci/run installs it")
    partial = home.with_name(f"{home.name}.{os.getpid()}.partial")
    subprocess.run(
        [npm, "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund",
         "--loglevel=error", "--prefix", str(partial), f"{package}@{version}"],
        check=True,
    )  # fmt: skip
    try:
        partial.rename(home)
    except OSError:  # a concurrent run installed it first
        shutil.rmtree(partial, ignore_errors=True)
    return folder
