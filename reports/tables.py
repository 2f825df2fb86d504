from __future__ import annotations

import datetime as dt
from functools import partial

import django_tables2 as tables
from django.core.paginator import Paginator
from django.template.base import render_value_in_context
from django.template.defaultfilters import linebreaksbr
from django.templatetags.l10n import localize, unlocalize
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.columns.base import BoundColumn
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundRow
from django_tables2.utils import signature

from recommendations.models import ProgressUpdate, Recommendation
from reports import selectors
from reports.rows import Appendix, AppendixRow, markdown_to_text, priority_cell


class FastRows(tables.Table):
    """A table whose body rows are written in Python, with the markup of django-tables2's
    template (the head, the empty text and the pagination stay in it). The template drew
    each cell through a loop, three lookups, an attribute dictionary and a call whose
    arguments it inspected afresh: about two thirds of the time of a page of 25-30 rows at
    10,000 reviews (the appendix, the recommendation list and its searches). The cells are
    django-tables2's own (accessors, defaults, choice labels, ``render_<column>``, links)."""

    class Meta:
        template_name = "reports/fast_rows_table.html"

    def _cell(self, row: BoundRow, column: BoundColumn):
        """``row.get_cell(column.name)``, with the render method's arguments worked out once
        a table rather than once a cell (django-tables2 inspects its signature every time)."""
        return row._get_and_render_with(column, partial(self._render_cell, row), column.default)

    def _render_cell(self, row: BoundRow, column: BoundColumn, value=None):
        cache = self.__dict__.setdefault("_render_arguments", {})
        if column.name not in cache:
            names, catch_all = signature(column.render)
            cache[column.name] = None if catch_all else names
        everything = row._optional_cell_arguments(column, value)
        wanted = cache[column.name]
        if wanted is None:
            content = column.render(**everything)
        elif any(name not in everything for name in wanted):
            return None  # as django-tables2's call_with_appropriate
        else:
            content = column.render(**{name: everything[name] for name in wanted})
        return column.link(content, **everything) if column.link else content

    def tbody_rows(self) -> SafeString:
        context = getattr(self, "context", None)
        columns = list(self.columns)
        fixed = {
            column.name: column.attrs["td"].as_html()
            for column in columns
            if not _computed(self.attrs, column)
        }
        rows = self.paginated_rows if hasattr(self, "page") else self.rows
        html = []
        for row in rows:
            cells = []
            for column in columns:
                cell = self._cell(row, column)
                if column.name in fixed:
                    attrs = fixed[column.name]
                else:  # the column's td attributes depend on the cell, as in BoundRow.items
                    column.current_value, column.current_record = cell, row.record
                    attrs = column.attrs["td"].as_html()
                # Escaped as the template's autoescape would, whichever way the cell is written.
                if column.localize is None and context:
                    text = render_value_in_context(cell, context)
                else:
                    text = conditional_escape(
                        (unlocalize if column.localize is False else localize)(cell)
                    )
                cells.append(f"<td {attrs}>{text}</td>")
            html.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
        return mark_safe("\n".join(html))  # noqa: S308 -- cells escaped as the template does


def _computed(table_attrs: dict, column: BoundColumn) -> bool:
    """Whether the column's td attributes are computed per cell (callables)."""
    attrs = {**table_attrs, **column.column.attrs}
    return any(callable(value) for value in attrs.get("td", attrs.get("cell", {})).values())


class AppendixTable(FastRows):
    """The appendix as a web page; its columns come from the review's layout at run time."""

    class Meta:
        orderable = False
        template_name = "reports/fast_rows_table.html"
        attrs = {"class": "table appendix-table", "aria-labelledby": "appendix-heading"}
        row_attrs = {"class": lambda record: "appendix-part" if record["is_part"] else ""}

    @classmethod
    def for_appendix(cls, appendix: Appendix) -> AppendixTable:
        data = [{"is_part": row.is_part, **_page_cells(appendix, row)} for row in appendix.rows]
        columns = [
            (key, tables.Column(verbose_name=heading, default="", attrs={"th": {"scope": "col"}}))
            for key, heading in appendix.columns
        ]
        return cls(data, extra_columns=columns, empty_text="This review has no recommendations.")


def _page_cells(appendix: Appendix, row: AppendixRow) -> dict[str, str]:
    """The row's cells as the page shows them: as printed, and a priority carries the
    Priority badge in its first cell, unless the layout gives priority a column of its own.
    Only on the page: the paper (PDF, exports) prints as its layout says."""
    cells = {key: row.html_cell(key).html for key, _ in appendix.columns}
    keys = [key for key, _ in appendix.columns]
    if row.recommendation.is_priority and keys and "priority" not in keys:
        cells[keys[0]] = format_html(
            '<p><span class="tag tag--priority">Priority</span></p>{}', cells[keys[0]]
        )
    return cells


MAX_PER_PAGE = 500


class IdsFirstQuerysetData(TableQuerysetData):
    """Reads a page in two queries: the page's ids, filtered and sorted with only the joins
    the filter and sort need; then those rows with everything their cells show. Asked for a
    page of a common word's 9,000 matches, PostgreSQL otherwise joins the response, meeting,
    committee and authority of all 9,000 before keeping 25 (bench/pages.py, text search).

    A search (``count_limit``, with ``rows``: the same recommendations unfiltered) is read
    only as far as the limit, once (``search.first_matches``: ids and ranks), and its pages
    are cut from those candidates: a page of 25 costs the same whether 900 or 90,000 match.
    Otherwise a page's ids in the table's own order: ``selectors.page_ids``."""

    def __init__(
        self,
        data,
        *,
        count_limit: int | None = None,
        rows=None,
        newest: bool = True,
        list_limit: int | None = None,
    ) -> None:
        super().__init__(data)
        self.count_limit = count_limit
        self.rows = rows
        self.newest = newest  # beyond the limit, those added last (else the first found)
        self.matches: selectors.FirstMatches | None = None
        self.list_limit = list_limit
        self.more_listed = False

    @property
    def limit(self) -> int | None:
        """How far the rows are counted: ``count_limit`` for a search, else ``list_limit``."""
        return self.count_limit if self.count_limit is not None else self.list_limit

    @property
    def more(self) -> bool:
        """More rows than ``limit`` match."""
        return self.more_listed or (self.matches is not None and self.matches.more)

    def __len__(self) -> int:
        # A search that matches most of the tracker is read only as far as the limit: the
        # matches added last (or first found), ranked among themselves.
        if getattr(self, "_length", None) is None and self.count_limit is not None:
            self.matches = selectors.FirstMatches(
                self.data, rows=self.rows, limit=self.count_limit, newest=self.newest
            )
            self._length = self.matches.count()
        if getattr(self, "_length", None) is None and hasattr(self.table, "paginator"):
            if self.list_limit is None:
                self._length = selectors.row_count(self.data)
            else:
                # Listed in order as far as the limit; its pages stop there.
                found = selectors.bounded_count(self.data, self.list_limit)
                self.more_listed = found > self.list_limit
                self._length = min(found, self.list_limit)
        return super().__len__()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        if self.count_limit is None:
            return selectors.page_rows(self.data, key)
        len(self)
        return self.matches[key]


class RecommendationTable(FastRows):
    review = tables.Column(
        accessor="review__title", verbose_name="Review", order_by=("review__title", "order")
    )
    label = tables.Column(
        verbose_name="Ref", order_by=("review__title", "order", "id"), empty_values=()
    )
    text = tables.Column(verbose_name="Recommendation", orderable=False)
    decision = tables.Column(accessor="response__decision", verbose_name="Decision", default="—")
    latest_status = tables.Column(verbose_name="Status", default="No update")
    latest_timescale = tables.Column(verbose_name="Timescale", orderable=False, default="")
    latest_target_date = tables.DateColumn(verbose_name="Target date", format="j M Y", default="")
    is_overdue = tables.Column(verbose_name="Overdue", empty_values=())
    closed = tables.Column(
        accessor="closed_at_meeting", verbose_name="Closed", orderable=False, empty_values=()
    )
    leads = tables.Column(verbose_name="Leads", orderable=False, empty_values=())
    # The page shows the Priority badge beside the label; the downloads, this column ("Priority:
    # why", as a layout's Priority column has it), last, so that scripts reading the earlier
    # columns by position read them as before.
    is_priority = tables.Column(verbose_name="Priority", visible=False, empty_values=())

    class Meta:
        model = Recommendation
        fields = ["review", "label", "text", "decision", "latest_status", "latest_timescale",
                  "latest_target_date", "is_overdue", "closed", "leads",
                  "is_priority"]  # fmt: skip
        template_name = "reports/fast_rows_table.html"
        attrs = {"class": "table table--compact", "aria-labelledby": "results-heading"}
        per_page = 25

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        # ?per_page= reaches here as any integer: a negative one made the paginator raise
        # EmptyPage (a 500), a huge one would render every row on one page.
        if per_page is not None:
            per_page = min(max(per_page, 1), MAX_PER_PAGE)
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)

    def render_label(self, record: Recommendation) -> str:
        # An unnumbered recommendation's link still needs words; no number is invented.
        link = format_html(
            '<a href="{}">{}</a>', record.get_absolute_url(), record.label or "(unnumbered)"
        )
        if not record.is_priority:
            return link
        return format_html('{} <span class="tag tag--priority">Priority</span>', link)

    def value_is_priority(self, record: Recommendation) -> str:
        return priority_cell(record).text

    def render_text(self, value: str) -> str:
        text = markdown_to_text(value)
        return text if len(text) <= 240 else text[:237].rstrip() + "…"

    def render_latest_timescale(self, value: str) -> str:
        return linebreaksbr(value, autoescape=True)  # one timescale per line, as written

    def value_latest_timescale(self, value: str) -> str:
        return value

    def render_latest_target_date(self, value: dt.date | None) -> str:
        # As the DateColumn's template, {{ value|date:"j M Y"|default:default }}, which it
        # compiled afresh for every row (a tenth of the page); it is given empty values too.
        return date_format(value, "j M Y") if value else ""

    def value_latest_target_date(self, value: dt.date | None) -> str:
        # As the DateColumn exports (a render_ method would otherwise be the value).
        return value.isoformat() if isinstance(value, dt.date) else ""

    def render_latest_status(self, value: str) -> str:
        return ProgressUpdate.Status(value).label

    def render_is_overdue(self, record: Recommendation) -> str:
        if not record.is_overdue and not record.overdue_override:
            return ""
        label = "Overdue" if record.is_overdue else "Not overdue"
        if not record.overdue_override:
            return format_html('<span class="tag tag--overdue">{}</span>', label)
        return format_html(
            '<span class="tag tag--overdue-{}">{}</span> <span class="small">(set by an officer: '
            "{})</span>",
            record.overdue_override,
            label,
            record.overdue_override_reason,
        )

    def value_is_overdue(self, record: Recommendation) -> str:
        if not record.is_overdue and not record.overdue_override:
            return ""
        label = "Overdue" if record.is_overdue else "Not overdue"
        if record.overdue_override:
            return f"{label} (set by an officer: {record.overdue_override_reason})"
        return label

    def render_closed(self, record: Recommendation) -> str:
        meeting = record.closed_at_meeting
        if meeting is None:
            return ""
        return format_html(
            '<span class="tag tag--closed">Closed</span> {}', f"{meeting.date:%d %b %Y}"
        )

    def value_closed(self, record: Recommendation) -> str:
        meeting = record.closed_at_meeting
        return f"Closed {meeting.date:%d %b %Y}" if meeting else ""

    def render_leads(self, record: Recommendation) -> str:
        return "; ".join(str(lead.person) for lead in record.leads.all())

    def value_label(self, record: Recommendation) -> str:
        return record.label

    def value_text(self, value: str) -> str:
        return markdown_to_text(value)
