"""Long lists in pages: an authority-wide reader (a director, the panel, a solicitor) sees hundreds
of rows, and rendering them all made the lists slow for everyone else (benchmarks/pages.py)."""

from django.core.paginator import Page, Paginator

PER_PAGE = 50


def paged(request, rows, *, param: str = "page", per_page: int | None = None) -> tuple[Page, str]:
    """The page of `rows` the request asks for, and the request's query without the page number
    (for the links to the other pages)."""
    query = request.GET.copy()
    query.pop(param, None)
    return Paginator(rows, per_page or PER_PAGE).get_page(request.GET.get(param)), query.urlencode()
