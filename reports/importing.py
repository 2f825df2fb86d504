"""The reports app's part of an import: the appendix prints in the source table's columns.

The layout stores the source's columns, in its order, under its headings; the preset closest
to them writes the labels (and is what the settings page starts from)."""

from __future__ import annotations

import re

from recommendations.models import Review, UpdateReport
from reports.layouts import COLUMN_KEYS, HEADING_MAX, LAYOUTS
from reports.models import AppendixSettings
from reports.services import appendix_settings_set, report_appendix_settings_set

# "Agreed Yes/No", "Accepted (Y/N)": the decision printed as the papers' Yes and No.
_YES_NO = re.compile(r"\byes\b|\by\s*/\s*n\b", re.IGNORECASE)


def layout_columns(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The appendix's columns (field, heading) for an imported table's (field, heading):
    a label column of its own keeps the text beside it in a column of its own; a label at
    the start of the text stays there; a decision headed "Yes/No" prints as Yes and No; lead
    columns beside Cabinet member or senior officer ones show the lead officers only; a
    field shown twice (several lead columns) shows once, where it first was."""
    fields = {name for name, _ in columns}
    roles = bool(fields & {"cabinet_member", "senior_officer"})
    out: list[tuple[str, str]] = []
    for name, heading in columns:
        if name == "recommendation":
            name = "text" if "label" in fields else "recommendation"
        elif name == "decision" and _YES_NO.search(heading):
            name = "decision_yes_no"
        elif name == "leads" and roles:
            name = "lead_officer"
        if name in COLUMN_KEYS and all(name != seen for seen, _ in out):
            out.append((name, heading[:HEADING_MAX].strip()))
    return out


def closest_layout(fields: list[str]) -> str:
    """The preset sharing the most columns with the source, in the source's order first."""
    wanted = [name for name in fields if name in COLUMN_KEYS]

    def score(key: str) -> tuple[int, int, int]:
        keys = LAYOUTS[key].keys
        shared = len(set(wanted) & set(keys))
        extra = len(set(keys) - set(wanted))
        in_order = int(
            [name for name in wanted if name in keys] == [k for k in keys if k in wanted]
        )
        return (shared, -extra, in_order)

    return max(LAYOUTS, key=score)


def _same_columns(ours: list[tuple[str, str]], theirs: list[tuple[str, str]]) -> bool:
    """Whether a table's columns are a layout's: our spreadsheets give the label a column of
    its own ("Ref") beside the text where the appendix prints them in one cell, so a label
    column then the text is the recommendation; headings in any case."""

    def normal(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name, heading in columns:
            if name == "text" and out and out[-1][0] == "label":
                out[-1] = ("recommendation", heading.casefold())
            else:
                out.append((name, heading.casefold()))
        return out

    return normal(ours) == normal(theirs)


def apply_imported_layout(
    *,
    review: Review,
    columns: list[tuple[str, str]],
    report: UpdateReport | None = None,
    replace_layout: bool = False,
    **kwargs,
) -> None:
    """A new review prints in the source's columns. A new update report (``report``) of a
    recorded review: a review without a layout of its own takes the source's; one with its
    own keeps it (the report then prints in the source's columns, as the paper it came from
    did), unless the officer chose to print the review in the source's columns
    (``replace_layout``). Columns the layout already has change nothing (a review's own
    export, edited and imported again)."""
    shown = layout_columns(columns)
    if not shown:
        return
    layout = closest_layout([name for name, _ in shown])
    settings = AppendixSettings.objects.filter(review=review).first()
    if settings is not None and _same_columns(settings.get_columns(), shown):
        return
    if settings is None or report is None or replace_layout:
        # The review's header fields, note and title stay: only its columns change.
        appendix_settings_set(
            review=review,
            layout=layout,
            columns=shown,
            header=settings.header if settings else (),
            note=settings.note if settings else "",
            title=settings.title if settings else "",
            expected_version=settings.version if settings else None,
        )
        return
    report_appendix_settings_set(
        report=report,
        layout=layout,
        columns=shown,
        header=settings.header,
        note=settings.note,
        title=settings.title,
        expected_version=None,
    )
