"""The text search's stored documents (recommendations.search) follow every write, by every
route: a word saved anywhere the search looks is found at once, a word removed is not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from recommendations import search, services
from recommendations.models import (
    Lead,
    Person,
    ProgressUpdate,
    Recommendation,
    RecommendationSearch,
    Review,
    UpdateReport,
)
from tests.factories import make_review
from tests.recommendations.importing.tables import as_csv

pytestmark = pytest.mark.django_db


def found(words: str) -> set[str]:
    """The labels of the recommendations a search for ``words`` finds (every database)."""
    return set(search.search(Recommendation.objects.all(), words).values_list("label", flat=True))


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=2, leads_each=1)


def test_every_part_of_a_recommendation_is_searched(review):
    rec = review.recommendations.get(label="1")
    document = RecommendationSearch.objects.get(recommendation=rec).document
    for text in ["Recommendation text 1", "Agreed.", "Officer 0", review.title, "Update 0 on 1"]:
        assert text in document
    assert found("officer") == {"1", "2"}


def test_editing_a_recommendation_finds_its_new_text(review, officer_client):
    rec = review.recommendations.get(label="1")
    rec.text = "Commission a zebrafish survey."
    services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
    assert found("zebrafish") == {"1"}
    assert found('"Recommendation text 1"') == set()


def test_a_new_recommendation_through_its_form_is_found(review, officer_client):
    response = officer_client.post(
        "/reviews/r/add-recommendation/", {"label": "3", "text": "Audit the quokka enclosure."}
    )
    assert response.status_code == 302
    assert found("quokka") == {"3"}


def test_a_response_is_searched(review):
    rec = review.recommendations.get(label="2")
    stored = rec.response
    stored.text = "Agreed: the armadillo plan will be published."
    services.response_save(response=stored, expected_version=stored.version, user=None)
    assert found("armadillo") == {"2"}


def test_leads_are_searched_by_name_and_follow_renames_and_removal(review):
    rec = review.recommendations.get(label="2")
    person = Person.objects.create(name="Wilhelmina Okonkwo")
    services.lead_add(recommendation=rec, person=person, role=Lead.Role.LEAD_OFFICER, user=None)
    assert found("wilhelmina") == {"2"}
    person.name = "Wilhelmina Achterberg"
    services.person_update(person=person, expected_version=person.version, user=None)
    assert found("achterberg") == {"2"} and found("okonkwo") == set()
    services.lead_remove(lead=Lead.objects.get(person=person), user=None)
    assert found("achterberg") == set()


def test_merging_people_moves_their_recommendations_to_the_name_kept(review):
    rec = review.recommendations.get(label="1")
    keep = Person.objects.create(name="Philippa Kept")
    duplicate = Person.objects.create(name="Pippa Duplicated")
    Lead.objects.create(recommendation=rec, person=duplicate)
    assert found("duplicated") == {"1"}
    services.merge_people(
        keep=keep, duplicate=duplicate, expected_keep_version=1, expected_duplicate_version=1,
        user=None,
    )  # fmt: skip
    assert found("duplicated") == set() and found("philippa") == {"1"}


def test_updates_are_found_when_added_edited_and_not_once_deleted(review):
    rec = review.recommendations.get(label="1")
    update = services.progress_update_create(
        update=ProgressUpdate(recommendation=rec, as_at=dt.date(2024, 1, 1), text="Capybara."),
        user=None,
    )
    assert found("capybara") == {"1"}
    update.text = "Wombat."
    services.progress_update_edit(update=update, expected_version=update.version, user=None)
    assert found("wombat") == {"1"} and found("capybara") == set()
    services.progress_update_delete(update=update, user=None)
    assert found("wombat") == set()


def test_a_round_entered_on_one_page_is_found(review, officer):
    report = services.update_report_create(
        report=UpdateReport(review=review, title="Round", as_at=dt.date(2024, 6, 1)), user=officer
    )
    entries = [
        services.RoundEntry(
            ProgressUpdate(
                recommendation=rec, report=report, as_at=report.as_at, text=f"Narwhal {rec.label}."
            )
        )
        for rec in review.recommendations.all()
    ]
    services.update_report_save_updates(report=report, entries=entries, user=officer)
    assert found("narwhal") == {"1", "2"}


def test_a_review_renamed_renames_its_recommendations_documents(review):
    review.title = "Pangolin conservation"
    services.review_update(review=review, expected_version=review.version, user=None)
    assert found("pangolin") == {"1", "2"}


def test_deleting_a_review_or_a_recommendation_leaves_no_document(review):
    rec = review.recommendations.get(label="1")
    rec.delete()  # with its response, leads and updates
    assert not RecommendationSearch.objects.filter(recommendation_id=rec.pk).exists()
    services.review_delete(review=Review.objects.get(pk=review.pk), user=None)
    assert not RecommendationSearch.objects.exists()


def test_the_bulk_route_of_generated_data_is_searched(db):
    call_command("generate_demo_data", "--reviews", "2", "--seed", "3")
    recommendations = Recommendation.objects.filter(review__slug__startswith="generated-")
    assert recommendations.exists()
    assert RecommendationSearch.objects.filter(recommendation__in=recommendations).count() == (
        recommendations.count()
    )
    rec = recommendations.filter(updates__isnull=False, leads__isnull=False).first()
    document = rec.search.document
    assert rec.text in document and rec.response.text in document
    assert rec.leads.first().person.name in document and rec.updates.first().text in document


def test_the_demo_data_is_searched(demo_data):
    assert "R1" in {label for label in found("vacancy")}
    assert RecommendationSearch.objects.count() == Recommendation.objects.count()


def test_filling_the_documents_as_the_migration_does(review):
    RecommendationSearch.objects.all().delete()
    assert found("officer") == set()
    search.refresh_all()
    assert found("officer") == {"1", "2"}


def test_a_rolled_back_write_leaves_the_document_as_it_was(review):
    rec = review.recommendations.get(label="1")
    with pytest.raises(RuntimeError), transaction.atomic():
        rec.text = "Okapi."
        services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
        raise RuntimeError
    assert found("okapi") == set() and found('"Recommendation text 1"') == {"1"}


def _import(client, rows, **fields) -> None:
    content = as_csv(rows)
    response = client.post(
        "/reviews/import/", {**fields, "file": SimpleUploadedFile("table.csv", content)}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert client.post(response["Location"], {"table": "1"}).status_code == 302


def test_an_imported_table_is_found_new_review_and_new_round(review, officer_client):
    headings = ["Ref", "Recommendation", "Response", "Lead Officer", "Action taken"]
    _import(
        officer_client,
        [headings, ["1", "Map the ocelots.", "Agreed.", "Tamsin Quill", "Ocelots counted."]],
        into="new", committee=review.committee.pk, title="Imported",
    )  # fmt: skip
    assert found("ocelots") == {"1"} and found("quill") == {"1"}
    _import(
        officer_client,
        [headings, ["1", "Recommendation text 1", "", "", "The gecko census began."]],
        into="existing", review=review.pk, report_title="Imported round",
    )  # fmt: skip
    assert found("gecko") == {"1"}
    assert Recommendation.objects.get(search__document__contains="gecko").review == review


def public_found(words: str) -> set[str]:
    recommendations = search.search(Recommendation.objects.all(), words, public=True)
    return set(recommendations.values_list("label", flat=True))


def test_the_public_search_reads_final_reports_updates_only_and_follows_finalising(review, officer):
    """A draft round's text, or an update in no report, is never found by a search of the
    public documents; finalising the round makes it public, reopening it takes it back."""
    rec = review.recommendations.get(label="1")
    draft = services.update_report_create(
        report=UpdateReport(review=review, title="Next round", as_at=dt.date(2024, 1, 1)),
        user=officer,
    )
    services.progress_update_create(
        update=ProgressUpdate(
            recommendation=rec, report=draft, as_at=dt.date(2024, 1, 1), text="Draft narwhal."
        ),
        user=officer,
    )
    services.progress_update_create(
        update=ProgressUpdate(
            recommendation=rec, as_at=dt.date(2024, 2, 1), text="Working axolotl entry."
        ),
        user=officer,
    )
    review.update_reports.exclude(pk=draft.pk).update(is_final=True)
    search.refresh_all()
    assert found("narwhal") == found("axolotl") == {"1"}  # signed in: everything
    assert public_found("narwhal") == public_found("axolotl") == set()
    assert public_found('"Update 0 on 1"') == {"1"}  # a final report's update
    assert public_found("Agreed") == {"1", "2"}  # responses are public

    draft.refresh_from_db()
    services.update_report_finalise(
        report=draft, expected_version=draft.version, gaps_reason="Only one", user=officer
    )
    assert public_found("narwhal") == {"1"}
    draft.refresh_from_db()
    services.update_report_reopen(
        report=draft, expected_version=draft.version, reason="A mistake", user=officer
    )
    assert public_found("narwhal") == set()
    assert public_found("axolotl") == set()
