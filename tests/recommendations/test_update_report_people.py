"""An update report records its author, who authorised it and its contributors (issue 12)."""

import pytest

from recommendations.models import Person, UpdateReport
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return [
        Person.objects.create(name=name, job_title=title)
        for name, title in [
            ("Katherine Cracknell", "Head of Wellbeing"),
            ("Jacque Burke", "Group Director"),
            ("Bob Baker", "Officer"),
        ]
    ]


def test_an_officer_records_author_authoriser_and_contributors(officer_client, people):
    author, director, contributor = people
    review = make_review(slug="r", recommendations=1)
    response = officer_client.post(
        "/reviews/r/update-reports/new/",
        {
            "title": "Twelve month update (issue 12)",
            "as_at_precision": "day",
            "author": author.pk,
            "authorised_by": director.pk,
            "contributors": [author.pk, contributor.pk],
            "summary": "The report in brief.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = UpdateReport.objects.get(review=review, title="Twelve month update (issue 12)")
    assert (report.author, report.authorised_by) == (author, director)
    assert set(report.contributors.all()) == {author, contributor}

    edit = f"/reviews/r/update-reports/{report.pk}/edit/"
    page = officer_client.get(edit).content.decode()
    assert "Report author" in page and "Authorised by" in page and "Contributors" in page
    response = officer_client.post(
        edit,
        {
            "title": "Twelve month update (issue 12)",
            "as_at_precision": "day",
            "author": author.pk,
            "authorised_by": "",
            "contributors": [contributor.pk],
            "summary": "The report in brief.",
            "version": report.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.authorised_by is None and list(report.contributors.all()) == [contributor]
    # The history records who contributed, before and after.
    assert report.history.count() >= 2
