"""The public pages: no sign-in, no session, no edit links; cacheable for a few minutes
(``PUBLIC_CACHE_SECONDS``) by browsers and shared caches, with an ETag so a repeat visit is
a 304. Anything not published is a 404, also after it is unpublished."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from itertools import groupby

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.views.decorators.http import require_safe

from recommendations import meanings
from recommendations.models import Recommendation
from reports import prerender, rows, tasks
from reports.exporters.appendix import AppendixExporter
from reports.pdf import documents
from reports.public import selectors
from reports.tables import AppendixTable
from reports.views.appendix import PROGRESS_REFRESH_SECONDS
from reports.views.common import download, stored_pdf_response
from reports.views.packs import _open_issued, _pack_filename


def public_page(
    view: Callable[..., HttpResponseBase] | None = None, *, max_age: int | None = None
) -> Callable[..., HttpResponseBase]:
    """Open to anyone (GET and HEAD), marked public and cacheable when it answers 200 (for
    ``max_age`` seconds, else ``PUBLIC_CACHE_SECONDS``), with an ETag of its content;
    ``PublicPagesMiddleware`` keeps cookies off it. A redirect (to a PDF's progress page)
    carries no cookie either, and is not stored."""
    if view is None:
        return lambda view: public_page(view, max_age=max_age)

    @login_not_required
    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code in (301, 302, 303, 307, 308):
            patch_cache_control(response, no_store=True)
            response.public_page = True
        if response.status_code != 200:
            return response
        seconds = settings.PUBLIC_CACHE_SECONDS if max_age is None else max_age
        patch_cache_control(response, public=True, max_age=seconds)
        response.public_page = True
        if not response.streaming:
            set_response_etag(response)
            conditional = get_conditional_response(
                request, etag=response["ETag"], response=response
            )
            conditional.public_page = True
            return conditional
        return response

    return wrapped


# A national tracker publishes thousands of reviews: the index shows them a page at a time.
REVIEWS_PER_PAGE = 50


def _committee(review):
    return review.committee


@public_page
def index(request: HttpRequest) -> HttpResponse:
    # get_page() turns a missing, junk or out-of-range ?page= into the nearest real page.
    page = Paginator(selectors.reviews_index(), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    authorities = [
        (authority, [(committee, list(items)) for committee, items in groupby(group, _committee)])
        for authority, group in groupby(page.object_list, key=lambda r: r.committee.authority)
    ]
    return render(request, "public/index.html", {"authorities": authorities, "page": page})


@public_page
def review(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.public_review(slug)
    return render(
        request,
        "public/review.html",
        {
            "page": page,
            "review": page.review,
            "statuses": meanings.STATUSES,
            "decisions": meanings.DECISIONS,
        },
    )


@public_page
def appendix(request: HttpRequest, slug: str) -> HttpResponse:
    item = selectors.public_appendix(selectors.published_review(slug))
    return render(
        request,
        "public/appendix.html",
        {"appendix": item, "review": item.review, "table": AppendixTable.for_appendix(item)},
    )


@public_page
def appendix_csv(request: HttpRequest, slug: str) -> HttpResponse:
    item = selectors.public_appendix(selectors.published_review(slug))
    filename, content_type, content = AppendixExporter(item).render("csv")
    return download(content, content_type, filename)


@public_page
def appendix_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The public appendix's own stored PDF (``prerender.public_appendix_document``, never
    the signed-in appendix's, which shows drafts), made by the worker after publishing and
    each change, served when it is what the public data shows; else made here (small) or by
    the worker now, with a progress page (large)."""
    review = selectors.published_review(slug)
    document = prerender.public_appendix_document(review.pk)

    def build() -> tuple[str, list[rows.Appendix]]:
        item = selectors.public_appendix(review)
        return documents.appendix_html(item), [item]

    return stored_pdf_response(
        document,
        build,
        f"{review.slug}-appendix.pdf",
        large=tasks.needs_background(Recommendation.objects.filter(review=review).count()),
        progress_url=reverse("public:appendix_pdf_progress", kwargs={"slug": review.slug}),
    )


@public_page(max_age=PROGRESS_REFRESH_SECONDS)
def appendix_pdf_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the worker's render of a large public appendix stands, refreshed every few
    seconds; the same for everyone, so a shared cache may keep it for one refresh. It starts
    nothing: the download starts a render (again, after a failure: "Try again" links there)."""
    review = selectors.published_review(slug)
    row = prerender.status(prerender.public_appendix_document(review.pk))
    download_url = reverse("public:appendix_pdf", kwargs={"slug": review.slug})
    response = render(
        request,
        "public/appendix_pdf_progress.html",
        {
            "review": review,
            "row": row,
            "download_url": download_url,
            "retry_url": download_url,
            "progress_url": reverse("public:appendix_pdf_progress", kwargs={"slug": review.slug}),
            "refresh_seconds": PROGRESS_REFRESH_SECONDS,
        },
    )
    if row is not None and row.is_active:
        response["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
    return response


@public_page
def meeting_pack(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The pack as issued to the committee, byte for byte, when all its papers are public."""
    issued = selectors.public_pack(pk)
    etag = f'"{issued.sha256}"'
    if (unchanged := get_conditional_response(request, etag=etag)) is not None:
        return unchanged
    stored = _open_issued(issued)
    if stored is None:
        raise Http404("The pack's file is not available.")
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=_pack_filename(issued.meeting),
        content_type="application/pdf",
    )
    response["ETag"] = etag
    return response
