"""The W3C Nu HTML checker (vnu.jar, from the npm package vnu-jar) on pages the server sent.

The jar is installed once per version into ``.vnu/`` (npm, from the registry; its install
script, which would download a Java runtime, is not run: the system's Java runs it). Starting
the JVM takes about a second, so a test collects its pages and checks them all in one run.

Each run is short (a few seconds), so the JVM runs with its quick compiler only and the serial
garbage collector (``JAVA_OPTIONS``): the optimising compiler's threads cost more CPU than they
ever win back in a run this short (72 pages: 8.4 s of CPU by default, 3.9 s so). The checker,
its schemas and its messages are the same; its stack is raised to 4 MiB since quick-compiled
frames are larger (it needs at least 512 KiB by default settings, and says so if short).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.npm_packages import installed

ROOT = Path(__file__).resolve().parent.parent
VNU_VERSION = "26.9.27"
VNU_HOME = ROOT / ".vnu" / VNU_VERSION
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]


def vnu_jar() -> Path:
    """The pinned vnu.jar, installed on first use."""
    return installed("vnu-jar", VNU_VERSION, VNU_HOME) / "build" / "dist" / "vnu.jar"


def html_errors(pages: dict[str, bytes | str]) -> list[str]:
    """Every error the checker finds, as ``"<page name>: line N: message"``; warnings are
    left out. ``pages`` maps a name (a path, say) to the HTML served under it."""
    if not pages:
        return []
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java is needed to run vnu.jar (the HTML checker); .ci/run installs it")
    jar = vnu_jar()
    with tempfile.TemporaryDirectory() as tmp:
        names: dict[str, str] = {}
        for number, (name, html) in enumerate(pages.items()):
            path = Path(tmp) / f"page-{number:04d}.html"
            path.write_bytes(html.encode() if isinstance(html, str) else html)
            names[path.name] = name
        result = subprocess.run(
            [java, *JAVA_OPTIONS, "-jar", str(jar), "--errors-only", "--exit-zero-always",
             "--format", "json", *sorted(str(p) for p in Path(tmp).iterdir())],
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
    try:
        messages = json.loads(result.stdout or result.stderr)["messages"]
    except (ValueError, KeyError):
        raise RuntimeError(f"vnu.jar gave no report: {result.stderr or result.stdout}") from None
    errors = []
    for message in messages:
        if message.get("type") == "info":
            continue
        name = names.get(Path(message.get("url", "")).name, message.get("url", "?"))
        where = f"line {message['lastLine']}" if "lastLine" in message else "document"
        extract = message.get("extract", "").strip().replace("\n", " ")
        errors.append(f"{name}: {where}: {message['message']} [{extract[:120]}]")
    return errors


def assert_valid_html(pages: dict[str, bytes | str]) -> None:
    errors = html_errors(pages)
    assert not errors, "Nu HTML checker errors:\n" + "\n".join(errors)


if __name__ == "__main__":  # `make test` installs the jar before the suite starts
    print(f"Nu HTML checker: {vnu_jar().relative_to(ROOT)} ({VNU_VERSION})")
