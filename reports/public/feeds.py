"""Atom feeds of new final updates: per published review, and per authority (its published
reviews). An entry is a progress update in a final update report, newest report first, at
most ``selectors.FEED_ENTRIES``; it links to the update on the review's public page.
Django's syndication framework escapes every text it writes."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from recommendations.markdown import markdown_to_text
from recommendations.models import Authority, ProgressUpdate, Review
from reports.public import selectors
from reports.public.views import public_page


def _entry_title(update: ProgressUpdate) -> str:
    rec = update.recommendation
    status = update.get_status_display()
    return f"{rec.review.title}: {rec.name}, {status.lower()} (as at {update.as_at_display})"


class _UpdatesFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: ProgressUpdate) -> str:
        return _entry_title(item)

    def item_description(self, item: ProgressUpdate) -> str:
        return markdown_to_text(item.text)

    def item_link(self, item: ProgressUpdate) -> str:
        slug = item.recommendation.review.slug
        return f"{reverse('public:review', kwargs={'slug': slug})}#update-{item.pk}"

    def item_guid(self, item: ProgressUpdate) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: ProgressUpdate) -> dt.datetime:
        """When it became public: its report was made final (the papers' "as at" when that
        was not recorded)."""
        return item.report.finalised_at or selectors.as_datetime(item.as_at)

    def item_updateddate(self, item: ProgressUpdate) -> dt.datetime:
        return self.item_pubdate(item)

    def item_categories(self, item: ProgressUpdate) -> list[str]:
        return [item.get_status_display()]


class ReviewUpdatesFeed(_UpdatesFeed):
    def get_object(self, request, slug: str) -> Review:
        return selectors.published_review(slug)

    def title(self, obj: Review) -> str:
        return f"New updates: {obj.title}"

    def subtitle(self, obj: Review) -> str:
        where = f"{obj.committee.name}, {obj.committee.authority.name}"
        return f"Progress updates in final update reports, {where}"

    def link(self, obj: Review) -> str:
        return reverse("public:review", kwargs={"slug": obj.slug})

    def items(self, obj: Review) -> list[ProgressUpdate]:
        return selectors.feed_updates(review=obj)


class AuthorityUpdatesFeed(_UpdatesFeed):
    def get_object(self, request, slug: str) -> Authority:
        return selectors.published_authority(slug)

    def title(self, obj: Authority) -> str:
        return f"New updates: {obj.name}"

    def subtitle(self, obj: Authority) -> str:
        return f"Progress updates in final update reports of {obj.name}'s published reviews"

    def link(self, obj: Authority) -> str:
        return f"{reverse('public:index')}#authority-{obj.slug}"

    def items(self, obj: Authority) -> list[ProgressUpdate]:
        return selectors.feed_updates(authority=obj)


review_feed = public_page(ReviewUpdatesFeed())
authority_feed = public_page(AuthorityUpdatesFeed())
