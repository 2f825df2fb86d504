"""The cross-review table of recommendations, filtered, sorted and paginated, and its CSV and
XLSX downloads."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from recommendations import access
from reports import selectors
from reports.exporters.recommendations import RecommendationListExporter
from reports.filters import (
    LIST_COUNT_LIMIT,
    SEARCH_COUNT_LIMIT,
    SEARCH_TOO_COMPLEX,
    RecommendationFilter,
    is_too_complex,
)
from reports.tables import IdsFirstQuerysetData, RecommendationTable
from reports.views.common import EXPORT, VIEW, download


class RecommendationListView(SingleTableMixin, FilterView):
    """Every recommendation across reviews. ``?_export=csv|xlsx`` downloads the filtered rows
    (all pages) through ``RecommendationListExporter``, whose writers neutralise spreadsheet
    formulas."""

    table_class = RecommendationTable
    filterset_class = RecommendationFilter
    template_name = "reports/recommendation_list.html"
    extra_context = {"nav": "recommendations"}

    def get_queryset(self):
        return selectors.recommendation_list()

    def get_table_data(self):
        data = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        if not (data.get("q") or "").strip():
            return IdsFirstQuerysetData(super().get_table_data(), list_limit=LIST_COUNT_LIMIT)
        # A search's pages are cut from its first matches; their rows read unfiltered. Those
        # added last, for a search alone; the first found, for one filtered further.
        self.newest = not any(value for name, value in data.items() if name != "q")
        return IdsFirstQuerysetData(
            super().get_table_data(),
            count_limit=SEARCH_COUNT_LIMIT,
            rows=self.get_queryset(),
            newest=self.newest,
        )

    search_too_complex = False

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        if self.search_too_complex and filterset.form.is_valid():
            # Shown beside the search box; an invalid form lists nothing (FilterView's strict).
            filterset.form.add_error("q", SEARCH_TOO_COMPLEX)
        return filterset

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        access.require(request, VIEW)
        export = request.GET.get("_export")
        if export is None:
            # Rendered here, so that a search SQLite finds too complex is caught while the
            # form can still say so (rather than the 503 "database unavailable" page).
            try:
                return super().get(request, *args, **kwargs).render()
            except OperationalError as error:
                if not is_too_complex(error):
                    raise
            self.search_too_complex = True
            return super().get(request, *args, **kwargs).render()
        access.require(request, EXPORT)
        if export not in RecommendationListExporter.formats():
            return HttpResponse("Unknown export format.", status=400)
        filterset = self.get_filterset(self.get_filterset_class())
        queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        table = self.table_class(queryset)
        table.order_by = request.GET.get("sort")
        try:
            filename, content_type, content = RecommendationListExporter(table).render(export)
        except OperationalError as error:
            if not is_too_complex(error):
                raise
            return HttpResponse(SEARCH_TOO_COMPLEX, status=400, content_type="text/plain")
        return download(content, content_type, filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("_export", None)
        context["query_string"] = query.urlencode()
        context["can_export"] = self.request.user.has_perm(EXPORT)
        data = context["table"].data
        context["more_than"] = data.more and f"{data.limit:,}"
        context["searched"] = data.count_limit is not None
        context["newest"] = getattr(self, "newest", False)
        return context
