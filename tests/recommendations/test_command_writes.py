"""Every management command writes the record through the services, never directly.

Each command runs while the database connection watches every INSERT, UPDATE and DELETE on the
tables of the two apps (their models, the history tables and the many-to-many tables): each
must be made from inside ``recommendations.services`` or ``reports.services`` (or, for the
background renders' own bookkeeping, ``reports.tasks`` and ``reports.prerender``), whatever
made it (``save``, a queryset, ``bulk_create``, a relation's ``add``). A new command must be
added below, run or with the reason it is not."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command, find_commands
from django.db import connection

from recommendations import services
from recommendations.models import Meeting, ReminderSent, Review
from reports import services as report_services
from reports.pdf import sandbox
from tests.factories import make_review

pytestmark = pytest.mark.django_db

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?', re.I)
WRITERS = {"recommendations.services", "reports.services"}
# PackRender rows are the background renders' lease bookkeeping (see reports/tasks.py), and
# StoredPDF rows the PDFs made ahead (reports/prerender.py), marked by any write; the search
# documents are derived from the rows a write touches (recommendations/search.py).
ALSO_WRITES = {
    "reports_packrender": {"reports.tasks"},
    "reports_storedpdf": {"reports.prerender"},
    "recommendations_recommendationsearch": {"recommendations.search"},
}


class WriteWatch:
    """A connection execute wrapper recording each write to a table of the two apps, and
    which were made outside the services."""

    def __init__(self) -> None:
        self.tables = {
            model._meta.db_table
            for label in ("recommendations", "reports")
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
        }
        self.written: set[str] = set()
        self.direct: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match and match["table"] in self.tables:
            table = match["table"]
            self.written.add(table)
            modules, caller = set(), ""
            frame = sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                modules.add(module)
                if not caller and not module.startswith(("django.", "simple_history.")):
                    caller = f"{module}:{frame.f_lineno}"  # the code that asked for the write
                frame = frame.f_back
            writers = WRITERS | ALSO_WRITES.get(table, set())
            if not any(_within(module, writers) for module in modules):
                self.direct.append((table, caller))
        return execute(sql, params, many, context)


def _within(module: str, writers: set[str]) -> bool:
    """The module is one of ``writers`` or inside one (``recommendations.services`` is a
    package: its writes are made by its modules)."""
    return any(module == writer or module.startswith(f"{writer}.") for writer in writers)


def watched(*args: str) -> WriteWatch:
    watch = WriteWatch()
    with connection.execute_wrapper(watch):
        call_command(*args, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not watch.direct, f"{args[0]} wrote directly: {watch.direct}"
    return watch


def test_the_watch_sees_a_direct_write():
    """Not vacuous: a queryset update outside the services is caught, a service's is not."""
    review = make_review(slug="r", recommendations=1)
    watch = WriteWatch()
    with connection.execute_wrapper(watch):
        Review.objects.filter(pk=review.pk).update(title="Directly")
        services.review_update(review=review, expected_version=review.version, user=None)
    assert watch.direct == [("recommendations_review", f"{__name__}:{_line('Directly')}")]
    assert "recommendations_historicalreview" in watch.written


def _line(text: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if f'update(title="{text}")' in line)


# Every command of the two apps, and how this test covers it.
NOT_RUN_HERE = {
    "run_worker": "a long-running loop; its writes are the renders' bookkeeping in reports.tasks "
    "and issued packs through reports.services (tests/reports/test_worker.py runs it)",
}


def test_every_command_is_covered():
    commands = set()
    for label in ("recommendations", "reports"):
        commands |= set(find_commands(str(Path(apps.get_app_config(label).path) / "management")))
    assert commands == RUN_HERE | set(NOT_RUN_HERE)


RUN_HERE = {
    "load_demo_data",
    "generate_demo_data",
    "send_update_reminders",
    "create_demo_users",
    "export_pdf",
    "export_pack",
    "import_appendix",
}


def test_loading_and_replacing_the_demo(clerk):
    written = watched("load_demo_data").written
    assert {"recommendations_review", "recommendations_progressupdate"} <= written
    assert "reports_appendixsettings" in written
    meeting = Meeting.objects.filter(reviews__slug="hackney-school-exclusions").first()
    report_services.issued_pack_store(meeting=meeting, content=b"%PDF", pages=1, issued_by=clerk)
    written = watched("load_demo_data", "--replace").written
    assert {"recommendations_review", "recommendations_meeting", "reports_issuedpack"} <= written


def test_generating_data_and_sending_reminders():
    assert (
        "recommendations_progressupdate"
        in watched("generate_demo_data", "--reviews", "3", "--seed", "2").written
    )
    watched("send_update_reminders", "--days", "100000")
    assert ReminderSent.objects.exists()


def test_importing_a_table(tmp_path):
    review = make_review(slug="watched", recommendations=1)
    path = tmp_path / "table.csv"
    path.write_bytes(b"Recommendation,Response\n1. Do it.,Agreed.\n")
    written = watched(
        "import_appendix", str(path), "--review", "imported", "--new",
        "--committee", review.committee.slug,
    ).written  # fmt: skip
    assert {"recommendations_recommendation", "reports_appendixsettings"} <= written


def test_demo_users(settings):
    settings.DEBUG = True
    watched("create_demo_users")


def test_exports_write_nothing(demo_data, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "render_pdf", lambda html, **kwargs: b"%PDF-1.7")
    meeting = Meeting.objects.filter(reviews__slug="hackney-school-exclusions").first()
    out = str(tmp_path / "out.pdf")
    assert not watched("export_pdf", "hackney-school-exclusions", "-o", out).written
    assert not watched("export_pack", str(meeting.pk), "-o", out).written
