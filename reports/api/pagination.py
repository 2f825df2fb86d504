from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``: 25 a page unless asked, at most 100 (a larger size is
    taken as 100). A page beyond the last is a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
