"""Issue 12, "Entering a round fast": one page for a whole monitoring round.

Every recommendation that carries its own decision has a row, in the appendix's order, with the
update before it beside the new fields; "Save all" saves every filled row through the services
in one transaction, all or nothing; "Save this row" saves one. Also: the recommendation page's
"Add progress update" defaults to the open draft round, RAG where the review uses it, target-date
reasons by every route, and edit conflicts that list every field the other person changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recommendations import selectors, services
from recommendations.models import ProgressUpdate, Recommendation, Response, UpdateReport
from recommendations.roles import SCRUTINY_OFFICERS
from tests.conftest import _user
from tests.factories import make_review

pytestmark = pytest.mark.django_db

TARGET = dt.date(2024, 7, 31)


def _make_round(slug: str = "r", recommendations: int = 3, *, uses_rag: bool = False):
    """A review whose first report (final) gave each recommendation an update with a target
    date, and a second report, the draft round being entered."""
    review = make_review(slug=slug, recommendations=recommendations, updates_each=1)
    if uses_rag:
        review.uses_rag = True
        review.save()
    first = UpdateReport.objects.get(review=review)
    for update in ProgressUpdate.objects.filter(report=first):
        update.target_date = TARGET
        update.status = ProgressUpdate.Status.IN_PROGRESS
        update.rag = "amber" if uses_rag else ""
        update.save()
    first.is_final = True
    first.save()
    draft = UpdateReport.objects.create(
        review=review, title="Twelve month update", as_at=dt.date(2024, 1, 31),
        as_at_precision="month",
    )  # fmt: skip
    return review, draft


@pytest.fixture
def round_():
    return _make_round()


def _url(report: UpdateReport) -> str:
    return f"/reviews/{report.review.slug}/update-reports/{report.pk}/enter/"


def _rec(review, label: str) -> Recommendation:
    return Recommendation.objects.get(review=review, label=label)


def _page_data(client, url) -> dict[str, str]:
    """What the browser posts back untouched: every row's initial values."""
    response = client.get(url)
    data = {}
    for form in [response.context["top"], *response.context["rows"]]:
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


def _row(review, label: str) -> str:
    return f"rec-{_rec(review, label).pk}"


# The page ------------------------------------------------------------------------------------


def test_the_page_lists_every_recommendation_with_its_previous_update(officer_client, round_):
    review, draft = round_
    response = officer_client.get(_url(draft))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [form.row.recommendation.label for form in rows] == ["1", "2", "3"]
    body = response.content.decode()
    assert "<strong>0 of 3</strong> have an update in this round; missing:" in body
    for label in ["1", "2", "3"]:
        rec = _rec(review, label)
        assert f'<a href="#row-{rec.pk}">{label}</a>' in body
        assert f"Update 0 on {label}" in body  # the previous update's text, read-only
    assert "31 July 2024" in body  # the previous target date
    # Pre-filled with the report's "as at" and precision, once at the top.
    assert 'name="round-as_at" value="2024-01-31"' in body
    assert '<option value="month" selected>' in body
    # Status and target date carried forward from the previous update.
    first = rows[0]
    assert first["status"].value() == "in_progress"
    assert first["target_date"].value() == TARGET
    assert first["timescale"].value() == "Ongoing"  # the papers' own words, carried too
    assert "Timescale: Ongoing" in body


def test_only_recommendations_that_carry_their_own_decision_get_a_row(officer_client, round_):
    review, draft = round_
    parent = _rec(review, "2")
    for letter in "ab":
        part = Recommendation.objects.create(
            review=review, parent=parent, label=f"2{letter}", order=ord(letter), text="Part."
        )
        Response.objects.create(recommendation=part, decision=Response.Decision.AGREED)
    labels = [r.recommendation.label for r in selectors.round_rows(draft)]
    assert labels == ["1", "2a", "2b", "3"]
    assert officer_client.get(_url(draft)).status_code == 200


@pytest.mark.parametrize("who", ["member", "clerk", "outsider"])
def test_only_officers_may_enter_a_round(client, round_, who, request):
    client.force_login(request.getfixturevalue(who))
    _, draft = round_
    assert client.get(_url(draft)).status_code == 403
    assert client.post(_url(draft), {}).status_code == 403
    assert not ProgressUpdate.objects.filter(report=draft).exists()


def test_a_final_report_refuses_with_a_clear_message(officer_client, round_):
    _, draft = round_
    draft.is_final = True
    draft.save()
    for response in [officer_client.get(_url(draft)), officer_client.post(_url(draft), {})]:
        assert response.status_code == 403
        assert "This update report is final" in response.content.decode()


def test_the_report_and_review_pages_link_to_it_while_it_is_a_draft(officer_client, round_):
    review, draft = round_
    link = f'href="{_url(draft)}"'
    assert link in officer_client.get(f"/reviews/r/update-reports/{draft.pk}/").content.decode()
    assert link in officer_client.get("/reviews/r/").content.decode()
    draft.is_final = True
    draft.save()
    assert link not in officer_client.get(f"/reviews/r/update-reports/{draft.pk}/").content.decode()
    assert link not in officer_client.get("/reviews/r/").content.decode()


def test_members_see_no_link(member_client, round_):
    _, draft = round_
    assert _url(draft) not in member_client.get("/reviews/r/").content.decode()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_uses_a_constant_number_of_queries(officer_client):
    _, one = _make_round("one", recommendations=1)
    _, many = _make_round("many", recommendations=25)
    # session, user; the user's own and group permissions; the report with its review and
    # meeting; the review's recommendations; all their updates with their reports; then the
    # session's refreshed expiry (savepoint, update, release).
    assert _count_queries(officer_client, _url(one)) == _count_queries(officer_client, _url(many))
    assert _count_queries(officer_client, _url(many)) == 10


# Save all --------------------------------------------------------------------------------------


def test_save_all_saves_every_filled_row_and_skips_empty_ones(officer_client, officer, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    data[f"{_row(review, '1')}-text"] = "Charter signed by 40 schools."
    data[f"{_row(review, '3')}-text"] = "Training delivered."
    data[f"{_row(review, '3')}-status"] = "implemented"
    response = officer_client.post(_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == _url(draft)
    saved = {u.recommendation.label: u for u in ProgressUpdate.objects.filter(report=draft)}
    assert set(saved) == {"1", "3"}
    assert saved["1"].as_at == dt.date(2024, 1, 31) and saved["1"].as_at_precision == "month"
    assert saved["1"].status == "in_progress" and saved["1"].target_date == TARGET
    assert saved["3"].status == "implemented"
    assert saved["1"].created_by == officer
    assert saved["1"].history.get().history_user == officer
    body = officer_client.get(_url(draft)).content.decode()
    assert "<strong>2 of 3</strong> have an update in this round; missing:" in body
    assert "2 updates saved (1, 3)." in body


def test_one_bad_row_saves_nothing_and_keeps_everything_typed(officer_client, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    data[f"{_row(review, '1')}-text"] = "Fine row."
    data[f"{_row(review, '2')}-text"] = "Target moves, no reason given."
    data[f"{_row(review, '2')}-target_date"] = "2025-03-31"
    data[f"{_row(review, '3')}-text"] = "Also fine."
    response = officer_client.post(_url(draft), data)
    assert response.status_code == 200
    assert not ProgressUpdate.objects.filter(report=draft).exists()
    rows = {form.row.recommendation.label: form for form in response.context["rows"]}
    assert "Say why it has changed." in rows["2"].errors["target_date_change_reason"][0]
    assert not rows["1"].errors and not rows["3"].errors
    body = response.content.decode()
    assert "Fine row." in body and "Also fine." in body and "2025-03-31" in body
    assert f'href="#{rows["2"]["target_date_change_reason"].auto_id}"' in body  # the summary


def test_a_row_the_services_refuse_undoes_the_rows_before_it(officer, round_):
    """The form checks early; the service is the authority and is all or nothing."""
    review, draft = round_
    good = ProgressUpdate(
        recommendation=_rec(review, "1"), as_at=dt.date(2024, 1, 31), text="Fine.",
        target_date=TARGET,
    )  # fmt: skip
    bad = ProgressUpdate(
        recommendation=_rec(review, "2"), as_at=dt.date(2024, 1, 31), text="Moved.",
        target_date=dt.date(2025, 1, 1),
    )  # fmt: skip
    entries = [services.RoundEntry(good), services.RoundEntry(bad)]
    with pytest.raises(services.RoundRefused) as refused:
        services.update_report_save_updates(report=draft, entries=entries, user=officer)
    assert set(refused.value.errors) == {bad.recommendation_id}
    assert "target_date_change_reason" in refused.value.errors[bad.recommendation_id].error_dict
    assert not ProgressUpdate.objects.filter(report=draft).exists()
    assert good.pk is None  # the instance says it was not saved


def test_the_service_refuses_a_final_report(officer, round_):
    review, draft = round_
    draft.is_final = True
    draft.save()
    update = ProgressUpdate(recommendation=_rec(review, "1"), as_at=dt.date(2024, 1, 1), text="x")
    with pytest.raises(services.RecordLocked):
        services.update_report_save_updates(
            report=draft, entries=[services.RoundEntry(update)], user=officer
        )


def test_a_moved_target_with_a_reason_keeps_the_original_on_record(officer_client, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    row = _row(review, "2")
    data[f"{row}-text"] = "Delayed by the consultation."
    data[f"{row}-target_date"] = "2025-03-31"
    data[f"{row}-target_date_change_reason"] = "Consultation extended by the Cabinet."
    assert officer_client.post(_url(draft), data).status_code == 302
    rec = selectors.recommendation_detail("r", "2")
    history = selectors.target_date_history(rec)
    assert [(c.target, c.is_original) for c in history] == [
        (TARGET, True),
        (dt.date(2025, 3, 31), False),
    ]
    assert history[1].reason == "Consultation extended by the Cabinet."


def test_nothing_typed_saves_nothing(officer_client, round_):
    _, draft = round_
    response = officer_client.post(_url(draft), _page_data(officer_client, _url(draft)))
    assert response.status_code == 200
    assert "Nothing to save" in response.content.decode()
    assert not ProgressUpdate.objects.filter(report=draft).exists()


def test_an_update_already_in_the_round_is_shown_for_editing(officer_client, officer, round_):
    review, draft = round_
    rec = _rec(review, "1")
    existing = services.progress_update_create(
        update=ProgressUpdate(
            recommendation=rec, report=draft, as_at=dt.date(2024, 1, 15), text="First draft.",
            target_date=TARGET,
        ),
        user=officer,
    )  # fmt: skip
    data = _page_data(officer_client, _url(draft))
    row = f"rec-{rec.pk}"
    assert data[f"{row}-text"] == "First draft." and data[f"{row}-version"] == "1"
    body = officer_client.get(_url(draft)).content.decode()
    assert "<strong>1 of 3</strong>" in body and "as at 15 January 2024" in body
    data[f"{row}-text"] = "Second draft."
    assert officer_client.post(_url(draft), data).status_code == 302
    existing.refresh_from_db()
    assert existing.text == "Second draft." and existing.version == 2
    assert existing.as_at == dt.date(2024, 1, 15)  # an update keeps its own date
    assert ProgressUpdate.objects.filter(report=draft).count() == 1


# Save this row ---------------------------------------------------------------------------------


def test_save_this_row_saves_only_that_row_and_keeps_the_others_typed(officer_client, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    data[f"{_row(review, '1')}-text"] = "Saved on its own."
    data[f"{_row(review, '2')}-text"] = "Typed, not yet saved."
    data[f"{_row(review, '3')}-target_date"] = "2030-01-01"  # would need a reason: not checked
    data["save_row"] = str(_rec(review, "1").pk)
    response = officer_client.post(_url(draft), data)
    assert response.status_code == 200
    assert [u.text for u in ProgressUpdate.objects.filter(report=draft)] == ["Saved on its own."]
    rows = {form.row.recommendation.label: form for form in response.context["rows"]}
    assert not any(form.errors for form in rows.values())
    assert rows["2"]["text"].value() == "Typed, not yet saved."
    assert rows["1"].instance.pk and rows["1"]["version"].value() == 1  # now an edit
    assert "1 update saved (1)." in response.content.decode()


def test_save_this_row_alone_goes_back_to_the_row(officer_client, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    data[f"{_row(review, '2')}-text"] = "Only this."
    data["save_row"] = str(_rec(review, "2").pk)
    response = officer_client.post(_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == f"{_url(draft)}#row-{_rec(review, '2').pk}"


def test_a_row_posted_twice_is_a_conflict_not_a_second_update(officer_client, round_):
    review, draft = round_
    data = _page_data(officer_client, _url(draft))
    data[f"{_row(review, '1')}-text"] = "Once."
    assert officer_client.post(_url(draft), data).status_code == 302
    response = officer_client.post(_url(draft), data)  # the browser's "resend"
    assert response.status_code == 200
    assert ProgressUpdate.objects.filter(report=draft).count() == 1
    assert "Someone else changed this progress update" in response.content.decode()


# RAG ------------------------------------------------------------------------------------------


def test_rag_is_offered_and_saved_only_where_the_review_uses_it(officer_client):
    review, draft = _make_round("rag", uses_rag=True)
    data = _page_data(officer_client, _url(draft))
    row = _row(review, "1")
    assert data[f"{row}-rag"] == "amber"  # carried forward
    data[f"{row}-text"] = "Slipping."
    data[f"{row}-rag"] = "red"
    assert officer_client.post(_url(draft), data).status_code == 302
    assert ProgressUpdate.objects.get(report=draft).rag == "red"
    body = officer_client.get("/reviews/rag/recommendations/1/updates/new/").content.decode()
    assert 'name="rag"' in body

    _, plain = _make_round("plain")
    assert f"{_row(plain.review, '1')}-rag" not in _page_data(officer_client, _url(plain))
    body = officer_client.get("/reviews/plain/recommendations/1/updates/new/").content.decode()
    assert 'name="rag"' not in body


# Adding from a recommendation's page ----------------------------------------------------------


def test_adding_from_the_recommendation_page_defaults_to_the_open_draft_round(
    officer_client, round_
):
    review, draft = round_
    form = officer_client.get("/reviews/r/recommendations/1/updates/new/").context["form"]
    assert form["report"].value() == draft.pk
    assert [r.pk for r in form.fields["report"].queryset] == [draft.pk]  # still changeable
    # A report named in the link wins; with no draft there is no default.
    other = UpdateReport.objects.create(review=review, title="Special", as_at=dt.date(2024, 2, 1))
    url = f"/reviews/r/recommendations/1/updates/new/?report={draft.pk}"
    assert officer_client.get(url).context["form"]["report"].value() == str(draft.pk)
    newest = officer_client.get("/reviews/r/recommendations/1/updates/new/").context["form"]
    assert newest["report"].value() == other.pk
    UpdateReport.objects.filter(review=review).update(is_final=True)
    form = officer_client.get("/reviews/r/recommendations/1/updates/new/").context["form"]
    assert form["report"].value() is None


# Conflicts ------------------------------------------------------------------------------------


@pytest.fixture
def two_officers(officer):
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(_user("oliver-officer", SCRUTINY_OFFICERS))
    return first, second


def _edit_form(client, url) -> dict[str, str]:
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(getattr(value, "pk", value))
    return data


def test_an_edit_conflict_lists_status_and_dates_and_does_not_revert_them(two_officers, round_):
    """The first officer moves the status, "as at" and target date; the second, who loaded
    the same version, only rewrites the text. The second's save is refused with each changed
    field listed, and their form now holds the first's status and dates, so saving again
    keeps them."""
    review, draft = round_
    update = ProgressUpdate.objects.get(recommendation__review=review, report__is_final=True,
                                        recommendation__label="1")  # fmt: skip
    update.report = draft  # an update that can still be edited
    update.save()
    url = f"/reviews/r/recommendations/1/updates/{update.pk}/edit/"
    first, second = two_officers
    first_data, second_data = _edit_form(first, url), _edit_form(second, url)
    moved = {
        **first_data, "status": "implemented", "as_at": "2023-03-15",
        "target_date": "2024-12-31", "target_date_change_reason": "Funding came late.",
    }  # fmt: skip
    assert first.post(url, moved).status_code == 302

    response = second.post(url, {**second_data, "text": "My rewrite."})
    assert response.status_code == 200
    changes = {c.name: c for c in response.context["form"].conflict_changes}
    # (Its first target date: no reason needed, and none kept.)
    assert set(changes) == {"status", "as_at", "target_date"}
    assert changes["status"].theirs == "Implemented" and changes["status"].yours == "In progress"
    assert changes["target_date"].theirs == "31 December 2024"
    assert all(c.kept_theirs for c in changes.values())
    body = response.content.decode()
    assert "They changed 3 fields since you opened the form" in body
    assert "Implemented" in body and "31 December 2024" in body
    form = response.context["form"]
    assert form["status"].value() == "implemented"
    assert str(form["target_date"].value()) == "2024-12-31"
    assert form["text"].value() == "My rewrite."

    # Saving again, having seen the list, keeps their status and dates with my text.
    retry = {name: "" if form[name].value() is None else str(form[name].value())
             for name in form.fields}  # fmt: skip
    assert second.post(url, retry).status_code == 302
    update.refresh_from_db()
    assert update.text == "My rewrite."
    assert update.status == "implemented"
    assert update.as_at == dt.date(2023, 3, 15)
    assert update.target_date == dt.date(2024, 12, 31)


def test_a_field_both_changed_keeps_mine_but_lists_theirs(two_officers, round_):
    review, draft = round_
    update = ProgressUpdate.objects.get(recommendation__label="1", recommendation__review=review)
    update.report = draft
    update.save()
    url = f"/reviews/r/recommendations/1/updates/{update.pk}/edit/"
    first, second = two_officers
    first_data, second_data = _edit_form(first, url), _edit_form(second, url)
    assert first.post(url, {**first_data, "status": "implemented"}).status_code == 302
    response = second.post(url, {**second_data, "status": "not_started"})
    (change,) = response.context["form"].conflict_changes
    assert (change.theirs, change.yours, change.kept_theirs) == (
        "Implemented", "Not started", False,
    )  # fmt: skip
    assert response.context["form"]["status"].value() == "not_started"
    assert "Yours: check theirs before saving again" in response.content.decode()


def test_a_round_conflict_shows_the_other_officers_changes_row_by_row(two_officers, round_):
    review, draft = round_
    rec = _rec(review, "1")
    services.progress_update_create(
        update=ProgressUpdate(recommendation=rec, report=draft, as_at=dt.date(2024, 1, 31),
                              text="Draft.", target_date=TARGET),
        user=None,
    )  # fmt: skip
    first, second = two_officers
    row = f"rec-{rec.pk}"
    first_data = _page_data(first, _url(draft))
    second_data = _page_data(second, _url(draft))
    first_data[f"{row}-status"] = "implemented"
    first_data[f"{row}-target_date"] = "2024-03-31"
    first_data[f"{row}-target_date_change_reason"] = "Brought forward."
    assert first.post(_url(draft), first_data).status_code == 302

    second_data[f"{row}-text"] = "My wording."
    second_data[f"{_row(review, '2')}-text"] = "Row two, fine."
    response = second.post(_url(draft), second_data)
    assert response.status_code == 200
    assert ProgressUpdate.objects.filter(report=draft).count() == 1  # all or nothing
    form = next(f for f in response.context["rows"] if f.row.recommendation.pk == rec.pk)
    changes = {c.name: c for c in form.conflict_changes}
    assert set(changes) == {"status", "target_date", "target_date_change_reason"}
    assert form["status"].value() == "implemented"
    assert str(form["target_date"].value()) == "2024-03-31"
    assert form["text"].value() == "My wording."
    assert form["version"].value() == "2"
    body = response.content.decode()
    assert "Row two, fine." in body and "Brought forward." in body

    retry = {}
    for each in [response.context["top"], *response.context["rows"]]:
        for name in each.fields:
            value = each[name].value()
            retry[each.add_prefix(name)] = "" if value is None else str(value)
    assert second.post(_url(draft), retry).status_code == 302
    saved = ProgressUpdate.objects.get(report=draft, recommendation=rec)
    assert (saved.text, saved.status, saved.target_date) == (
        "My wording.", "implemented", dt.date(2024, 3, 31),
    )  # fmt: skip
    assert ProgressUpdate.objects.get(report=draft, recommendation__label="2").text == (
        "Row two, fine."
    )


def test_two_officers_entering_the_same_new_row_do_not_make_two_updates(two_officers, round_):
    review, draft = round_
    first, second = two_officers
    row = _row(review, "1")
    first_data, second_data = _page_data(first, _url(draft)), _page_data(second, _url(draft))
    first_data[f"{row}-text"] = "Theirs."
    first_data[f"{row}-status"] = "implemented"
    assert first.post(_url(draft), first_data).status_code == 302
    second_data[f"{row}-text"] = "Mine."
    response = second.post(_url(draft), second_data)
    assert response.status_code == 200
    assert ProgressUpdate.objects.filter(report=draft).count() == 1
    form = next(f for f in response.context["rows"] if f.prefix == row)
    changes = {c.name: c for c in form.conflict_changes}
    assert changes["status"].kept_theirs and not changes["text"].kept_theirs
    assert form["status"].value() == "implemented" and form["text"].value() == "Mine."
