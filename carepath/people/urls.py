from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("children/", views.child_search, name="child-search"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("teams/<int:team_id>/workers/<int:worker_id>/", views.worker_caseload, name="worker-caseload"),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("children/<uuid:child_id>/break-glass/", views.break_glass, name="break-glass"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:user_id>/", views.account_edit, name="account"),
    path("break-glass-report/", views.break_glass_report, name="break-glass-report"),
]
