from django.urls import path

from . import api

app_name = "api"
# Every URL about one child carries only the child's opaque identifier, never a name or number.
urlpatterns = [
    path("children/", api.ChildList.as_view(), name="child-list"),
    path("children/<uuid:child_id>/", api.ChildDetail.as_view(), name="child-detail"),
    path("children/<uuid:child_id>/contacts/", api.Contacts.as_view(), name="child-contacts"),
    path("children/<uuid:child_id>/referrals/", api.Referrals.as_view(), name="child-referrals"),
    path("children/<uuid:child_id>/assessments/", api.Assessments.as_view(), name="child-assessments"),
    path(
        "children/<uuid:child_id>/strategy-discussions/",
        api.StrategyDiscussions.as_view(),
        name="child-strategy-discussions",
    ),
    path(
        "children/<uuid:child_id>/section-47-enquiries/",
        api.Section47Enquiries.as_view(),
        name="child-section-47-enquiries",
    ),
    path("children/<uuid:child_id>/conferences/", api.Conferences.as_view(), name="child-conferences"),
    path(
        "children/<uuid:child_id>/child-protection-plans/",
        api.ChildProtectionPlans.as_view(),
        name="child-cp-plans",
    ),
    path(
        "children/<uuid:child_id>/child-in-need-plans/",
        api.ChildInNeedPlans.as_view(),
        name="child-cin-plans",
    ),
    path("children/<uuid:child_id>/core-groups/", api.CoreGroups.as_view(), name="child-core-groups"),
    path(
        "children/<uuid:child_id>/written-agreements/",
        api.WrittenAgreements.as_view(),
        name="child-written-agreements",
    ),
    path("children/<uuid:child_id>/visits/", api.Visits.as_view(), name="child-visits"),
    path("children/<uuid:child_id>/case-notes/", api.CaseNotes.as_view(), name="child-case-notes"),
    path("children/<uuid:child_id>/early-help/", api.EarlyHelp.as_view(), name="child-early-help"),
    path(
        "children/<uuid:child_id>/looked-after-episodes/",
        api.LookedAfterEpisodes.as_view(),
        name="child-looked-after-episodes",
    ),
    path(
        "children/<uuid:child_id>/looked-after-reviews/",
        api.LookedAfterReviews.as_view(),
        name="child-looked-after-reviews",
    ),
    path(
        "children/<uuid:child_id>/missing-episodes/",
        api.MissingEpisodes.as_view(),
        name="child-missing-episodes",
    ),
    path("children/<uuid:child_id>/allocations/", api.Allocations.as_view(), name="child-allocations"),
    path("children/<uuid:child_id>/relationships/", api.Relationships.as_view(), name="child-relationships"),
    path("children/<uuid:child_id>/professionals/", api.Professionals.as_view(), name="child-professionals"),
    path("children/<uuid:child_id>/timeline/", api.Timeline.as_view(), name="child-timeline"),
]
