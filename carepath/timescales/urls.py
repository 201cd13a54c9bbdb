from django.urls import path

from . import views

app_name = "timescales"
urlpatterns = [
    path("work/", views.my_work, name="my-work"),
    path("work/team/<int:team_id>/", views.team_work, name="team-work"),
    path("work/acknowledge/", views.acknowledge, name="acknowledge"),
    path("work/items/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("work/items/<int:pk>/reason/", views.late_reason, name="late-reason"),
    path("work/escalations/", views.escalations, name="escalations"),
    # A child is addressed only by the opaque identifier, as on every other page about a child.
    path("children/<uuid:child_id>/timescales/", views.child_timescales, name="child"),
    path("timescales/rules/", views.rules, name="rules"),
    path("timescales/rules/<str:rule_id>/", views.rule_detail, name="rule"),
    path("timescales/rules/<str:rule_id>/change/", views.rule_change, name="rule-change"),
    path("timescales/calendar/", views.calendar, name="calendar"),
]
