"""Import a recommendations table from a .docx, .xlsx or .csv file.

    python manage.py import_appendix FILE --review SLUG [--new --title ... --committee ...]
        [--map "Heading=field" ...] [--word "Word=value" ...] [--table N] [--as-at DATE]
        [--report-title ...] [--dry-run]

``--new`` makes a new review (short name SLUG); without it the rows go into a new update
report of the existing review SLUG, matched by label."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from recommendations import services
from recommendations.importing import readers, recognise
from recommendations.importing.preview import (
    build_preview,
    default_table,
    mapping_from_pairs,
    words_from_pairs,
)
from recommendations.models import Committee, DatePrecision, Review, UpdateReport


class Command(BaseCommand):
    help = "Import a recommendations table (Word, Excel or CSV) as a review or an update report."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--review", required=True, help="The review's short name.")
        parser.add_argument("--new", action="store_true", help="Make a new review.")
        parser.add_argument(
            "--title", default="", help="The new review's title (default: the file's)."
        )
        parser.add_argument(
            "--committee", default="", help="The new review's committee (default: the file's)."
        )
        parser.add_argument(
            "--meeting-date",
            default=None,
            help="The meeting's date (default: the file's, above the table): a new review is "
            "reported on it; an update report goes to the committee's meeting that day.",
        )
        parser.add_argument("--minute", default=None, help="The minute (default: the file's).")
        parser.add_argument("--map", action="append", default=[], metavar="HEADING=FIELD")
        parser.add_argument(
            "--word",
            action="append",
            default=[],
            metavar="WORD=VALUE",
            help='What a decision or status word means, e.g. "Supported in part=partly_agreed".',
        )
        parser.add_argument(
            "--table",
            type=int,
            default=None,
            help="Which table (from 1; default: the first with a recommendation column).",
        )
        parser.add_argument("--as-at", default="", help="The updates' date (e.g. March 2025).")
        parser.add_argument("--report-title", default="", help="The update report's title.")
        parser.add_argument(
            "--replace-layout",
            action="store_true",
            help="Into a review with a layout of its own: print its appendix in the table's "
            "columns from now on (default: keep it; the new update report prints in them).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show, save nothing.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        try:
            _, tables = readers.read_tables(content, path.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        number = options["table"] or default_table(tables) + 1
        if not 1 <= number <= len(tables):
            raise CommandError(f"The file has {len(tables)} table(s); choose one from 1.")
        table = tables[number - 1]
        first = build_preview(table)
        try:
            mapping = mapping_from_pairs(first.headings, options["map"])
            words = words_from_pairs(options["word"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        preview = build_preview(table, mapping=mapping, words=words)
        review, report = self._targets(options, preview)
        # References are read by the authority's pattern, if it set one.
        pattern = recognise.authority_reference_pattern(review.committee.authority)
        if pattern is not None and "reference" in preview.fields:
            preview = build_preview(table, mapping=mapping, words=words, reference_pattern=pattern)
        self._show(preview)
        date = options["meeting_date"]
        meeting = recognise.parse_date(date) if date else None
        if date and meeting is None:
            raise CommandError(f"--meeting-date: not a date: {date!r}")
        if date is None and (found := preview.header.get("meeting_date")):
            meeting = recognise.parse_date(found)
            if meeting is None:
                self.stdout.write(f"  The meeting date {found!r} is not a date: left out.")
        minute = options["minute"]
        minute = preview.header.get("minute", "") if minute is None else minute
        minute = f"Minute {minute}" if minute[:1].isdigit() else minute
        if meeting and not options["as_at"]:  # the updates are as at the meeting's date
            report.as_at, report.as_at_precision = meeting
        if preview.errors:
            raise CommandError(f"{preview.errors} row(s) have errors; nothing was saved.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
            return
        try:
            result = services.import_table_at_meeting(
                meeting_date=meeting[0] if meeting else None,
                meeting_precision=meeting[1] if meeting else DatePrecision.DAY,
                agenda_item=minute,
                rows=preview.rows,
                review=review,
                report=report,
                columns=preview.columns,
                file_name=path.name,
                content=content,
                user=None,
                replace_layout=options["replace_layout"],
            )
        except services.ImportRefused as error:
            raise CommandError(f"Nothing was saved: {error}") from None
        except ValidationError as error:
            raise CommandError(f"Nothing was saved: {' '.join(error.messages)}") from None
        for row in result.unmatched:
            self.stdout.write(f"Row {row.number}: no recommendation {row.label or row.text[:40]!r}")
        self.stdout.write(
            f"Imported {result.recommendations} recommendation(s) and {result.updates} "
            f"update(s) into {result.review.slug}."
        )

    def _show(self, preview) -> None:
        for name, text in preview.header.items():
            self.stdout.write(f"  Above the table: {recognise.HEADER_FIELDS[name]}: {text}")
        for heading, name in zip(preview.headings, preview.fields, strict=True):
            self.stdout.write(f"  {heading!r} -> {recognise.FIELDS.get(name, name)}")
        for kind, word in preview.unknown_words:
            self.stdout.write(f'  Unknown {kind} "{word}": say what it means with --word')
        for row in preview.rows:
            mark = "ERROR " + " ".join(row.errors) if row.errors else "ok"
            self.stdout.write(f"Row {row.number} [{row.label or '-'}]: {mark}")

    def _targets(self, options, preview) -> tuple[Review, UpdateReport]:
        as_at, precision = timezone.localdate(), DatePrecision.DAY
        if options["as_at"]:
            parsed = recognise.parse_date(options["as_at"])
            if parsed is None:
                raise CommandError(f"--as-at: not a date: {options['as_at']!r}")
            as_at, precision = parsed
        title = options["report_title"] or preview.heading_of("update") or "Imported update"
        report = UpdateReport(title=title, as_at=as_at, as_at_precision=precision)
        if not options["new"]:
            review = Review.objects.filter(slug=options["review"]).first()
            if review is None:
                raise CommandError(f"No review {options['review']!r} (use --new to make one).")
            return review, report
        if Review.objects.filter(slug=options["review"]).exists():
            raise CommandError(f"A review {options['review']!r} exists already.")
        name = (
            options["committee"] or preview.header.get("committee", "") or preview.committee_named
        )
        committees = list(Committee.objects.filter(Q(slug=name) | Q(name__iexact=name)))
        if not committees and name and not options["committee"]:
            lowered = name.lower()
            committees = [c for c in Committee.objects.all() if c.name.lower() in lowered]
        if len(committees) != 1:
            raise CommandError(
                f"--committee {name!r} names {len(committees)} committees; give one's short name."
            )
        review = Review(
            committee=committees[0],
            slug=options["review"],
            title=options["title"] or preview.header.get("title", "") or options["review"],
        )
        return review, report
