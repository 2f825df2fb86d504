"""WeasyPrint (our exporter) against headless Chromium's print-to-PDF, on the same HTML.

    DEBUG=1 .venv/bin/python -m bench.pdf [--runs 3]

Uses a throwaway SQLite database: loads the Hackney demo review and builds a
500-recommendation review, then times, for each: our cold render (``reports.pdf.render_pdf``,
the forked, time-limited renderer the views use), a cached repeat (``cached_pdf``), and
Chromium printing the same HTML (stylesheet inlined, since Chromium gets no URL fetcher).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from recommendations.demo import demo_files, load_review_document, read_document  # noqa: E402
from reports import pdf, selectors  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def big_review(count: int) -> str:
    from tests.reports.conftest import make_big_review

    return make_big_review(count, slug=f"bench-{count}").slug


def timed(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    for path in demo_files():
        if "hackney" in path.name:
            load_review_document(read_document(path))
    cases = [
        ("Hackney appendix", "hackney-school-exclusions"),
        (f"{args.rows} rows", big_review(args.rows)),
    ]
    css = Path(finders.find("reports/pdf.css")).read_text()

    pdf._warm_up()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        print(
            f"{'case':<18}{'pages':>6}{'ours s':>9}{'chromium s':>12}{'ratio':>7}{'cached ms':>11}"
        )
        for name, slug in cases:
            item = selectors.appendix(slug)
            html = pdf.appendix_html(item)
            ours, content = timed(lambda html=html: pdf.render_pdf(html), args.runs)
            inline = html.replace(
                '<link rel="stylesheet" href="/static/reports/pdf.css">', f"<style>{css}</style>"
            )

            def chromium(inline=inline) -> bytes:
                page.set_content(inline, wait_until="load")
                return page.pdf(format="A4", landscape=True, display_header_footer=False)

            theirs, _ = timed(chromium, args.runs)
            cache.clear()
            pdf.cached_pdf(html)
            cached, _ = timed(lambda html=html: pdf.cached_pdf(html), args.runs)
            pages = content.count(b"/Type /Page\n") or content.count(b"/Type/Page")
            print(
                f"{name:<18}{pages or '?':>6}{ours:>9.2f}{theirs:>12.2f}"
                f"{ours / theirs:>7.2f}{cached * 1000:>11.1f}"
            )
        browser.close()


if __name__ == "__main__":
    main()
