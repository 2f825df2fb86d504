"""Issue 15: a tracker's reference names the review and the recommendation's number, in each
authority's own way. The common forms are recognised; an authority whose references take
another form sets a pattern (a regular expression naming ``review`` and ``label``), checked
when it is saved and used by the import page and the command."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from recommendations import services
from recommendations.importing import readers, recognise
from recommendations.importing.preview import build_preview
from recommendations.models import Authority, Review
from recommendations.rules import reference_pattern
from tests.factories import make_committee
from tests.recommendations.importing.tables import as_csv, as_xlsx


@pytest.mark.parametrize(
    ("reference", "parts"),
    [
        ("SR (25/26) 01", ("SR (25/26)", "1")),
        ("SR (18/19) 02a", ("SR (18/19)", "2a")),
        ("CSC/2024/3", ("CSC/2024", "3")),
        ("HOSC 12.3", ("HOSC 12", "3")),
        ("Rec 4 (Housing 2023)", ("Housing 2023", "4")),
        ("Recommendation 2a - Housing 2023", ("Housing 2023", "2a")),
        ("rec. no. 07 (Libraries review)", ("Libraries review", "7")),
        ("R12: Fourth Report", ("Fourth Report", "R12")),
        ("2024-15", ("2024", "15")),
        ("3", ("", "3")),
        ("R2", ("", "R2")),
        ("Housing", ("Housing", "")),
    ],
)
def test_the_common_forms_of_reference_are_read_without_a_pattern(reference, parts):
    assert recognise.split_reference(reference) == parts


def test_an_authoritys_pattern_reads_its_own_form_and_refuses_others():
    pattern = reference_pattern(r"(?P<review>[A-Z]+ \d{4})-(?P<label>\d+[a-z]?)")
    assert recognise.split_reference("HSC 2024-07", pattern) == ("HSC 2024", "7")
    assert recognise.split_reference("hsc 2024-2b", pattern) == ("hsc 2024", "2b")
    assert recognise.split_reference("SR (25/26) 01", pattern) is None
    assert recognise.split_reference("", pattern) == ("", "")
    assert recognise.split_reference("HSC 2024-1" + "1" * 200, pattern) is None  # too long


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(?P<review>.+", "not a regular expression"),
        (r"(?P<label>\d+)", "(?P<review>…) is missing"),
        (r"(?P<review>\w+)", "(?P<label>…) is missing"),
        (r"(?P<review>(a+)+)(?P<label>\d)", "take for ever"),
        (r"(?P<review>(a|ab)*)(?P<label>\d)", "take for ever"),
        (r"(?P<review>x)(?P<label>\1)", "refer back"),
        ("(?P<review>x)(?P<label>y)" + "z" * 200, "200 characters"),
    ],
)
def test_a_bad_pattern_is_refused_by_the_service_with_a_clear_message(db, pattern, message):
    authority = Authority.objects.create(name="Somewhere", slug="somewhere")
    authority.reference_pattern = pattern
    with pytest.raises(ValidationError) as raised:
        services.authority_update(authority=authority, expected_version=1, user=None)
    assert message in " ".join(raised.value.message_dict["reference_pattern"])


def test_the_settings_page_sets_the_pattern_and_shows_a_bad_ones_error(officer_client):
    authority = make_committee().authority
    url = f"/authorities/{authority.slug}/settings/"
    data = {
        "name": authority.name, "response_due_amount": "2", "response_due_unit": "months",
        "version": "1", "tracker_reference": "SR ({year}) {number:02}",
        "municipal_year_starts": "5", "report_year_starts": "4",
    }  # fmt: skip
    response = officer_client.post(url, {**data, "reference_pattern": "(?P<review>[A-Z"})
    assert response.status_code == 200
    assert "not a regular expression" in response.content.decode()
    pattern = r"(?P<review>[A-Z]+ \d{4})-(?P<label>\d+)"
    response = officer_client.post(url, {**data, "reference_pattern": pattern})
    assert response.status_code == 302
    authority.refresh_from_db()
    assert authority.reference_pattern == pattern
    # Blank again: back to the common forms.
    response = officer_client.post(url, {**data, "version": "2", "reference_pattern": ""})
    assert response.status_code == 302
    authority.refresh_from_db()
    assert authority.reference_pattern == ""


TRACKER = [
    ["Reference", "Recommendation", "Progress"],
    ["HSC 2024-01", "Publish the data.", "Published."],
    ["HSC 2024-02", "Train governors.", "Booked."],
    ["ASC 2025-01", "Mend the roads.", "Begun."],
]


def test_the_import_page_reads_references_by_the_authoritys_pattern(officer_client):
    committee = make_committee()
    authority = committee.authority
    authority.reference_pattern = r"(?P<review>[A-Z]+ \d{4})-(?P<label>\d+)"
    services.authority_update(authority=authority, expected_version=1, user=None)
    # "HSC 2024-01" by the common forms would be review "HSC 2024", label "1" too; a form
    # only the pattern knows shows the difference: "HSC 2024-01" and "HSC-2024/01".
    rows = [*TRACKER, ["HSC-2024/03", "Count them.", "Counted."]]
    response = officer_client.post(
        "/reviews/import/",
        {
            "into": "new",
            "committee": committee.pk,
            "file": SimpleUploadedFile("t.csv", as_csv(rows)),
        },
    )
    page = officer_client.get(response["Location"])
    preview = page.context["preview"]
    assert [(name, [row.label for row in group]) for name, group in preview.groups] == [
        ("HSC 2024", ["1", "2"]),
        ("ASC 2025", ["1"]),
        ("", [""]),
    ]
    assert "does not match the authority&#x27;s reference pattern" in page.content.decode()
    assert preview.errors == 1

    response = officer_client.post(response["Location"], {"table": "1"})
    assert not Review.objects.filter(title="HSC 2024").exists()  # nothing saved


def test_the_command_reads_references_by_the_authoritys_pattern(db, tmp_path):
    committee = make_committee()
    authority = committee.authority
    authority.reference_pattern = r"(?P<label>\d+)/(?P<review>.+)"
    services.authority_update(authority=authority, expected_version=1, user=None)
    rows = [
        ["Reference", "Recommendation", "Progress"],
        ["01/Housing 2023", "Build homes.", "Begun."],
        ["02/Housing 2023", "Let them.", "Not yet."],
    ]
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(as_xlsx(rows))
    call_command(
        "import_appendix", str(path), "--review", "tracker", "--new", "--title", "Tracker",
        "--committee", committee.slug,
    )  # fmt: skip
    review = Review.objects.get(title="Housing 2023", committee=committee)
    assert list(review.recommendations.order_by("order").values_list("label", "text")) == [
        ("1", "Build homes."),
        ("2", "Let them."),
    ]
    # Without the pattern, "01/Housing 2023" would have been one review per row.
    path.write_bytes(as_xlsx([rows[0], ["Housing 2023 No. 3", "Sell them.", "No."]]))
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_appendix", str(path), "--review", "tracker2", "--new", "--title", "T",
            "--committee", committee.slug,
        )  # fmt: skip


def test_a_reference_read_without_a_pattern_by_the_preview():
    _, tables = readers.read_tables(as_csv(TRACKER), "t.csv")
    preview = build_preview(tables[0])
    assert [(name, [row.label for row in group]) for name, group in preview.groups] == [
        ("HSC 2024", ["1", "2"]),
        ("ASC 2025", ["1"]),
    ]
