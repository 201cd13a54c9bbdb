from django.urls import path

from carepath.assurance import api as assurance_api
from carepath.timescales import api as timescales_api

from . import api

app_name = "api"

# The records about one child, each at children/<child's UUID>/<segment>/. Built from this table so
# that every URL about a child carries only its opaque identifier, never a name or number.
PER_CHILD = [
    ("contacts", api.Contacts, "child-contacts"),
    ("referrals", api.Referrals, "child-referrals"),
    ("assessments", api.Assessments, "child-assessments"),
    ("strategy-discussions", api.StrategyDiscussions, "child-strategy-discussions"),
    ("section-47-enquiries", api.Section47Enquiries, "child-section-47-enquiries"),
    ("conferences", api.Conferences, "child-conferences"),
    ("child-protection-plans", api.ChildProtectionPlans, "child-cp-plans"),
    ("child-in-need-plans", api.ChildInNeedPlans, "child-cin-plans"),
    ("core-groups", api.CoreGroups, "child-core-groups"),
    ("written-agreements", api.WrittenAgreements, "child-written-agreements"),
    ("visits", api.Visits, "child-visits"),
    ("case-notes", api.CaseNotes, "child-case-notes"),
    ("early-help", api.EarlyHelp, "child-early-help"),
    ("looked-after-episodes", api.LookedAfterEpisodes, "child-looked-after-episodes"),
    ("looked-after-reviews", api.LookedAfterReviews, "child-looked-after-reviews"),
    ("missing-episodes", api.MissingEpisodes, "child-missing-episodes"),
    ("allocations", api.Allocations, "child-allocations"),
    ("relationships", api.Relationships, "child-relationships"),
    ("professionals", api.Professionals, "child-professionals"),
    ("timeline", api.Timeline, "child-timeline"),
    ("timescales", timescales_api.ChildDeadlines, "child-timescales"),
    ("audits", assurance_api.ChildAudits, "child-audits"),
    ("case-directions", assurance_api.ChildCaseDirections, "child-case-directions"),
]

urlpatterns = [
    path("children/", api.ChildList.as_view(), name="child-list"),
    path("my-work/", timescales_api.MyWork.as_view(), name="my-work"),
    path("audits/", assurance_api.AuditList.as_view(), name="audit-list"),
    path("moderations/", assurance_api.ModerationList.as_view(), name="moderation-list"),
    path(
        "supervision-sessions/",
        assurance_api.SupervisionSessionList.as_view(),
        name="supervision-session-list",
    ),
    path("children/<uuid:child_id>/", api.ChildDetail.as_view(), name="child-detail"),
    *(
        path(f"children/<uuid:child_id>/{segment}/", view.as_view(), name=name)
        for segment, view, name in PER_CHILD
    ),
]
