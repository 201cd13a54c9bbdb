from .views import audits, child, home, moderation, reports, supervision

app_name = "assurance"
# Each part keeps its own routes next to its views. Children are addressed by their opaque
# identifier; audits, sessions and programmes by their database id (which carries no personal data).
urlpatterns = [
    *home.urlpatterns,
    *audits.urlpatterns,
    *moderation.urlpatterns,
    *reports.urlpatterns,
    *supervision.urlpatterns,
    *child.urlpatterns,
]
