"""The Atom feeds of new final updates: entries are updates in final reports of published
reviews, newest report first, bounded, linking to the update on the public page, escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from recommendations.models import ProgressUpdate, UpdateReport
from reports.public import selectors
from tests.publicdata import MARKER, World

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client, path: str) -> list[ET.Element]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert MARKER not in response.content.decode()
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_a_review_s_feed_lists_its_final_updates_newest_report_first(client, world: World):
    later = UpdateReport.objects.create(
        review=world.published, title="Twelve month update", as_at=dt.date(2024, 3, 1),
        is_final=True, finalised_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    rec = world.published.recommendations.get(label="3")
    newest = ProgressUpdate.objects.create(
        recommendation=rec, report=later, as_at=dt.date(2024, 3, 1),
        text="Done: 1 < 2 & **more** <script>alert(1)</script>",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )  # fmt: skip
    entries = _entries(client, "/public/reviews/published-review/feed/")
    assert len(entries) == 3
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == (
        "Reducing exclusions: Recommendation 3, implemented (as at 1 March 2024)"
    )
    link = first.find(f"{ATOM}link").get("href")
    assert link.endswith(f"/public/reviews/published-review/#update-{newest.pk}")
    # Markdown read as plain text (sanitised: no script), escaped in the XML.
    assert first.findtext(f"{ATOM}summary") == "Done: 1 < 2 & more alert(1)"
    raw = client.get("/public/reviews/published-review/feed/").content.decode()
    assert "<script>" not in raw and "1 &lt; 2 &amp; more" in raw
    page = client.get("/public/reviews/published-review/").content.decode()
    assert f'id="update-{newest.pk}"' in page


def test_an_authority_s_feed_has_its_published_reviews_only(client, world: World):
    entries = _entries(client, "/public/authorities/publica/feed/")
    assert {e.findtext(f"{ATOM}title").split(":")[0] for e in entries} == {"Reducing exclusions"}
    assert client.get(f"/public/authorities/{world.other_authority.slug}/feed/").status_code == 404


def test_a_feed_is_bounded(client, world: World, monkeypatch):
    monkeypatch.setattr(selectors, "FEED_ENTRIES", 1)
    assert len(_entries(client, "/public/reviews/published-review/feed/")) == 1
