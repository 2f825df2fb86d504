from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from reports import rows
from reports.pdf import documents, sandbox


class Command(BaseCommand):
    help = "Write a review's appendix as a PDF (the latest updates, or those of one report)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The review's slug, as in /reviews/<slug>/.")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The PDF to write.")
        parser.add_argument("--report", type=int, help="Show the updates of this update report.")

    def handle(self, *args, slug: str, output: Path, report: int | None, **options) -> None:
        try:
            appendix = rows.appendix(slug, report)
        except Http404 as error:
            raise CommandError(f"No review {slug!r}, or no report {report} in it.") from error
        html = documents.appendix_html(appendix)
        try:
            output.write_bytes(sandbox.render_pdf(html))
        except sandbox.PDFDocumentError as error:
            seconds = documents.EXPLAIN_SECONDS_IN_BACKGROUND
            explained = documents.explain(error, html, [appendix], seconds=seconds)
            raise CommandError(str(explained)) from error
        except sandbox.PDFRenderError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Wrote {output} ({len(appendix.rows)} rows).")
