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
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.views.decorators.http import require_safe

from recommendations import meanings
from reports.exporters.appendix import AppendixExporter
from reports.pdf import documents
from reports.public import selectors
from reports.tables import AppendixTable
from reports.views.common import download, pdf_response
from reports.views.packs import _open_issued, _pack_filename


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Open to anyone (GET and HEAD), marked public and cacheable when it answers 200, with
    an ETag of its content; ``PublicPagesMiddleware`` keeps cookies off it."""

    @login_not_required
    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
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
    """Rendered from the public appendix's own HTML and cached by it (never the signed-in
    appendix's stored PDF, which shows the latest updates, drafts included)."""
    item = selectors.public_appendix(selectors.published_review(slug))
    return pdf_response(documents.appendix_html(item), f"{item.review.slug}-appendix.pdf", [item])


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
