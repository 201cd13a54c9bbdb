"""The assurance reports (F18): agreement between auditors and moderators, calibration against the
record (with the QA lead's review of each flag), and the learning report. Thin: the figures are in
selectors.reports, scoped to the children the reader may see; each count links to the audits
behind it (`?show=...#audits`), and a download that names children logs a read of each."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from carepath.core.models import Channel
from carepath.core.pages import saved
from carepath.core.permissions import Function

from .. import forms_moderation as forms
from ..models import AuditAction
from ..selectors import reports as selectors
from ..services.calibration import calibration_review

# The chart's bars: one per grade, best first. Each bar is labelled in words, so colour is never
# the only way to tell them apart.
BAR_COLOURS = ["#00703c", "#1d70b8", "#f47738", "#d4351c", "#505a5f", "#4c2c92"]


def _filters(request):
    form = forms.ReportFilterForm(request.GET or None, user=request.user)
    query = request.GET.copy()
    for name in ("show", "download", "page"):
        query.pop(name, None)
    return form, form.filters(), query.urlencode()


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (a name can begin with '=' or '-')."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{filename}-{timezone.localdate().isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


def _percent(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _kappa(value) -> str:
    return "" if value is None else f"{value:.2f}"


# ---------------------------------------------------------------------------------------------
# Agreement
# ---------------------------------------------------------------------------------------------


def _agreement_csv(user, report, download: str) -> HttpResponse:
    if download == "grades":
        pairs = report.pairs
        selectors.log_children_shown(
            user, [p.audit.child for p in pairs], "Agreement report (export)", Channel.EXPORT
        )
        teams = selectors.team_names(p.audit.team_then_id for p in pairs)
        return _csv(
            "moderated-grades",
            [
                "Child",
                "Case number",
                "Audit completed on",
                "Auditor",
                "Moderator",
                "Team",
                "Domain",
                "Auditor's grade",
                "Moderator's grade",
                "Comparison",
            ],
            (
                [
                    p.audit.child.full_name,
                    p.audit.child.case_number,
                    p.audit.completed_on.isoformat(),
                    p.audit.auditor,
                    p.audit.moderation.moderator,
                    teams.get(p.audit.team_then_id, "No team"),
                    p.domain_title,
                    p.audit.tool.grade_label(p.first),
                    p.audit.tool.grade_label(p.second),
                    selectors.difference_words(p.audit.tool, p.first, p.second),
                ]
                for p in pairs
            ),
        )
    groups = [
        ("Overall", [report.overall, report.overall_grades]),
        ("Auditor", report.by_auditor),
        ("Team", report.by_team),
        ("Domain", report.by_domain),
    ]
    return _csv(
        "moderation-agreement",
        [
            "By",
            "Group",
            "Audits",
            "Grade pairs",
            "Same grade",
            "Percentage agreement",
            "Weighted kappa (quadratic)",
            "Why no kappa",
            "Auditor graded higher",
        ],
        (
            [
                by,
                row.label,
                row.audits,
                row.result.pairs,
                row.result.agreed,
                _percent(row.result.percentage),
                _kappa(row.result.kappa),
                row.result.kappa_note,
                row.auditor_higher,
            ]
            for by, rows in groups
            for row in rows
        ),
    )


@login_required
def report_agreement(request):
    user = request.user
    selectors.require_view_assurance(user)
    form, filters, query = _filters(request)
    download = request.GET.get("download")
    if download in ("summary", "grades"):
        # A download logs its own reads (through the export channel), for the children it names.
        return _agreement_csv(user, selectors.agreement_report(user, filters, what=None), download)
    report = selectors.agreement_report(user, filters, show=request.GET.get("show"))
    return render(
        request,
        "assurance/reports/agreement.html",
        {
            "form": form,
            "report": report,
            "overall_rows": [report.overall, report.overall_grades],
            "query": query,
            "show": request.GET.get("show", ""),
        },
    )


# ---------------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------------


@login_required
def report_calibration(request):
    user = request.user
    selectors.require_view_assurance(user)
    form, filters, query = _filters(request)
    report = selectors.calibration_report(user, filters, show=request.GET.get("show"))
    return render(
        request,
        "assurance/reports/calibration.html",
        {
            "form": form,
            "report": report,
            "query": query,
            "show": request.GET.get("show", ""),
            "can_review": user.can(Function.MANAGE_AUDITS),
        },
    )


@login_required
def calibration_flag(request, pk):
    user = request.user
    row = selectors.calibration_flag_for(user, pk)
    flag = row.flag
    can_review = user.can(Function.MANAGE_AUDITS) and not flag.outcome
    form = (
        forms.CalibrationReviewForm(request.POST or None, initial={"version": flag.version})
        if can_review
        else None
    )
    if (
        form is not None
        and request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: calibration_review(
                actor=user,
                flag=flag,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(
            request, f"Your review of the flag on {flag.audit.child.full_name}'s audit is saved."
        )
        return redirect("assurance:report-calibration")
    return render(
        request,
        "assurance/reports/calibration_flag.html",
        {"row": row, "flag": flag, "audit": row.audit, "child": row.audit.child, "form": form},
    )


# ---------------------------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------------------------


def grade_chart(report) -> dict:
    """Geometry for the bar chart of grades by domain: for each domain a heading, then one bar per
    grade with its name and number written beside it."""
    width, label_width, bar_space = 640, 190, 380
    most = max((n for d in report.domains for _code, n, _show in d.counts), default=0) or 1
    labels = dict(report.grades)
    colours = {code: BAR_COLOURS[i % len(BAR_COLOURS)] for i, (code, _label) in enumerate(report.grades)}
    y, groups = 0, []
    for domain in report.domains:
        y += 22
        heading_y = y
        bars = []
        for code, number, _show in domain.counts:
            y += 20
            bar_width = round(bar_space * number / most)
            bars.append(
                {
                    "label": labels.get(code, code),
                    "value": number,
                    "y": y - 13,
                    "y_text": y,
                    "width": bar_width,
                    "x_value": label_width + bar_width + 6,
                    "colour": colours[code],
                }
            )
        y += 6
        groups.append({"title": domain.title, "y": heading_y, "bars": bars})
    return {"width": width, "height": max(y + 6, 40), "label_width": label_width, "groups": groups}


def _learning_csv(user, report, download: str) -> HttpResponse:
    today = timezone.localdate()
    if download == "actions":
        actions = AuditAction.objects.filter(audit__in=report.all_audits).select_related(
            "child", "owner", "domain"
        )
        actions = list(actions.order_by("due_on", "pk"))
        selectors.log_children_shown(
            user, [a.child for a in actions], "Learning report (export)", Channel.EXPORT
        )
        return _csv(
            "audit-actions",
            ["Child", "Case number", "Domain", "Action", "Owner", "Set on", "Due", "Done on", "On time?"],
            (
                [
                    a.child.full_name,
                    a.child.case_number,
                    a.domain.title if a.domain else "",
                    a.action,
                    a.owner,
                    a.set_on.isoformat(),
                    a.due_on.isoformat(),
                    a.done_on.isoformat() if a.done_on else "",
                    selectors.ACTION_LISTS[selectors.action_state(a, today)],
                ]
                for a in actions
            ),
        )
    if download == "repeats":
        rows = []
        for r in report.repeats_for_children:
            rows += [
                [
                    "Same child",
                    r.child.full_name,
                    r.child.case_number,
                    "",
                    r.domain,
                    a.completed_on.isoformat(),
                    a.tool.grade_label(a.overall_grade),
                ]
                for a in r.audits
            ]
        for r in report.repeats_for_teams:
            rows += [
                [
                    f"Same team, {r.earlier.name} then {r.later.name}",
                    a.child.full_name,
                    a.child.case_number,
                    r.team or "No team",
                    r.domain,
                    a.completed_on.isoformat(),
                    a.tool.grade_label(a.overall_grade),
                ]
                for a in r.audits
            ]
        children = [a.child for r in report.repeats_for_children for a in r.audits]
        children += [a.child for r in report.repeats_for_teams for a in r.audits]
        selectors.log_children_shown(user, children, "Learning report (export)", Channel.EXPORT)
        return _csv(
            "repeat-findings",
            [
                "Repeat",
                "Child",
                "Case number",
                "Team",
                "Domain graded below good",
                "Audit completed on",
                "Overall grade",
            ],
            rows,
        )
    labels = dict(report.grades)
    return _csv(
        "grades-by-domain",
        ["Domain", *[labels[code] for code, _label in report.grades], "Audits graded", "Below good"],
        ([d.title, *[n for _code, n, _show in d.counts], d.total, d.below_good] for d in report.domains),
    )


@login_required
def report_learning(request):
    user = request.user
    selectors.require_view_assurance(user)
    form, filters, query = _filters(request)
    download = request.GET.get("download")
    if download in ("grades", "actions", "repeats"):
        # A download logs its own reads (through the export channel), for the children it names.
        return _learning_csv(user, selectors.learning_report(user, filters, what=None), download)
    report = selectors.learning_report(user, filters, show=request.GET.get("show"))
    return render(
        request,
        "assurance/reports/learning.html",
        {
            "form": form,
            "report": report,
            "query": query,
            "show": request.GET.get("show", ""),
            "chart": grade_chart(report),
            "grade_labels": dict(report.grades),
            "action_lists": selectors.ACTION_LISTS,
        },
    )


urlpatterns = [
    path("assurance/reports/agreement/", report_agreement, name="report-agreement"),
    path("assurance/reports/calibration/", report_calibration, name="report-calibration"),
    path("assurance/reports/calibration/flags/<int:pk>/", calibration_flag, name="calibration-flag"),
    path("assurance/reports/learning/", report_learning, name="report-learning"),
]
