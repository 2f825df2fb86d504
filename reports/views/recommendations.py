"""The cross-review table of recommendations, filtered, sorted and paginated, and its CSV and
XLSX downloads."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from recommendations import access
from reports import exports, selectors
from reports.filters import RecommendationFilter
from reports.tables import IdsFirstQuerysetData, RecommendationTable
from reports.views.common import EXPORT, VIEW, download


class RecommendationListView(SingleTableMixin, FilterView):
    """Every recommendation across reviews. ``?_export=csv|xlsx`` downloads the filtered rows
    (all pages) through our own writers, which neutralise spreadsheet formulas."""

    table_class = RecommendationTable
    filterset_class = RecommendationFilter
    template_name = "reports/recommendation_list.html"
    export_formats = ("csv", "xlsx")

    extra_context = {"nav": "recommendations"}

    def get_queryset(self):
        return selectors.recommendation_list()

    def get_table_data(self):
        return IdsFirstQuerysetData(super().get_table_data())

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        access.require(request, VIEW)
        export = request.GET.get("_export")
        if export is None:
            return super().get(request, *args, **kwargs)
        access.require(request, EXPORT)
        if export not in self.export_formats:
            return HttpResponse("Unknown export format.", status=400)
        filterset = self.get_filterset(self.get_filterset_class())
        queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        table = self.table_class(queryset)
        table.order_by = request.GET.get("sort")
        rows = table.as_values()
        if export == "csv":
            return download(exports.to_csv(rows), exports.CSV_CONTENT_TYPE, "recommendations.csv")
        content = exports.to_xlsx(rows, title="Recommendations")
        return download(content, exports.XLSX_CONTENT_TYPE, "recommendations.xlsx")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("_export", None)
        context["query_string"] = query.urlencode()
        context["can_export"] = self.request.user.has_perm(EXPORT)
        return context
