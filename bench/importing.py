"""How long importing a 500-row table takes: reading and the preview, then the save.

    DEBUG=1 .venv/bin/python -m bench.importing [--rows 500] [--format xlsx]

Runs against a throwaway test database made from the configured one (SQLite by default, or
PostgreSQL when DATABASE_URL says so). Goals: preview < 5 s, save < 10 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import io
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
os.environ.setdefault("DEBUG", "true")

HEADINGS = ["Ref", "Recommendation", "Agreed Yes/No", "Response", "Lead Officer",
            "Action taken", "Status", "Timescale"]  # fmt: skip


def table(rows: int) -> list[list[str]]:
    body = [HEADINGS]
    for n in range(1, rows + 1):
        body.append([
            str(n),
            f"The council should do thing {n}.\nIt should report on it:\n- yearly\n- to members",
            ["Yes", "No", "Partly"][n % 3],
            f"Agreed. We will do thing {n} by the spring, with partners. " * 3,
            f"Officer {n % 40}, Head of Service {n % 7} / Cllr Member {n % 9}",
            f"Progress on thing {n}: half done.\n1. first step\n2. second step",
            ["Completed", "In progress", "Amber", "Not started"][n % 4],
            "March 2027",
        ])  # fmt: skip
    return body


def as_file(rows: list[list[str]], kind: str) -> bytes:
    if kind == "csv":
        import csv

        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from recommendations import services
    from recommendations.importing.preview import build_preview
    from recommendations.importing.readers import read_tables
    from recommendations.models import Review, UpdateReport

    content = as_file(table(args.rows), args.format)
    name = f"bench.{args.format}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        authority = services.authority_get_or_create(slug="bench", name="Bench Council")
        committee = services.committee_get_or_create(
            authority=authority, slug="bench", name="Bench Committee"
        )
        started = time.perf_counter()
        _, tables = read_tables(content, name)
        preview = build_preview(tables[0])
        preview_seconds = time.perf_counter() - started
        assert not preview.errors, [row.errors for row in preview.rows if row.errors][:3]
        started = time.perf_counter()
        result = services.import_table(
            rows=preview.rows,
            review=Review(committee=committee, title="Bench import"),
            report=UpdateReport(title="Bench update"),
            columns=preview.columns,
            file_name=name,
            content=content,
            user=None,
        )
        save_seconds = time.perf_counter() - started
        print(
            f"{connection.vendor}, {args.rows} rows ({args.format}, {len(content) // 1024} KB): "
            f"preview {preview_seconds:.2f} s (goal < 5 s), save {save_seconds:.2f} s "
            f"(goal < 10 s); {result.recommendations} recommendations, {result.updates} updates"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
