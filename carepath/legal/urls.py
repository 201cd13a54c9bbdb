from django.urls import path

from .views import (
    child,
    gateway,
    home,
    letters,
    permanence,
    plans,
    police_protection,
    pre_proceedings,
    proceedings,
    section20,
)

app_name = "legal"
# Each part of the pathway keeps its own routes next to its views. Children are addressed by their
# opaque identifier, legal cases by their database id (which carries no personal data).
urlpatterns = [
    path("legal/", home.legal_home, name="home"),
    path("children/<uuid:child_id>/legal/", child.child_legal, name="child-legal"),
    *gateway.urlpatterns,
    *plans.urlpatterns,
    *pre_proceedings.urlpatterns,
    *letters.urlpatterns,
    *proceedings.urlpatterns,
    *section20.urlpatterns,
    *police_protection.urlpatterns,
    *permanence.urlpatterns,
]
