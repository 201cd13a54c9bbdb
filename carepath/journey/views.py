"""Pages about one child. Every page reads the child through people.selectors.child_for_reading,
which checks access and logs the read; the child's status banner is on every page (F22)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.models import AccessBasis, AccessEvent, ChangeEvent
from carepath.core.permissions import Function
from carepath.people import services as people_services
from carepath.people.models import Child
from carepath.people.selectors import child_for_reading, children_visible_to

from . import models as m
from . import selectors, services
from .forms import CaseNoteForm, ChildDetailsForm, ContactDecisionForm, ContactSubmissionForm, VisitForm


def _child_page(request, child: Child, template: str, decision, **context):
    user = request.user
    # Recording and editing follow the same scope rules as reading, except that break-glass opens a
    # record for reading only; so the read decision already answers them without more queries.
    not_break_glass = decision.basis != AccessBasis.BREAK_GLASS
    context.update(
        child=child,
        access_basis=decision.basis,
        can_record=user.can(Function.RECORD_CASEWORK) and not_break_glass,
        can_edit=user.can(Function.EDIT_CHILD_DETAILS) and not_break_glass,
        can_see_access=user.can(Function.VIEW_RECORD_ACCESS),
    )
    return render(request, template, context)


@login_required
def child_summary(request, child_id):
    child, decision = child_for_reading(actor=request.user, public_id=child_id, what="Summary")
    episodes = selectors.open_episodes(child)
    recent = selectors.timeline_for(child)[:8]
    return _child_page(
        request,
        child,
        "journey/child_summary.html",
        decision,
        episodes=episodes,
        recent=recent,
        waiting_contact=child.contacts.filter(decision="").exists(),
        tab="summary",
    )


@login_required
def child_timeline(request, child_id):
    child, decision = child_for_reading(actor=request.user, public_id=child_id, what="Journey timeline")
    entries = selectors.timeline_for(child)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return _child_page(request, child, "journey/child_timeline.html", decision, entries=page, tab="journey")


@login_required
def child_people(request, child_id):
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what="People around the child"
    )
    relationships = child.relationships.select_related("person").order_by(
        "-has_parental_responsibility", "kind"
    )
    family = child.family.children.exclude(pk=child.pk) if child.family_id else Child.objects.none()
    # Only siblings whose own records the reader may open are named; the others are counted.
    siblings = family.filter(pk__in=children_visible_to(request.user).values("pk"))
    hidden_siblings = family.count() - siblings.count()
    professionals = child.professional_involvements.select_related("professional__agency").filter(
        ended_on__isnull=True
    )
    # Siblings are listed by name only; opening one is a separate, separately checked read.
    return _child_page(
        request,
        child,
        "journey/child_people.html",
        decision,
        relationships=relationships,
        siblings=siblings.only("public_id", "first_name", "last_name", "date_of_birth"),
        hidden_siblings=hidden_siblings,
        professionals=professionals,
        tab="people",
    )


@login_required
def child_allocations(request, child_id):
    child, decision = child_for_reading(actor=request.user, public_id=child_id, what="Allocation history")
    allocations = child.allocations.select_related("worker", "team").order_by("-started_on")
    worker_changes = max(0, allocations.filter(kind="social_worker").count() - 1)
    return _child_page(
        request,
        child,
        "journey/child_allocations.html",
        decision,
        allocations=allocations,
        worker_changes=worker_changes,
        tab="allocations",
    )


AUDIT_RECORD_TYPES = [
    f"assurance.{name}"
    for name in (
        "CaseAudit",
        "DomainGrade",
        "QuestionAnswer",
        "AuditAction",
        "AuditEscalation",
        "CalibrationFlag",
    )
]


@login_required
def child_record_access(request, child_id):
    if not request.user.can(Function.VIEW_RECORD_ACCESS):
        raise PermissionDenied("Your role does not allow you to see who has opened this record.")
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what="Who has seen or changed this record"
    )
    reads = Paginator(AccessEvent.objects.filter(child=child).order_by("-seq"), 50).get_page(
        request.GET.get("reads")
    )
    changes = ChangeEvent.objects.filter(child=child)
    from carepath.assurance.models import Moderation  # the assurance app builds on this one

    if Moderation.objects.filter(
        audit__child=child, moderator=request.user, status=Moderation.Status.ASSIGNED
    ).exists():
        # A moderator grades blind: the audit records' changes (grades, actions, escalation) would
        # tell them the first auditor's grade, so they are left out until they have graded.
        changes = changes.exclude(record_type__in=AUDIT_RECORD_TYPES)
    changes = Paginator(changes.order_by("-seq"), 50).get_page(request.GET.get("changes"))
    return _child_page(
        request,
        child,
        "journey/child_record_access.html",
        decision,
        reads=reads,
        changes=changes,
        tab="access",
    )


@login_required
def child_details_edit(request, child_id):
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what="Edit details", to_use_for=Function.EDIT_CHILD_DETAILS
    )
    form = ChildDetailsForm(request.POST or None, instance_child=child)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("version")
        try:
            people_services.child_details_update(
                actor=request.user, child=child, expected_version=expected, **data
            )
        except EditConflict as error:
            # Keep what they typed; show what the other person saved.
            conflict = error.record
            form.add_error(
                None,
                "Someone else changed these details while you were editing. Your changes have not "
                "been saved. Check their changes below, then save again to keep yours.",
            )
            form.data = form.data.copy()
            form.data["version"] = conflict.version
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The child's details have been saved.")
            return redirect("journey:child", child_id=child.public_id)
    return _child_page(
        request,
        child,
        "journey/child_details_edit.html",
        decision,
        form=form,
        conflict=conflict,
        tab="summary",
    )


def _record_form(request, child_id, what, form_class, create, template, success):
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what=what, to_use_for=Function.RECORD_CASEWORK
    )
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            create(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("journey:child-timeline", child_id=child.public_id)
    return _child_page(request, child, template, decision, form=form, tab="journey")


@login_required
def case_note_new(request, child_id):
    return _record_form(
        request,
        child_id,
        "Add a case note",
        CaseNoteForm,
        services.case_note_create,
        "journey/case_note_form.html",
        "The case note has been added.",
    )


@login_required
def visit_new(request, child_id):
    return _record_form(
        request,
        child_id,
        "Record a visit",
        VisitForm,
        services.visit_create,
        "journey/visit_form.html",
        "The visit has been recorded.",
    )


@login_required
def contact_new(request):
    """A partner agency tells the front door about a child."""
    if not request.user.can(Function.SUBMIT_CONTACT):
        raise PermissionDenied("Your role does not allow you to submit contacts.")
    form = ContactSubmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_submit(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Your contact has been sent to the front door. Your reference is {contact.reference}.",
            )
            return redirect("journey:contacts-mine")
    return render(request, "journey/contact_form.html", {"form": form})


@login_required
def contacts_mine(request):
    """The contacts this partner-agency user has made, with the front door's decision once made.
    Only what they told us and the decision: never the child's record."""
    if not request.user.can(Function.SUBMIT_CONTACT):
        raise PermissionDenied("Your role does not allow you to submit contacts.")
    contacts = Paginator(
        m.Contact.objects.filter(referrer_user=request.user).select_related("child").order_by("-received_at"),
        25,
    ).get_page(request.GET.get("page"))
    return render(request, "journey/contacts_mine.html", {"contacts": contacts})


@login_required
def front_door(request):
    """Contacts waiting for a decision, oldest first, for the children the user may see. Working
    Together expects a decision within one working day of a referral."""
    if not request.user.can(Function.RECORD_CASEWORK):
        raise PermissionDenied("Your role does not allow you to decide contacts.")
    waiting = (
        m.Contact.objects.filter(decision="", child__in=children_visible_to(request.user))
        .select_related("child", "referrer_user__partner_agency")
        .order_by("received_at")
    )
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    return render(request, "journey/front_door.html", {"contacts": page})


@login_required
def contact_decision(request, child_id):
    """Decide the oldest contact about this child that is waiting for a decision."""
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what="Decide a contact", to_use_for=Function.RECORD_CASEWORK
    )
    contact = child.contacts.filter(decision="").order_by("received_at").first()
    form = None
    if contact is not None:
        form = ContactDecisionForm(request.POST or None, initial={"version": contact.version})
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.contact_decide(
                    actor=request.user, contact=contact, expected_version=data.pop("version"), **data
                )
            except EditConflict:
                form.add_error(
                    None,
                    "Someone else decided or changed this contact while you were working on it. "
                    "Your decision has not been saved.",
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The contact has been decided: {contact.get_decision_display()}.")
                return redirect("journey:front-door")
    return _child_page(
        request, child, "journey/contact_decision.html", decision, contact=contact, form=form, tab="summary"
    )
