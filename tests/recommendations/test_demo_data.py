"""The demo data holds what the seed documents hold (../shared/seeds/)."""

import datetime as dt

import pytest
from django.core.management import call_command

from recommendations.models import (
    DatePrecision,
    GlossaryTerm,
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)

pytestmark = pytest.mark.django_db


def rec(slug: str, label: str) -> Recommendation:
    return Recommendation.objects.select_related("response").get(review__slug=slug, label=label)


def latest(recommendation: Recommendation) -> ProgressUpdate:
    return recommendation.updates.latest()


def test_load_demo_data_loads_three_reviews_and_leaves_them_alone_the_second_time():
    call_command("load_demo_data")
    assert set(Review.objects.values_list("slug", flat=True)) == {
        "hackney-school-exclusions",
        "east-sussex-school-exclusions",
        "buckinghamshire-permanent-exclusions",
    }
    before = Recommendation.objects.count(), ProgressUpdate.objects.count()
    call_command("load_demo_data")
    assert (Recommendation.objects.count(), ProgressUpdate.objects.count()) == before


def test_load_demo_data_replace_reloads_without_duplicates():
    call_command("load_demo_data")
    counts = Recommendation.objects.count(), ProgressUpdate.objects.count(), Meeting.objects.count()
    call_command("load_demo_data", "--replace")
    assert (
        Recommendation.objects.count(),
        ProgressUpdate.objects.count(),
        Meeting.objects.count(),
    ) == counts


class TestEastSussex:
    slug = "east-sussex-school-exclusions"

    def test_it_has_r1_to_r12_each_with_response_and_a_timed_update(self, demo_data):
        recs = Recommendation.objects.filter(review__slug=self.slug)
        assert [r.label for r in recs] == [f"R{n}" for n in range(1, 13)]
        assert Response.objects.filter(recommendation__review__slug=self.slug).count() == 12
        updates = ProgressUpdate.objects.filter(recommendation__review__slug=self.slug)
        assert updates.count() == 12
        assert not updates.filter(timescale="").exists()
        assert {u.report.title for u in updates} == {"12 month update"}

    def test_exact_values_match_seed_002(self, demo_data):
        review = Review.objects.get(slug=self.slug)
        assert review.title == "People Scrutiny Review of School Exclusions"
        assert review.committee.authority.name == "East Sussex County Council"
        r1 = rec(self.slug, "R1")
        assert r1.text.startswith("The Department should utilise area-based teams to identify")
        assert r1.response.text.startswith(
            "The Department will continue to implement our new area-based teams throughout 2023-24."
        )
        assert "- Recruitment to all outstanding vacancies" in r1.response.text
        assert latest(r1).timescale == "July 2024"
        assert latest(rec(self.slug, "R3")).text.startswith(
            "The data dashboard is to be launched Term 4 of 2025."
        )
        # One timescale per line, as the paper prints them.
        assert latest(rec(self.slug, "R3")).timescale == (
            "February 2025\nOngoing (monthly)\nJuly 2024"
        )
        assert latest(rec(self.slug, "R4")).timescale == "Ongoing (termly)\nJanuary-March 2025"
        assert latest(rec(self.slug, "R9")).timescale == "Termly"
        assert rec(self.slug, "R12").response.text.startswith(
            "Inclusion Partnerships at secondary level annual Terms of Re"
        )


class TestBuckinghamshire:
    slug = "buckinghamshire-permanent-exclusions"

    def test_it_has_eight_recommendations_and_six_parts(self, demo_data):
        recs = Recommendation.objects.filter(review__slug=self.slug)
        assert [r.label for r in recs.filter(parent=None)] == [str(n) for n in range(1, 9)]
        parts = {r.label: r.parent.label for r in recs.exclude(parent=None)}
        assert parts == {"2a": "2", "2b": "2", "3a": "3", "3b": "3", "5a": "5", "5b": "5"}

    def test_each_part_has_its_own_decision(self, demo_data):
        decisions = dict(
            Response.objects.filter(recommendation__review__slug=self.slug).values_list(
                "recommendation__label", "decision"
            )
        )
        agreed = Response.Decision.AGREED
        assert decisions == {
            "1": agreed,
            "2a": agreed,
            "2b": agreed,
            "3a": agreed,
            "3b": agreed,
            "4": agreed,
            "5a": Response.Decision.NOT_STATED,  # the Agreed Yes/No cell is blank
            "5b": Response.Decision.NOT_STATED,
            "6": Response.Decision.NOT_AGREED,  # "No"
            "7": agreed,
            "8": agreed,
        }

    def test_header_fields_and_version_table(self, demo_data):
        review = Review.objects.get(slug=self.slug)
        assert review.title == "Working Together to Reduce Permanent Exclusions in Schools"
        assert review.owner == "Chairman, Children's Select Committee"
        assert review.response_agreed_on == dt.date(2018, 9, 10)
        assert review.lead_cabinet_member.name == "Cllr Mike Appleyard"
        assert review.lead_director.name == "Tolis Vouyioukas"
        versions = list(
            review.document_versions.values_list("version", "changes", "author", "date")
        )
        assert versions == [
            (
                "Draft Final",
                "Agreed by Cabinet Members",
                "Chairman, Children's Select Committee",
                dt.date(2018, 7, 10),
            )
        ]

    def test_leads_are_cabinet_member_then_senior_responsible_officer(self, demo_data):
        for recommendation in Recommendation.objects.filter(review__slug=self.slug, parent=None):
            roles = [lead.role for lead in recommendation.leads.all()]
            assert roles == [Lead.Role.CABINET_MEMBER, Lead.Role.SENIOR_RESPONSIBLE_OFFICER]
        six = [
            (lead.person.name, lead.person.job_title) for lead in rec(self.slug, "6").leads.all()
        ]
        assert six == [("Cllr Mike Appleyard", ""), ("Katherine Wells", "Education Officer")]

    def test_exact_values_match_seed_004(self, demo_data):
        assert rec(self.slug, "1").response.text.startswith(
            "Cabinet accepts this recommendation and view it as a positive step."
        )
        assert rec(self.slug, "2a").text.startswith(
            "a series of workshops 'Towards Better Behaviour, Sharing Best Practice'"
        )
        assert latest(rec(self.slug, "2b")).text.startswith(
            "b. Three Behaviour training sessions were offered to the Primary sector."
        )
        assert rec(self.slug, "3b").response.text == "b. Cabinet accepts this recommendation."
        assert rec(self.slug, "6").response.text.startswith(
            "Cabinet is unable to support this recommendation."
        )
        assert latest(rec(self.slug, "2")).text == "These recommendation have been actioned."
        update = latest(rec(self.slug, "4"))
        assert update.report.title == "Six month progress update"
        assert update.status == ProgressUpdate.Status.IMPLEMENTED
        assert latest(rec(self.slug, "1")).status == ProgressUpdate.Status.IN_PROGRESS


def test_month_precision_dates_display_as_months(demo_data):
    update = latest(rec("buckinghamshire-permanent-exclusions", "1"))
    assert update.as_at_precision == DatePrecision.MONTH
    assert update.as_at_display == "March 2019"


class TestHackney:
    slug = "hackney-school-exclusions"

    def test_it_has_eighteen_recommendations_each_with_response_lead_and_update(self, demo_data):
        recs = Recommendation.objects.filter(review__slug=self.slug)
        assert [r.label for r in recs] == [str(n) for n in range(1, 19)]
        for recommendation in recs:
            assert recommendation.response.given_by == "Hackney Education"
            assert recommendation.response.agreed_display == "March 2022"
            assert recommendation.leads.exists()
            assert latest(recommendation).as_at_display == "December 2022"

    def test_review_header_matches_the_report(self, demo_data):
        review = Review.objects.get(slug=self.slug)
        assert review.title == "Reducing School Exclusions"
        assert review.committee.name == "Children & Young People Scrutiny Commission"
        assert review.reported_display == "December 2021"
        assert review.response_agreed_display == "March 2022"

    def test_recommendations_5_and_18_have_two_leads_in_order(self, demo_data):
        five = [lead.person.name for lead in rec(self.slug, "5").leads.all()]
        assert five == ["Katherine Cracknell", "Nick Wilson"]
        eighteen = [
            (lead.person.name, lead.person.job_title) for lead in rec(self.slug, "18").leads.all()
        ]
        assert eighteen == [
            ("Paul Senior", "Interim Director of Education"),
            ("Debra Robinson", "Diversity and Inclusion Systems Leader"),
        ]

    def test_exact_values_match_seed_000(self, demo_data):
        ten = rec(self.slug, "10")
        assert ten.text.startswith("1) It is recommended that Hackney Education Service review l")
        assert ten.response.decision == Response.Decision.PARTLY_AGREED
        assert ten.response.text.startswith(
            "Hackney Education agrees with this recommendation in general"
        )
        five = latest(rec(self.slug, "5"))
        assert five.text.startswith("There has been a full expansion of the Re-engagement Unit")
        assert five.status == ProgressUpdate.Status.IMPLEMENTED
        assert rec(self.slug, "12").text.startswith(
            "a) It is recommended that HES review and assess the longer-t"
        )
        assert latest(rec(self.slug, "14")).text.startswith(
            "Nothing substantive to add to the earlier development."
        )
        assert rec(self.slug, "1").leads.get().person.job_title == (
            "Acting Head of Wellbeing and Safeguarding in Education"
        )

    def test_the_update_report_has_author_authoriser_and_contributors(self, demo_data):
        report = Review.objects.get(slug=self.slug).update_reports.get()
        assert report.title == "Reducing School Exclusions - Update report"
        assert report.author.name == "Katherine Cracknell"
        assert report.authorised_by.name == "Jacque Burke"
        assert report.authorised_by.job_title == "Group Director, Children and Education"
        assert report.contributors.count() == 7
        assert report.meeting.date == dt.date(2023, 1, 16)
        assert report.updates.count() == 18

    def test_the_later_meeting_agreed_a_further_update(self, demo_data):
        meeting = Meeting.objects.get(
            agenda_item="Outcome of School Exclusions (Recommendation Update)"
        )
        assert meeting.decision.startswith(
            "Agreed: That a further update on the recommendations from th"
        )
        assert meeting.next_follow_up == "Further update in the 2024/25 work programme"
        assert list(meeting.reviews.values_list("slug", flat=True)) == [self.slug]

    def test_glossary(self, demo_data):
        glossary = dict(
            GlossaryTerm.objects.filter(authority__slug="hackney").values_list("term", "meaning")
        )
        assert len(glossary) == 22
        assert glossary["AP"] == "Alternative Provision"
        assert glossary["WAMHS"] == "Wellbeing and Mental Health in Schools"
