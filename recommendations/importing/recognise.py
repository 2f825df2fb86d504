"""What the papers' tables say, in the tracker's terms: which field a column heading means,
what a decision or status word means, a recommendation's label at the start of its text, a
date given by day, month or year, and the leads named in a cell."""

from __future__ import annotations

import datetime as dt
import re

from recommendations.models import (
    Authority,
    DatePrecision,
    Lead,
    ProgressUpdate,
    RagRating,
    Response,
)
from recommendations.rules import REFERENCE_MAX, reference_pattern

# The fields a column can be mapped to, in the order the mapping form offers them.
FIELDS: dict[str, str] = {
    "": "(not imported)",
    "label": "Label (e.g. 1, R2, 3a)",
    "recommendation": "Recommendation (label and text)",
    "decision": "Decision (agreed or not)",
    "response": "Response",
    "response_timetable": "Response timetable",
    "leads": "Leads (several per cell)",
    "cabinet_member": "Responsible Cabinet member",
    "senior_officer": "Senior responsible officer",
    "update": "Progress update",
    "status": "Status or RAG rating",
    "timescale": "Timescale or target date",
    "review": "Review (a table of several reviews: the review or report each row is from)",
    "committee": "Committee (a table of several reviews: the committee each review is from)",
    "reference": "Reference (e.g. SR (25/26) 01: its review's part, then its number)",
}

# Heading words, tried in order: the first pattern found in a heading names its field. The
# order matters: "Cabinet / partner agency response" is a response, not a Cabinet member;
# "Six month progress update" an update.
_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    # A date of its own ("Date agreed", "Date considered by the executive"): not a decision
    # or an update; chosen by hand if wanted.
    ("", re.compile(r"^date\b")),
    # A council-wide tracker or a committee's progress annex: one table, several reviews.
    ("review", re.compile(r"^(review|report|inquiry|(review|report|inquiry) (title|name))$")),
    ("reference", re.compile(r"^reference$")),
    # The committee a tracker's row came from ("Origin committee", "Select Committee").
    (
        "committee",
        re.compile(
            r"^((origin(al|ating)?|scrutiny|select|overview (and|&) scrutiny|referring|lead) )?"
            r"(committee|commission|panel)( (name|of origin))?$"
        ),
    ),
    ("label", re.compile(r"^(ref(erence)?\.?|no\.?|number|#|label|rec(ommendation)? no\.?)$")),
    ("decision", re.compile(r"agreed|decision|accepted|accept/reject")),
    ("response_timetable", re.compile(r"timetable")),
    ("response", re.compile(r"response|action plan")),
    ("cabinet_member", re.compile(r"cabinet member|portfolio holder")),
    ("senior_officer", re.compile(r"senior (responsible )?officer")),
    ("leads", re.compile(r"\blead|responsib|owner")),
    ("update", re.compile(r"update|progress|action taken|comments?$")),
    ("status", re.compile(r"status|\brag\b")),
    ("timescale", re.compile(r"timescale|target|deadline|due|by when|completion date")),
    ("recommendation", re.compile(r"recommendation|undertaking")),
]


def field_for_heading(heading: str) -> str:
    text = " ".join(heading.lower().replace("’", "'").split())
    for name, pattern in _HEADINGS:
        if pattern.search(text):
            return name
    return ""


def recognise_headings(headings: list[str]) -> list[str]:
    """The field each heading means ("" when unknown); a field is taken by its first column
    only, except leads (several lead columns add up)."""
    taken: set[str] = set()
    fields = []
    for heading in headings:
        name = field_for_heading(heading)
        if name in taken and name != "leads":
            name = ""
        taken.add(name)
        fields.append(name)
    return fields


# Headings are short: a longer cell is data, whatever words it holds.
_HEADING_MAX_CHARS = 80
_HEADER_SEARCH_ROWS = 30


def _headings_recognised(row: list[str]) -> int:
    fields = {
        field_for_heading(cell)
        for cell in row
        if cell.strip() and len(cell.strip()) <= _HEADING_MAX_CHARS
    }
    return len(fields - {""})


def find_header_row(rows: list[list[str]]) -> int:
    """The first row with two cells or more: a title above the headings (one cell, or a cell
    merged across the table) and header fields ("Committee:", "People Scrutiny") are passed
    over. A later, wider row among the first few that names more of the fields is taken instead:
    header fields under labels of the paper's own ("Lead Cabinet Member | Cllr X") or a small
    table above (a version table) are not the headings."""
    first = 0
    for index, row in enumerate(rows[:10]):
        filled = [cell for cell in row if cell.strip()]
        # "Label | value" above a wider table is a header field; a table two columns wide
        # may be headed "Date | Action", so there only "Label:" is one.
        field_row = len(filled) == 2 and header_label(filled[0])
        if field_row and len(row) == 2:
            field_row = filled[0].rstrip().endswith(":")
        if len(filled) >= 2 and not field_row:
            first = index
            break
    if not rows:
        return 0
    best, most = first, _headings_recognised(rows[first])
    width = _filled(rows[first])
    # Only a wider row can be the real headings: a data row is never wider than its table's.
    for index, row in enumerate(rows[first + 1 : _HEADER_SEARCH_ROWS], start=first + 1):
        recognised = _headings_recognised(row)
        if recognised >= 2 and recognised > most and _filled(row) > width:
            best, most, width = index, recognised, _filled(row)
    return best


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


# The header fields above a table, which an import can use: the review's title, its
# committee, the meeting's date and the minute (or agenda item) number.
HEADER_FIELDS: dict[str, str] = {
    "title": "Title or topic",
    "committee": "Committee",
    "meeting_date": "Meeting date",
    "minute": "Minute or agenda item",
}
_HEADER_LABELS: list[tuple[str, re.Pattern[str]]] = [
    (
        "meeting_date",
        re.compile(r"^((date of (the )?)?meeting( date)?|date|date agreed( by \w+)?)$"),
    ),
    ("minute", re.compile(r"^(minute|min|agenda item|item)( (no|number|ref|reference))?$")),
    (
        "committee",
        re.compile(r"^((select |scrutiny )?committee|commission|panel)( (name|owner))?$"),
    ),
    ("title", re.compile(r"^(title|topic|subject|review|inquiry|report)( title)?$")),
]
_HEADER_LINE = re.compile(r"^([^:]{1,40}?)\s*:\s*(\S.*)$")


def header_label(text: str) -> str:
    """The header field a label names ("Committee:", "Meeting date", "Minute no."), or "";
    a cell holding "Label: value" names its label's."""
    text = text.strip()
    if match := _HEADER_LINE.match(text):
        text = match[1]
    normal = _normal(text)
    return next((name for name, pattern in _HEADER_LABELS if pattern.match(normal)), "")


def header_fields(lines: list[str]) -> dict[str, str]:
    """The header fields found in lines above a table, each "Label: value" (the first value
    of each field)."""
    found: dict[str, str] = {}
    for line in lines:
        match = _HEADER_LINE.match(" ".join(line.split()))
        if match and (name := header_label(match[1])) and name not in found:
            value = match[2].strip()
            # "14 March 2024: Item 5", as our own exports print a meeting: its date.
            day = value.split(":")[0].strip()
            found[name] = day if name == "meeting_date" and parse_date(day) else value
    return found


def row_lines(rows: list[list[str]]) -> list[str]:
    """Rows above a table's headings as lines: "Committee | People Scrutiny" is
    "Committee: People Scrutiny"."""
    lines = []
    for row in rows:
        filled = [" ".join(cell.split()) for cell in row if cell.strip()]
        if len(filled) == 2 and not _HEADER_LINE.match(filled[0]):
            lines.append(f"{filled[0].rstrip(':')}: {filled[1]}")
        elif filled:
            lines.append(" ".join(filled))
    return lines


def _normal(word: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", word.lower()).split())


DECISION_WORDS: dict[str, str] = {
    "agreed": Response.Decision.AGREED,
    "agree": Response.Decision.AGREED,
    "yes": Response.Decision.AGREED,
    "y": Response.Decision.AGREED,
    "accepted": Response.Decision.AGREED,
    "accept": Response.Decision.AGREED,
    "supported": Response.Decision.AGREED,
    "partly agreed": Response.Decision.PARTLY_AGREED,
    "partly": Response.Decision.PARTLY_AGREED,
    "partially agreed": Response.Decision.PARTLY_AGREED,
    "partially accepted": Response.Decision.PARTLY_AGREED,
    "accepted in part": Response.Decision.PARTLY_AGREED,
    "agreed in part": Response.Decision.PARTLY_AGREED,
    "agreed in principle": Response.Decision.PARTLY_AGREED,
    "accepted in principle": Response.Decision.PARTLY_AGREED,
    "not agreed": Response.Decision.NOT_AGREED,
    "no": Response.Decision.NOT_AGREED,
    "n": Response.Decision.NOT_AGREED,
    "rejected": Response.Decision.NOT_AGREED,
    "not accepted": Response.Decision.NOT_AGREED,
    "declined": Response.Decision.NOT_AGREED,
    "noted": Response.Decision.NOTED,
    "noted for further action": Response.Decision.NOTED,
    "awaiting response": Response.Decision.AWAITING,
    "awaiting": Response.Decision.AWAITING,
    "not stated": Response.Decision.NOT_STATED,
    "": Response.Decision.NOT_STATED,
}
STATUS_WORDS: dict[str, str] = {
    "completed": ProgressUpdate.Status.IMPLEMENTED,
    "complete": ProgressUpdate.Status.IMPLEMENTED,
    "implemented": ProgressUpdate.Status.IMPLEMENTED,
    "done": ProgressUpdate.Status.IMPLEMENTED,
    "achieved": ProgressUpdate.Status.IMPLEMENTED,
    "closed": ProgressUpdate.Status.IMPLEMENTED,
    "in progress": ProgressUpdate.Status.IN_PROGRESS,
    "ongoing": ProgressUpdate.Status.IN_PROGRESS,
    "on track": ProgressUpdate.Status.IN_PROGRESS,
    "underway": ProgressUpdate.Status.IN_PROGRESS,
    "started": ProgressUpdate.Status.IN_PROGRESS,
    "not started": ProgressUpdate.Status.NOT_STARTED,
    "not implemented": ProgressUpdate.Status.NOT_IMPLEMENTED,
    "superseded": ProgressUpdate.Status.SUPERSEDED,
    "status not stated": ProgressUpdate.Status.NOT_STATED,
    "not stated": ProgressUpdate.Status.NOT_STATED,
    "": ProgressUpdate.Status.NOT_STATED,
}
RAG_WORDS: dict[str, str] = {
    "red": RagRating.RED,
    "r": RagRating.RED,
    "amber": RagRating.AMBER,
    "a": RagRating.AMBER,
    "green": RagRating.GREEN,
    "g": RagRating.GREEN,
}


def decision_for(word: str) -> str | None:
    return DECISION_WORDS.get(_normal(word))


def status_for(word: str) -> tuple[str, str] | None:
    """(status, RAG rating) a status cell means: a RAG colour leaves the status unstated."""
    normal = _normal(word)
    if normal in STATUS_WORDS:
        return STATUS_WORDS[normal], ""
    if normal in RAG_WORDS:
        return ProgressUpdate.Status.NOT_STATED, RAG_WORDS[normal]
    return None


# A label at the start of a recommendation's text, as the papers write it.
_LABELS = [
    re.compile(r"^recommendation\s+([A-Za-z]?\d+[A-Za-z]?)\b[.:)]?(?:\s+|$)", re.IGNORECASE),
    re.compile(r"^(R\d+[a-z]?)\b[.:)]?(?:\s+|$)"),
    re.compile(r"^(\d+[a-z]?)[.:)](?:\s+|$)"),
    re.compile(r"^(\d+[a-z]?)$"),
]


def split_label(text: str) -> tuple[str, str]:
    """(label, the text without it): "Recommendation 1", "R1", "1:", "2a." or none."""
    for pattern in _LABELS:
        if match := pattern.match(text):
            return match[1], text[match.end() :].lstrip()
    return "", text


# The references councils' trackers give their rows, each naming the review and the
# recommendation's number, tried in order when the authority sets no pattern of its own
# (``Authority.reference_pattern``). The label first, then its review: "Rec 4 (Housing
# 2023)", "Recommendation 2a - Housing 2023".
_LABEL_THEN_REVIEW = [
    re.compile(
        r"^(?:rec(?:ommendation)?|r)\.?\s*(?:no\.?\s*)?0*(?P<label>\d+[a-z]?)\s*"
        r"\((?P<review>[^()]+)\)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:rec(?:ommendation)?|r)\.?\s*(?:no\.?\s*)?0*(?P<label>\d+[a-z]?)\s*"
        r"[-–—:,]\s*(?P<review>\S.*)$",
        re.IGNORECASE,
    ),
]
# The review, then the number and any part letter: "SR (25/26) 01", "SR (18/19) 02a",
# "CSC/2024/3", "HOSC 12.3", "2024-15".
_REVIEW_THEN_LABEL = re.compile(r"^(?P<review>.*?)[\s/.:-]*\b0*(?P<label>\d+[a-z]?)$")


def authority_reference_pattern(authority: Authority | None) -> re.Pattern[str] | None:
    """The authority's own pattern for its references, if it set one."""
    return reference_pattern(authority.reference_pattern) if authority is not None else None


def split_reference(value: str, pattern: re.Pattern[str] | None = None) -> tuple[str, str] | None:
    """(the review's part, the label) of a reference: "SR (25/26) 01" is ("SR (25/26)", "1"),
    "Rec 4 (Housing 2023)" ("Housing 2023", "4"); a plain label ("3", "R2", "2a") has no
    review's part. ``pattern``, the authority's, names the parts (?P<review>…) and
    (?P<label>…); a reference it does not match is None. Without one, a reference of no
    known form is all review's part."""
    value = " ".join(value.split())
    if not value:
        return "", ""
    if pattern is not None:
        match = pattern.fullmatch(value) if len(value) <= REFERENCE_MAX else None
        if match is None:
            return None
        label = clean_label(match["label"] or "")
        return " ".join((match["review"] or "").split()), re.sub(r"^0+(?=\d)", "", label)
    label, rest = split_label(value)
    if label and not rest:
        return "", label
    for candidate in (*_LABEL_THEN_REVIEW, _REVIEW_THEN_LABEL):
        if match := candidate.match(value):
            label = match["label"]
            if candidate is not _REVIEW_THEN_LABEL and re.match(r"r\d", value, re.IGNORECASE):
                label = f"R{label}"  # "R2 (Fourth Report)": labelled R2, as the paper has it
            return match["review"].strip(" -–—:,"), label
    return value, ""


def clean_label(value: str) -> str:
    value = value.strip()
    label, rest = split_label(value)
    return label if label and not rest else value.rstrip(".:)")


_PART = re.compile(r"^(\d+)([a-z])$")


def parent_label(label: str) -> str:
    """ "2" for the lettered part "2a"; "" for anything else."""
    match = _PART.match(label)
    return match[1] if match else ""


_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        dt.date(2000, number, 1).strftime("%B").lower(),
        dt.date(2000, number, 1).strftime("%b").lower(),
    )
}
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s?(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_date(text: str) -> tuple[dt.date, str] | None:
    """A date as the papers give it, with its precision: "14 March 2022", "14/03/2022",
    "2022-03-14" (a day), "March 2022" (a month), "2022" (a year). None if not a date."""
    value = " ".join(text.split())
    try:
        if match := _ISO.match(value):
            return dt.date(int(match[1]), int(match[2]), int(match[3])), DatePrecision.DAY
        if match := _NUMERIC.match(value):
            return dt.date(int(match[3]), int(match[2]), int(match[1])), DatePrecision.DAY
        if (match := _DAY_MONTH_YEAR.match(value)) and match[2].lower() in _MONTHS:
            month = _MONTHS[match[2].lower()]
            return dt.date(int(match[3]), month, int(match[1])), DatePrecision.DAY
        if (match := _MONTH_YEAR.match(value)) and match[1].lower() in _MONTHS:
            return dt.date(int(match[2]), _MONTHS[match[1].lower()], 1), DatePrecision.MONTH
        if match := _YEAR.match(value):
            return dt.date(int(match[1]), 1, 1), DatePrecision.YEAR
    except ValueError:
        return None
    return None


ROLE_OF_FIELD = {
    "leads": Lead.Role.LEAD_OFFICER,
    "cabinet_member": Lead.Role.CABINET_MEMBER,
    "senior_officer": Lead.Role.SENIOR_RESPONSIBLE_OFFICER,
}


def split_leads(markdown: str) -> list[tuple[str, str]]:
    """(name, job title) of each lead named in a cell: one per paragraph or line, or
    separated by "/" or ";" ("Cllr X / Officer Y"); "Name, job title" or "Name – job title"."""
    people = []
    for line in re.split(r"\n+|\s+/\s+|;", markdown):
        line = line.strip().removeprefix("- ").strip()
        if not line:
            continue
        parts = re.split(r",\s+|\s+[–-]\s+", line, maxsplit=1)
        name, title = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
        people.append((name, title))
    return people
