"""Long lists in the legal pages: carepath.core.pages.paged."""

from carepath.core.pages import PER_PAGE, paged  # noqa: F401
