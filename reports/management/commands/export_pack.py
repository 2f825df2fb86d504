from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from reports import rows
from reports.pdf import documents, sandbox


class Command(BaseCommand):
    help = "Write the committee pack for a meeting as a PDF."

    def add_arguments(self, parser) -> None:
        parser.add_argument("meeting_id", type=int)
        parser.add_argument("-o", "--output", required=True, type=Path, help="The PDF to write.")

    def handle(self, *args, meeting_id: int, output: Path, **options) -> None:
        try:
            pack = rows.meeting_pack(meeting_id)
        except Http404 as error:
            raise CommandError(f"No meeting {meeting_id}.") from error
        html = documents.pack_html(pack)
        try:
            output.write_bytes(sandbox.render_pdf(html))
        except sandbox.PDFDocumentError as error:
            seconds = documents.EXPLAIN_SECONDS_IN_BACKGROUND
            explained = documents.explain(error, html, pack.appendices, seconds=seconds)
            raise CommandError(str(explained)) from error
        except sandbox.PDFRenderError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Wrote {output} ({len(pack.appendices)} reviews).")
