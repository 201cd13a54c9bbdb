from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("", include("carepath.core.urls")),
    path("", include("carepath.people.urls")),
    path("", include("carepath.journey.urls")),
    path("", include("carepath.legal.urls")),
    path("", include("carepath.assurance.urls")),
    path("", include("carepath.timescales.urls")),
    path("api/v1/", include("carepath.journey.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "carepath.core.views.permission_denied"
handler404 = "carepath.core.views.page_not_found"
