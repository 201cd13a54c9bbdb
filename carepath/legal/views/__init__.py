"""Pages for the legal pathway, one module per part; each module defines its own `urlpatterns`,
gathered by legal/urls.py."""
