"""The committee pack as a Word document: the PDF's cover, contents, status summary, each
review's appendix and the glossary, for clerks who assemble committee reports in Word."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from recommendations.markdown import render_markdown
from reports.exporters import word
from reports.exporters.appendix import write_appendix_table
from reports.rows import MeetingPack

NOT_RECORDED = "Not recorded"


def pack_docx(pack: MeetingPack) -> bytes:
    meeting = pack.meeting
    cover = pack.cover
    author = cover.author.name if cover and cover.author_id else meeting.committee.name
    document = word.WordDocument(title=pack.title, author=author)

    document.paragraph(meeting.committee.authority.name)
    document.heading(pack.title, level=1)
    if cover:
        reviews = cover.review.title
    else:
        reviews = "; ".join(item.review.title for item in pack.appendices) or "None listed"
    facts = [
        ("Review", reviews),
        ("Committee", meeting.committee.name),
        ("Meeting date", f"{meeting.date.day} {meeting.date:%B %Y}"),
        ("Agenda item", meeting.agenda_item),
    ]
    if cover and cover.as_at:
        facts.append(("Progress as at", cover.as_at_display))
    facts += [
        ("Report author", str(cover.author) if cover and cover.author else NOT_RECORDED),
        (
            "Authorised by",
            str(cover.authorised_by) if cover and cover.authorised_by else NOT_RECORDED,
        ),
    ]
    document.table(["Fact", "Value"], facts, widths=(20, 80), html=False, header=False)
    if cover and cover.summary:
        document.heading("Summary", level=2)
        document.html(render_markdown(cover.summary))

    document.heading("Contents", level=2)
    entries = ["Status summary"]
    entries += [
        f"Appendix {number}: {item.title}" for number, item in enumerate(pack.appendices, 1)
    ]
    if pack.glossary:
        entries.append("Glossary")
    items = format_html_join("", "<li>{}</li>", ((entry,) for entry in entries))
    document.html(format_html("<ol>{}</ol>", items))
    if pack.documents:
        document.heading("Supporting documents", level=3)
        document.paragraph(
            "Attached in the tracker to this meeting, to the update reports presented at it "
            "and to the updates this pack shows."
        )
        document.table(
            ["Document", "Type", "Size", "Attached to"],
            [
                [item.title, item.kind, filesizeformat(item.size), item.attached_to]
                for item in pack.documents
            ],
            widths=(40, 10, 10, 40),
            html=False,
        )

    document.page_break()
    document.heading("Status summary", level=2)
    document.paragraph(
        "Each recommendation that carries its own decision is counted once: a recommendation "
        "without parts, or each lettered part of one that has them. Statuses are as the "
        "reports in this pack give them."
    )
    document.paragraph("Responses by decision", bold=True)
    document.table(
        ["Decision", "Recommendations"],
        [[name, str(count)] for name, count in pack.decision_counts]
        or [["No responses recorded.", ""]],
        widths=(70, 30),
        html=False,
    )
    document.paragraph("Latest progress by status", bold=True)
    document.table(
        ["Status", "Recommendations"],
        [[name, str(count)] for name, count in pack.status_counts]
        or [["No updates recorded.", ""]],
        widths=(70, 30),
        html=False,
    )

    for number, item in enumerate(pack.appendices, 1):
        document.page_break()
        document.heading(f"Appendix {number}: {item.title}", level=2)
        write_appendix_table(document, item)

    if pack.glossary:
        document.page_break()
        document.heading("Glossary", level=2)
        document.table(
            ["Term", "Meaning"],
            [[term.term, term.meaning] for term in pack.glossary],
            widths=(25, 75),
            html=False,
        )
    return document.to_bytes()
