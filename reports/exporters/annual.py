"""The annual report as XLSX (every figure, per committee, per review and overall, the
cohorts, and every recommendation behind them with the figures it counts in) and as DOCX
(the tables a clerk pastes into the scrutiny annual report)."""

from __future__ import annotations

from django.template.loader import render_to_string

from recommendations import impact
from recommendations.models import Recommendation
from recommendations.monitoring import DECISION_LABELS, STATUS_LABELS
from reports import annual
from reports.exporters import formats
from reports.exporters.word import WordDocument

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The columns the Word tables by committee and by review keep (the XLSX has every figure).
DOCX_GROUP_FIGURES = [
    "made", "agreed", "partly_agreed", "not_agreed", "awaiting", "implemented", "in_progress",
    "overdue", "closed", "implemented_in_period",
]  # fmt: skip


def _date(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _share(count: int, of: int) -> float | str:
    return round(count / of, 4) if of else ""


class AnnualReportExporter:
    identifier = "annual-report"

    def __init__(self, report: annual.AnnualReport) -> None:
        self.report = report

    @classmethod
    def formats(cls) -> list[str]:
        return ["docx", "xlsx"]

    def render(self, format: str) -> tuple[str, str, bytes]:
        if format == "xlsx":
            return (
                f"{self.identifier}.xlsx",
                formats.XLSX_CONTENT_TYPE,
                formats.to_xlsx_sheets(self.sheets()),
            )
        if format == "docx":
            return f"{self.identifier}.docx", DOCX_CONTENT_TYPE, self.docx()
        raise ValueError(format)

    # --- XLSX ---------------------------------------------------------------------------------

    def _about(self) -> list[list[object]]:
        report = self.report
        return [
            ["Annual report", report.title],
            ["Period", f"{report.period.label}: {report.period.long_label}"],
            ["As at", _date(report.as_at)],
            *([label, definition] for label, definition in report.definitions),
        ]

    def _group_rows(self) -> list[list[object]]:
        report = self.report
        heading = ["Kind", "Name", "Of", *(label for _, label in report.headings)]
        rows: list[list[object]] = [[*heading, "Median slip of a moved target date (days)"]]
        for row in [report.overall, *report.committees, *report.reviews]:
            slip = row.median_slip_days
            rows.append(
                [row.kind.title(), row.name, row.caption, *(cell.count for cell in row.cells),
                 "" if slip is None else slip]
            )  # fmt: skip
        return rows

    def _cohort_rows(self) -> list[list[object]]:
        rows: list[list[object]] = [
            ["Agreed in", "From", "To", "Agreed", *(
                heading for years in annual.CHART_YEARS
                for heading in (f"Within {years} year{'s' if years != 1 else ''}",
                                f"Share within {years}")
            ), "Implemented so far", "Median days to implemented"],
        ]  # fmt: skip
        for cohort in self.report.cohorts:
            within: list[object] = []
            for years in annual.CHART_YEARS:
                cell = cohort.within.get(years)
                within += (
                    [cell.count, _share(cell.count, cohort.agreed.count)]
                    if cell
                    else ["not yet", ""]
                )
            rows.append(
                [cohort.period.label, _date(cohort.period.start), _date(cohort.period.end),
                 cohort.agreed.count, *within, cohort.implemented.count,
                 "" if cohort.median_days is None else cohort.median_days]
            )  # fmt: skip
        return rows

    def _recommendation_rows(self) -> list[list[object]]:
        """Every recommendation the figures read, with the figures it counts in: filter a
        column to "Yes" for the list behind a number."""
        report = self.report
        standings = report.standings
        names = {
            rec.pk: rec
            for rec in Recommendation.objects.filter(pk__in=[s.id for s in standings])
            .select_related("review__committee__authority", "parent")
            .only(
                "pk", "label", "parent__label", "review__title", "review__slug",
                "review__committee__name", "review__committee__authority__name",
            )
        }  # fmt: skip
        period = report.period
        cohort_keys = ["cohort", "cohort_1", "cohort_2", "cohort_4", "cohort_implemented"]
        heading = [
            "Authority", "Committee", "Review", "Recommendation", "Made on", "Decision",
            "Decided on", "Response deadline missed", "Status", "Implemented on", "Overdue",
            "Closed on", "Priority", "Target date moves", "Target slip (days)",
            *(label for _, label in report.headings),
            "Cohort (agreed in)", *(impact.FIGURE_LABELS[key] for key in cohort_keys[1:]),
        ]  # fmt: skip
        rows: list[list[object]] = [heading]
        for s in standings:
            rec = names.get(s.id)
            if rec is None:
                continue
            cohort = (
                annual.period_of(annual.year_of(s.decided_on, report.starts), report.starts)
                if s.decision in impact.AGREED_DECISIONS and s.decided_on
                else None
            )
            yes = lambda flag: "Yes" if flag else ""  # noqa: E731
            rows.append(
                [
                    rec.review.committee.authority.name, rec.review.committee.name,
                    rec.review.title, rec.name, _date(s.made_on),
                    DECISION_LABELS.get(s.decision, s.decision), _date(s.decided_on),
                    yes(s.response_late), STATUS_LABELS.get(s.status, s.status),
                    _date(s.implemented_on), yes(s.overdue), _date(s.closed_on),
                    yes(s.is_priority), s.progress.target_moves, s.progress.target_slip_days,
                    *(yes(impact.counts(s, key, period.start, period.end))
                      for key, _ in report.headings),
                    cohort.label if cohort else "",
                    *(yes(cohort and impact.counts(s, key, cohort.start, cohort.end))
                      for key in cohort_keys[1:]),
                ]
            )  # fmt: skip
        return rows

    def sheets(self) -> list[tuple[str, list[list[object]]]]:
        return [
            ("About", [["", ""], *self._about()]),
            ("Figures", self._group_rows()),
            ("Cohorts", self._cohort_rows()),
            ("Recommendations", self._recommendation_rows()),
        ]

    # --- DOCX ---------------------------------------------------------------------------------

    def docx(self) -> bytes:
        report = self.report
        document = WordDocument(title=report.title)
        document.heading(report.title, 1)
        document.paragraph(
            f"Recommendations made in {report.period.label} ({report.period.long_label}), "
            f"as at {_date(report.as_at)}."
        )
        document.heading("The figures", 2)
        labels = dict(report.headings)
        document.table(
            ["Figure", "Recommendations"],
            [[labels[cell.key], str(cell.count)] for cell in report.overall.cells],
            widths=[3, 1],
            html=False,
        )
        document.heading("Implemented within 1, 2 and 4 years of the decision", 2)
        cohort_rows = []
        for cohort in report.cohorts:
            within = []
            for years in (1, 2, 4):
                cell = cohort.within.get(years)
                within.append(
                    f"{cell.count} ({cell.count / cohort.agreed.count:.0%})" if cell else "not yet"
                )
            cohort_rows.append([cohort.period.label, str(cohort.agreed.count), *within])
        document.table(
            ["Agreed in", "Agreed", "Within 1 year", "Within 2 years", "Within 4 years"],
            cohort_rows,
            html=False,
        )
        for title, rows in (("By committee", report.committees), ("By review", report.reviews)):
            if not rows:
                continue
            document.heading(title, 2)
            document.table(
                ["Name", *(impact.FIGURE_LABELS[key] for key in DOCX_GROUP_FIGURES)],
                [[row.name, *(str(row.count(key)) for key in DOCX_GROUP_FIGURES)] for row in rows],
                widths=[4, *([1] * len(DOCX_GROUP_FIGURES))],
                html=False,
            )
        document.heading(f"Implemented in {report.period.label}", 2)
        for item in report.implemented:
            rec = item.recommendation
            document.heading(f"{rec.review.title}: {rec.name}", 3)
            document.paragraph(
                f"Implemented by {_date(item.implemented_on)}; its latest update, as at "
                f"{item.update.as_at_display}:"
            )
            document.html(render_to_string("reports/annual_update_text.html", {"item": item}))
        if not report.implemented:
            document.paragraph("None was implemented in this year.")
        document.heading("Open priority recommendations", 2)
        for item in report.priorities:
            rec = item.recommendation
            document.heading(f"{rec.review.title}: {rec.name}", 3)
            document.html(render_to_string("reports/annual_priority_text.html", {"item": item}))
        if not report.priorities:
            document.paragraph("No open recommendation is marked as a priority.")
        document.heading("How each figure is defined", 2)
        document.table(["Figure", "Definition"], report.definitions, widths=[1, 3], html=False)
        return document.to_bytes()
