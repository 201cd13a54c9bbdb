from django.urls import path

from . import api

app_name = "api"
urlpatterns = [
    path("children/", api.ChildList.as_view(), name="child-list"),
    path("children/<uuid:child_id>/", api.ChildDetail.as_view(), name="child-detail"),
]
