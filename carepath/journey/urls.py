from django.urls import path

from . import views

app_name = "journey"
# Every URL about one child carries only the child's opaque identifier, never a name or number.
urlpatterns = [
    path("front-door/contacts/new/", views.contact_new, name="contact-new"),
    path("front-door/contacts/", views.contacts_mine, name="contacts-mine"),
    path("front-door/", views.front_door, name="front-door"),
    path("children/<uuid:child_id>/contact-decision/", views.contact_decision, name="contact-decision"),
    path("children/<uuid:child_id>/", views.child_summary, name="child"),
    path("children/<uuid:child_id>/journey/", views.child_timeline, name="child-timeline"),
    path("children/<uuid:child_id>/people/", views.child_people, name="child-people"),
    path("children/<uuid:child_id>/allocations/", views.child_allocations, name="child-allocations"),
    path("children/<uuid:child_id>/record-access/", views.child_record_access, name="child-record-access"),
    path("children/<uuid:child_id>/details/edit/", views.child_details_edit, name="child-details-edit"),
    path("children/<uuid:child_id>/case-notes/new/", views.case_note_new, name="case-note-new"),
    path("children/<uuid:child_id>/visits/new/", views.visit_new, name="visit-new"),
]
