"""Every form view, posted arbitrary values by an officer (and by a member: 403).

Properties, for each example:
- never a 5xx;
- a 200 is the form again, with errors;
- a 302 means it was saved, and what is stored reads back unchanged: for each field of the
  form, the stored value equals the last value sent for it (a repeated key: Django keeps the
  last), after the normalisation Django documents and nothing else:
    * text: the value as Django decoded it from the request (invalid UTF-8 becomes U+FFFD),
      with leading and trailing whitespace stripped (``CharField(strip=True)``, Python's
      ``str.strip``). Inner whitespace, ``\\r\\n`` and ``\\r`` are kept exactly; a field left
      out or blank is stored as "";
    * dates: the date the field parsed (ISO ``YYYY-MM-DD`` is compared to the date itself);
    * choices: exactly the value sent; foreign keys: the id sent; booleans: sent and "on";
- and the pages that show the saved record (and its form again) render with a 200 and no
  active content from user text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django import forms as django_forms
from django.db import models
from hypothesis import event, given, settings
from hypothesis import strategies as st

from recommendations import forms, selectors
from recommendations.models import (
    Authority,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from reports.forms import AppendixSettingsForm, ReportAppendixSettingsForm
from reports.models import AppendixSettings, ReportAppendixSettings
from tests.fuzz.conftest import FUZZ, World
from tests.fuzz.strategies import (
    assert_no_active_content,
    decoded,
    encode_pairs,
    last_values,
    rolled_back,
    submissions,
)

FORM_CONTENT = "application/x-www-form-urlencoded"
SKIP = object()  # not read back
DEFAULT = object()  # read back from the model field of the same name


@dataclass
class FormCase:
    name: str
    url: Callable[[World], str]
    form: Callable[[World], django_forms.BaseForm]  # unbound, as the view builds it
    model: type[models.Model]
    # The saved record: the edited one, or None to take the one row the post created.
    instance: Callable[[World], models.Model] | None = None
    pages: Callable[[models.Model], list[str]] = lambda obj: []
    stored: Callable[[models.Model, str, dict], object] | None = None
    extra_valid: dict = field(default_factory=dict)
    # Fields the form empties on purpose in some cases: stored exactly, or "".
    may_clear: frozenset[str] = frozenset()


def _rec_url(w: World, suffix: str = "") -> str:
    return f"/reviews/{w.review.slug}/recommendations/{w.recommendation.label}/{suffix}"


def _rec_pages(rec: Recommendation) -> list[str]:
    return [rec.get_absolute_url(), rec.get_absolute_url() + "edit/"]


def _update_pages(update: ProgressUpdate) -> list[str]:
    rec = update.recommendation
    pages = [rec.get_absolute_url(), f"/reviews/{rec.review.slug}/appendix/"]
    if not update.is_locked:
        pages.append(f"{rec.get_absolute_url()}updates/{update.pk}/edit/")
    return pages


def _lead_stored(lead: Lead, name: str, sent: dict) -> object:
    chose_existing = bool(sent.get("person", "").strip())
    if name.startswith("new_person_"):
        if chose_existing:
            return SKIP  # the form refuses a new person beside an existing one
        if name == "new_person_kind":
            # Blank means a person; someone already recorded keeps their kind.
            return SKIP
        return getattr(lead.person, name.removeprefix("new_person_"))
    if name == "person" and not chose_existing:
        return SKIP  # a new person: checked through new_person_*
    return DEFAULT


def _heading_stored(settings_row: AppendixSettings, name: str, sent: dict) -> object:
    """A layout stores the columns shown, in order, with their headings, and the header's
    fields: a hidden column's heading and any column's place are not stored as sent."""
    columns = {column["field"]: column["heading"] for column in settings_row.columns}
    header = {entry["field"]: entry for entry in settings_row.get_header_entries()}
    if name.startswith("header_label_"):  # a label is stored with its field, when shown
        key = name.removeprefix("header_label_")
        return header[key]["label"] if key in header else SKIP
    if name.startswith("version_heading_"):  # with the version table, unless all blank
        headings = header.get("versions", {}).get("headings")
        return headings[int(name.rpartition("_")[2])] if headings else SKIP
    kind, _, key = name.partition("_")
    if kind == "heading":
        return columns.get(key, SKIP)
    if kind == "show":
        return key in columns
    if kind == "order":
        return SKIP
    if kind == "header":
        return key in header
    return DEFAULT


def _authority_stored(authority: Authority, name: str, sent: dict) -> object:
    """The reference pattern and the municipal year's first month, left blank (or 0), keep
    what is saved (the defaults for a new authority)."""
    if name in ("tracker_reference", "municipal_year_starts", "report_year_starts"):
        value = decoded(sent.get(name, "")).strip()
        if not value or value.lstrip("0") == "":
            return SKIP
    return DEFAULT


def _review_stored(review: Review, name: str, sent: dict) -> object:
    """What the officer added on the spot, or a short name made from the title, is not what
    the chosen field was sent."""

    def typed(key: str) -> str:
        return decoded(sent.get(key, "")).strip()

    if name == "slug" and not typed("slug"):
        return SKIP  # made from the title (a new review; an edit refuses an empty one)
    added = {"committee": "new_committee_name"} | {
        field: f"new_{field}_name" for field in ["lead_cabinet_member", "lead_director"]
    }
    if name in added and typed(added[name]) and not typed(name):
        return SKIP
    return DEFAULT


def _authority(w: World) -> Authority:
    return w.review.committee.authority


def _people_pages(person: Person) -> list[str]:
    # Someone no longer assigned to an authority is listed on every authority's page.
    slugs = Authority.objects.values_list("slug", flat=True)
    return ["/authorities/", *(f"/authorities/{slug}/people/" for slug in slugs)]


_EXISTING_PERSON = {
    "new_person_name": st.just("Officer 0"),
    "new_person_job_title": st.just("Head"),
    "new_person_organisation": st.just(""),
}

# The review reported on 2023-01-01: targets before that are refused, so offer later ones too.
_TARGET_DATES = {
    "target_date": st.sampled_from(["2024-06-30", "2031-12-31", "9999-12-31"]),
    "as_at": st.sampled_from(["2023-06-01", "2023-01-01"]),
}

# ProgressUpdateForm.clean drops a reason given when the target date has not changed.
_REASON = frozenset({"target_date_change_reason"})

CASES = [
    FormCase(
        "review_create",
        lambda w: f"/reviews/new/?authority={_authority(w).slug}",
        lambda w: forms.ReviewForm(authority=_authority(w)),
        Review,
        pages=lambda r: [r.get_absolute_url(), r.get_absolute_url() + "edit/"],
        stored=_review_stored,
        extra_valid={
            "slug": st.sampled_from(["fuzz", "other", "new", ""]),
            "committee": st.just(""),
            "new_committee_name": st.sampled_from(["", "A committee", "<b>Committee</b>"]),
            "new_lead_director_name": st.just(""),
            "new_lead_cabinet_member_name": st.just(""),
        },
    ),
    FormCase(
        "review_edit",
        lambda w: f"/reviews/{w.review.slug}/edit/",
        lambda w: forms.ReviewForm(instance=w.review, authority=_authority(w)),
        Review,
        instance=lambda w: w.review,
        pages=lambda r: [r.get_absolute_url(), r.get_absolute_url() + "edit/"],
        stored=_review_stored,
    ),
    FormCase(
        "authority_create",
        lambda w: "/authorities/new/?next=/reviews/new/",
        lambda w: forms.AuthorityForm(),
        Authority,
        pages=lambda a: ["/authorities/", f"/authorities/{a.slug}/people/", "/reviews/new/"],
        stored=_authority_stored,
        extra_valid={"response_due_amount": st.sampled_from(["1", "28", "24", "366"])},
    ),
    FormCase(
        "authority_settings",
        lambda w: f"/authorities/{_authority(w).slug}/settings/",
        lambda w: forms.AuthorityForm(instance=_authority(w)),
        Authority,
        instance=_authority,
        pages=lambda a: ["/authorities/", f"/authorities/{a.slug}/settings/", "/"],
        stored=_authority_stored,
        extra_valid={"response_due_amount": st.sampled_from(["1", "28", "24", "366"])},
    ),
    FormCase(
        "person_create",
        lambda w: f"/authorities/{_authority(w).slug}/people/new/",
        lambda w: forms.PersonForm(authority=_authority(w)),
        Person,
        pages=_people_pages,
    ),
    FormCase(
        "person_edit",
        lambda w: f"/authorities/{_authority(w).slug}/people/{w.person.pk}/edit/",
        lambda w: forms.PersonForm(instance=w.person, authority=_authority(w)),
        Person,
        instance=lambda w: w.person,
        pages=_people_pages,
    ),
    FormCase(
        "person_merge",
        lambda w: f"/authorities/{_authority(w).slug}/people/{w.person.pk}/merge/",
        lambda w: forms.MergeForm(duplicate=w.person, authority=_authority(w)),
        Person,
        instance=lambda w: w.person,
        pages=_people_pages,
        extra_valid={"keep_version": st.just("1"), "duplicate_version": st.just("1")},
    ),
    FormCase(
        "recommendation_create",
        lambda w: f"/reviews/{w.review.slug}/add-recommendation/",
        lambda w: forms.RecommendationForm(review=w.review),
        Recommendation,
        pages=_rec_pages,
        extra_valid={"label": st.sampled_from(["1", "1a", "2b", "a/b", "..", "%", "?x#y"])},
    ),
    FormCase(
        "recommendation_edit",
        lambda w: _rec_url(w, "edit/"),
        lambda w: forms.RecommendationForm(instance=w.recommendation, review=w.review),
        Recommendation,
        instance=lambda w: w.recommendation,
        pages=_rec_pages,
    ),
    FormCase(
        "recommendation_edit_part",
        lambda w: f"/reviews/{w.review.slug}/recommendations/{w.part.label}/edit/",
        lambda w: forms.RecommendationForm(instance=w.part, review=w.review),
        Recommendation,
        instance=lambda w: w.part,
        pages=_rec_pages,
    ),
    FormCase(
        "recommendation_overdue",
        lambda w: _rec_url(w, "overdue/"),
        lambda w: forms.OverdueOverrideForm(instance=w.recommendation),
        Recommendation,
        instance=lambda w: w.recommendation,
        pages=lambda rec: [*_rec_pages(rec), "/recommendations/"],
    ),
    FormCase(
        "recommendation_priority",
        lambda w: _rec_url(w, "priority/"),
        lambda w: forms.PriorityForm(instance=w.recommendation),
        Recommendation,
        instance=lambda w: w.recommendation,
        pages=lambda rec: [*_rec_pages(rec), rec.review.get_absolute_url(), "/recommendations/"],
    ),
    FormCase(
        "recommendation_close",
        lambda w: _rec_url(w, "close/"),
        lambda w: forms.CloseRecommendationForm(instance=w.recommendation),
        Recommendation,
        instance=lambda w: w.recommendation,
        pages=lambda rec: [*_rec_pages(rec), rec.review.get_absolute_url(), "/recommendations/"],
    ),
    FormCase(
        "recommendation_reopen",
        lambda w: f"/reviews/{w.review.slug}/recommendations/{w.closed.label}/reopen/",
        lambda w: forms.ReopenRecommendationForm(instance=w.closed),
        Recommendation,
        instance=lambda w: w.closed,
        pages=lambda rec: [*_rec_pages(rec), rec.review.get_absolute_url(), "/recommendations/"],
    ),
    FormCase(
        "response_edit",
        lambda w: _rec_url(w, "response/"),
        lambda w: forms.ResponseForm(instance=w.recommendation.response),
        Response,
        instance=lambda w: w.recommendation.response,
        pages=lambda r: [r.recommendation.get_absolute_url()],
    ),
    FormCase(
        "lead_add",
        lambda w: _rec_url(w, "leads/"),
        lambda w: forms.LeadForm(recommendation=w.recommendation),
        Lead,
        pages=lambda lead: [
            lead.recommendation.get_absolute_url(),
            lead.recommendation.get_absolute_url() + "leads/",
        ],
        stored=_lead_stored,
        extra_valid=_EXISTING_PERSON,
    ),
    FormCase(
        "lead_edit",
        lambda w: _rec_url(w, f"leads/{w.lead.pk}/edit/"),
        lambda w: forms.LeadForm(instance=w.lead, recommendation=w.recommendation),
        Lead,
        instance=lambda w: w.lead,
        pages=lambda lead: [lead.recommendation.get_absolute_url() + "leads/"],
    ),
    FormCase(
        "progress_update_create",
        lambda w: _rec_url(w, "updates/new/"),
        lambda w: forms.ProgressUpdateForm(recommendation=w.recommendation),
        ProgressUpdate,
        pages=_update_pages,
        extra_valid=_TARGET_DATES,
        may_clear=_REASON,
    ),
    FormCase(
        "progress_update_edit",
        lambda w: _rec_url(w, f"updates/{w.update.pk}/edit/"),
        lambda w: forms.ProgressUpdateForm(instance=w.update, recommendation=w.recommendation),
        ProgressUpdate,
        instance=lambda w: w.update,
        pages=_update_pages,
        extra_valid=_TARGET_DATES,
        may_clear=_REASON,
    ),
    FormCase(
        "progress_update_correct",
        lambda w: _rec_url(w, f"updates/{w.update.pk}/correct/"),
        lambda w: forms.ProgressUpdateForm(recommendation=w.recommendation),
        ProgressUpdate,
        pages=_update_pages,
        extra_valid=_TARGET_DATES,
        may_clear=_REASON,
    ),
    FormCase(
        "update_report_create",
        lambda w: f"/reviews/{w.review.slug}/update-reports/new/",
        lambda w: forms.UpdateReportForm(review=w.review),
        UpdateReport,
        pages=lambda r: [
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/",
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/edit/",
            f"/reviews/{r.review.slug}/appendix/?report={r.pk}",
        ],
    ),
    FormCase(
        "update_report_edit",
        lambda w: f"/reviews/{w.review.slug}/update-reports/{w.report.pk}/edit/",
        lambda w: forms.UpdateReportForm(instance=w.report, review=w.review),
        UpdateReport,
        instance=lambda w: w.report,
        pages=lambda r: [
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/",
            f"/reviews/{r.review.slug}/appendix/?report={r.pk}",
        ],
    ),
    FormCase(
        "update_report_finalise",
        lambda w: f"/reviews/{w.review.slug}/update-reports/{w.report.pk}/finalise/",
        lambda w: forms.FinaliseReportForm(
            instance=w.report,
            gaps=[row.recommendation for row in selectors.round_gaps(w.report)],
        ),
        UpdateReport,
        instance=lambda w: w.report,
        pages=lambda r: [
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/",
            f"/reviews/{r.review.slug}/appendix/?report={r.pk}",
        ],
    ),
    FormCase(
        "update_report_reopen",
        lambda w: f"/reviews/{w.review.slug}/update-reports/{w.final_report.pk}/reopen/",
        lambda w: forms.ReopenReportForm(instance=w.final_report),
        UpdateReport,
        instance=lambda w: w.final_report,
        pages=lambda r: [
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/",
            f"/reviews/{r.review.slug}/update-reports/{r.pk}/edit/",
        ],
    ),
    FormCase(
        "meeting_create",
        lambda w: f"/reviews/{w.review.slug}/meetings/new/",
        lambda w: forms.MeetingForm(),
        Meeting,
        pages=lambda m: [m.reviews.get().get_absolute_url()],
    ),
    FormCase(
        "meeting_edit",
        lambda w: f"/reviews/{w.review.slug}/meetings/{w.meeting.pk}/edit/",
        lambda w: forms.MeetingForm(instance=w.meeting),
        Meeting,
        instance=lambda w: w.meeting,
        pages=lambda m: [
            m.reviews.get().get_absolute_url(),
            f"{m.reviews.get().get_absolute_url()}meetings/{m.pk}/edit/",
        ],
    ),
    FormCase(
        "appendix_settings",
        lambda w: f"/reviews/{w.review.slug}/appendix/settings/",
        lambda w: AppendixSettingsForm(instance=AppendixSettings(review=w.review)),
        AppendixSettings,
        pages=lambda s: [
            f"/reviews/{s.review.slug}/appendix/",
            f"/reviews/{s.review.slug}/appendix/settings/",
        ],
        stored=_heading_stored,
    ),
    FormCase(
        "report_appendix_settings",
        lambda w: f"/reviews/{w.review.slug}/update-reports/{w.report.pk}/appendix-layout/",
        lambda w: ReportAppendixSettingsForm(instance=ReportAppendixSettings(report=w.report)),
        ReportAppendixSettings,
        pages=lambda s: [
            f"/reviews/{s.report.review.slug}/appendix/?report={s.report.pk}",
            f"/reviews/{s.report.review.slug}/update-reports/{s.report.pk}/appendix-layout/",
        ],
        stored=_heading_stored,
    ),
]


def expected_value(field: django_forms.Field, sent: str | None) -> object:
    """The value Django should store for what was sent (``None``: the key was left out)."""
    if isinstance(field, django_forms.BooleanField):
        return sent is not None and sent not in ("", "false", "False", "0")
    if isinstance(field, django_forms.ModelChoiceField):
        return int(sent) if sent is not None and sent.strip() else None
    if isinstance(field, django_forms.ChoiceField):
        return getattr(field, "empty_value", "") if sent in (None, "") else sent
    if isinstance(field, django_forms.DateField):
        if sent is None or not sent.strip():
            return None
        try:
            return dt.date.fromisoformat(sent)
        except ValueError:
            return field.to_python(sent)  # another input format the field accepts
    if isinstance(field, django_forms.CharField):
        return "" if sent is None else decoded(sent).strip()
    return field.clean(sent)


def _stored_value(case: FormCase, obj: models.Model, name: str, sent: dict) -> object:
    if case.stored is not None:
        value = case.stored(obj, name, sent)
        if value is not DEFAULT:
            return value
    model_field = next((f for f in obj._meta.fields if f.name == name), None)
    if model_field is None:
        return SKIP  # a form-only field this test does not know how to read back
    return getattr(obj, model_field.attname)


def _saved_object(case: FormCase, world: World, before: int) -> models.Model:
    if case.instance is not None:
        instance = case.instance(world)
        return type(instance)._default_manager.get(pk=instance.pk)
    if case.model is AppendixSettings:
        return AppendixSettings.objects.get(review=world.review)
    if case.model is ReportAppendixSettings:
        return ReportAppendixSettings.objects.get(report=world.report)
    created = list(case.model._default_manager.filter(pk__gt=before))
    assert len(created) == 1, f"a 302 should have created one {case.model.__name__}: {created}"
    return created[0]


@dataclass
class Posting:
    """What a test posts to one case, made before its examples: each example's rollback
    returns the database to where it was, so these hold for every example."""

    form: django_forms.BaseForm  # unbound, as the view builds it (its choices read the database)
    bodies: st.SearchStrategy[list[tuple[str, str]]]
    last_pk: int  # the case model's highest id: a new row's is higher


def _posting(case: FormCase, world: World) -> Posting:
    form = case.form(world)
    last_pk = case.model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return Posting(form, submissions(form, case.extra_valid), last_pk or 0)


def check_post(
    client, case: FormCase, world: World, posting: Posting, pairs: list[tuple[str, str]]
) -> str:
    form = posting.form
    response = client.post(case.url(world), encode_pairs(pairs), content_type=FORM_CONTENT)
    assert response.status_code < 500
    if response.status_code == 200:
        shown = response.context["form"]
        if pairs:
            assert shown.errors, "a 200 after a post must show what to correct"
        else:
            # An empty body: the views' ``request.POST or None`` shows the blank form. (A real
            # browser's post always carries the CSRF token, so it is never empty.)
            assert not shown.is_bound
        assert_no_active_content(response.content.decode())
        return "error"
    assert response.status_code == 302, response.status_code
    obj = _saved_object(case, world, posting.last_pk)
    sent = last_values(pairs)
    for name, form_field in form.fields.items():
        if name == "version":
            continue
        stored = _stored_value(case, obj, name, sent)
        if stored is SKIP:
            continue
        expected = expected_value(form_field, sent.get(name))
        if name in case.may_clear and stored == "":
            continue
        assert stored == expected, f"{name}: sent {sent.get(name)!r}, stored {stored!r}"
    # Plain (not Markdown) text with markup in it must only ever appear escaped.
    raw_markup = [
        expected_value(form_field, sent[name])
        for name, form_field in form.fields.items()
        if isinstance(form_field, django_forms.CharField)
        and not isinstance(form_field.widget, django_forms.Textarea)
        and "<" in expected_value(form_field, sent.get(name))
    ]
    for url in case.pages(obj):
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        html = page.content.decode()
        assert_no_active_content(html)
        for text in raw_markup:
            assert text not in html, f"unescaped on {url}: {text!r}"
    return "saved"


@pytest.fixture
def posting(world, case) -> Posting:
    return _posting(case, world)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_officer_posts_arbitrary_values(officer_client, world, case, posting, data):
    pairs = data.draw(posting.bodies, label="post")
    with rolled_back():
        event(check_post(officer_client, case, world, posting, pairs))


@pytest.fixture
def postings(world) -> list[Posting]:
    return [_posting(case, world) for case in CASES]


@settings(FUZZ, max_examples=3)
@given(data=st.data())
def test_a_member_gets_403_whatever_they_post(member_client, world, postings, data):
    for case, posting in zip(CASES, postings, strict=True):
        pairs = data.draw(posting.bodies, label=case.name)
        count = case.model._default_manager.count()
        url = case.url(world)
        response = member_client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        assert response.status_code == 403, (case.name, response.status_code)
        assert case.model._default_manager.count() == count, case.name


def test_a_member_gets_403_for_every_form(member_client, world):
    """The pages themselves: the same for every example above, so asked once."""
    for case in CASES:
        assert member_client.get(case.url(world)).status_code == 403, case.name
