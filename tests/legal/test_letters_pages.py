"""Letters before proceedings, the pages: the letters of a pre-proceedings, a letter with its
checklist, editing without JavaScript, sending, downloads (each logged), and the templates page."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from docx import Document

from carepath.core.models import AccessEvent
from carepath.legal import models as lm
from carepath.legal.letters.rendering import default_docx, default_html
from tests import factories as f
from tests.legal import factories as lf
from tests.legal.test_letters_helpers import NOW, TODAY, family, letter_to, ready_letter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def reads(what: str) -> list[tuple[int, int]]:
    return sorted(AccessEvent.objects.filter(what=what).values_list("actor_id", "child_id"))


def edit_data(letter, **overrides) -> dict:
    data = {
        "version": letter.version,
        "concerns": "Amy often comes to school hungry.",
        "history": "Amy has had a child protection plan since June.",
        "consequences": "We may ask the family court to decide where Amy lives.",
        "meeting_at_0": "17",
        "meeting_at_1": "3",
        "meeting_at_2": "2026",
        "meeting_at_3": "10",
        "meeting_at_4": "30",
        "meeting_place": "Northshire House",
        "fgdm_offer": "We would like to offer you a family group meeting.",
        "contact_name": "Jo Smith",
        "contact_phone": "01632 960 000",
        "language": "",
        "separate_letter_reason": "",
        "changes-TOTAL_FORMS": "3",
        "changes-INITIAL_FORMS": "0",
        "changes-0-who": "You",
        "changes-0-what": "Make sure Amy goes to school every day",
        "changes-0-by_when_0": "14",
        "changes-0-by_when_1": "4",
        "changes-0-by_when_2": "2026",
        "support-TOTAL_FORMS": "3",
        "support-INITIAL_FORMS": "0",
        "support-0-what": "A parenting assessment",
        "support-0-is_assessment": "on",
        "support-0-why": "To find out what help you need.",
        "support-0-who": "An independent social worker",
        "support-0-starts_on_0": "17",
        "support-0-starts_on_1": "3",
        "support-0-starts_on_2": "2026",
        "support-0-how_long": "8 weeks",
    }
    data.update(overrides)
    return data


# -- the letters of a pre-proceedings ---------------------------------------------------------------


def test_drafting_letters_from_the_list_page(client):
    fam = family()
    client.force_login(fam.worker)
    url = reverse("legal:pre-proceedings-letters", args=[fam.pp.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Draft letters" in html and "There are no letters yet" in html
    assert str(fam.mother) in html and str(fam.father) in html  # listed as having no letter
    assert reads("Letters before proceedings") == sorted((fam.worker.pk, c.pk) for c in fam.children)

    response = client.post(reverse("legal:letters-draft", args=[fam.pp.pk]), follow=True)
    assert response.redirect_chain[-1][0] == url
    assert lm.LetterBeforeProceedings.objects.filter(pre_proceedings=fam.pp).count() == 2
    html = response.content.decode()
    assert "Draft letters written to" in html
    assert 'action="/legal/pre-proceedings/' not in html  # everyone has a letter: no button


def test_the_list_names_only_what_the_user_may_see():
    first, second = f.UserFactory(), f.UserFactory()
    children = lf.family_of(1, worker=first) + lf.family_of(1, worker=second)
    children[1].first_name = "Quillon"  # a name nothing else on the page can contain
    children[1].save(update_fields=["first_name"])
    both = lf.parent_of(children)
    only_second = lf.parent_of(children[1:], kind="father")
    only_first = lf.parent_of(children[:1], kind="father")
    pp = lf.pre_proceedings(lf.legal_case(children), started_on=TODAY - timedelta(days=7))
    for person in (both, only_second, only_first):
        lm.LetterBeforeProceedings.objects.create(pre_proceedings=pp, recipient=person)
    client = Client()
    client.force_login(first)
    html = client.get(reverse("legal:pre-proceedings-letters", args=[pp.pk])).content.decode()
    assert str(only_first) in html
    assert str(both) not in html and str(only_second) not in html  # their letters name the other child
    assert escape(children[1].first_name) not in html
    assert "1 other child you cannot see" in html
    assert "2 other letters about children you cannot see" in html
    assert "Draft letters" not in html  # drafting needs every child of the case
    assert reads("Letters before proceedings") == [(first.pk, children[0].pk)]
    # The letter about the child they can see downloads, and only that child's record is logged.
    letter = lm.LetterBeforeProceedings.objects.get(recipient=only_first)
    assert client.get(reverse("legal:letter-docx", args=[letter.pk])).status_code == 200
    assert reads("Letter before proceedings (DOCX)") == [(first.pk, children[0].pk)]


def test_a_user_who_can_see_none_of_the_children_is_refused(client):
    fam = family()
    client.force_login(f.UserFactory())
    assert client.get(reverse("legal:pre-proceedings-letters", args=[fam.pp.pk])).status_code == 403
    assert client.post(reverse("legal:letters-draft", args=[fam.pp.pk])).status_code == 403
    assert not lm.LetterBeforeProceedings.objects.exists()
    assert not AccessEvent.objects.exists()


# -- a letter -----------------------------------------------------------------------------------------


def test_the_letter_page_shows_what_is_missing_and_the_reading_ease(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.manager)
    html = client.get(reverse("legal:letter", args=[letter.pk])).content.decode()
    assert "The letter cannot be sent yet" in html
    assert "The letter does not say what must change." in html
    assert "The letter does not invite the parent to a meeting" in html
    assert "There is no active solicitor" in html
    assert "for reading ease (Flesch)" in html
    assert reverse("legal:letter-edit", args=[letter.pk]) in html
    assert reverse("legal:letter-docx", args=[letter.pk]) in html
    assert reverse("legal:letter-pdf", args=[letter.pk]) in html
    assert "Record as sent" not in html  # nothing to send until the letter is complete
    assert reads("Letter before proceedings") == sorted((fam.manager.pk, c.pk) for c in fam.children)


def test_editing_without_javascript_saves_rows_and_ignores_blank_ones(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.worker)
    url = reverse("legal:letter-edit", args=[letter.pk])
    form = client.get(url).content.decode()
    assert 'name="changes-2-who"' in form and 'name="changes-3-who"' not in form  # 3 blank rows
    response = client.post(url, edit_data(letter))
    assert response.status_code == 302 and response["Location"] == reverse("legal:letter", args=[letter.pk])
    letter.refresh_from_db()
    assert letter.version == 2 and letter.meeting_place == "Northshire House"
    assert [(c.who, c.by_when) for c in letter.changes.all()] == [("You", TODAY + timedelta(days=42))]
    assert [(s.is_assessment, s.why) for s in letter.support.all()] == [
        (True, "To find out what help you need.")
    ]
    # The saved row comes back, with three more blank rows.
    again = client.get(url).content.decode()
    assert "Make sure Amy goes to school every day" in again and 'name="changes-3-who"' in again
    assert 'name="changes-0-by_when_0" type="text" inputmode="numeric" value="14"' in again


def test_a_refused_edit_keeps_what_was_typed(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.worker)
    data = edit_data(
        letter,
        **{"changes-1-who": "You and Alex", "changes-1-what": "", "concerns": "Typed words to keep"},
    )
    data["changes-0-by_when_0"], data["changes-0-by_when_1"] = "1", "1"  # 1 January 2026: in the past
    response = client.post(reverse("legal:letter-edit", args=[letter.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Say what must change" in html and "Enter the date it must be done by" in html
    assert "Typed words to keep" in html and "You and Alex" in html
    letter.refresh_from_db()
    assert letter.version == 1 and not letter.changes.exists()


def test_a_past_deadline_is_refused_by_the_service_and_shown(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.worker)
    data = edit_data(letter)
    data["changes-0-by_when_0"], data["changes-0-by_when_1"] = "1", "1"
    html = client.post(reverse("legal:letter-edit", args=[letter.pk]), data).content.decode()
    assert "Change 1: the date it must be done by must be after today (3 March 2026)." in html


def test_a_concurrent_edit_is_refused_with_a_message(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.worker)
    url = reverse("legal:letter-edit", args=[letter.pk])
    client.post(url, edit_data(letter))  # saved: version 2
    html = client.post(url, edit_data(letter, concerns="My late change")).content.decode()  # still version 1
    assert "Someone else changed this letter while you were editing it" in html
    assert "My late change" in html
    assert 'name="version" value="2"' in html
    letter.refresh_from_db()
    assert letter.concerns == "Amy often comes to school hungry."


def test_sending_from_the_letter_page(client):
    fam = family()
    letter = ready_letter(fam)
    client.force_login(fam.manager)
    page = client.get(reverse("legal:letter", args=[letter.pk])).content.decode()
    assert "The letter has everything it must contain." in page and "Record as sent" in page
    response = client.post(
        reverse("legal:letter-send", args=[letter.pk]),
        {"version": letter.version, "sent_on_0": "2", "sent_on_1": "3", "sent_on_2": "2026"},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (
        letter.status == "sent"
        and letter.sent_by == fam.manager
        and letter.sent_on == TODAY - timedelta(days=1)
    )
    # A sent letter is read-only: the edit page sends people back.
    client.force_login(fam.worker)
    edit = client.get(reverse("legal:letter-edit", args=[letter.pk]), follow=True)
    assert "cannot be changed" in edit.content.decode()
    assert "Write a new letter from this one" in edit.content.decode()


def test_sending_an_incomplete_letter_from_the_page_is_refused(client):
    fam = family()
    letter = letter_to(fam)
    client.force_login(fam.manager)
    response = client.post(
        reverse("legal:letter-send", args=[letter.pk]),
        {"version": letter.version, "sent_on_0": "3", "sent_on_1": "3", "sent_on_2": "2026"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "The letter cannot be sent yet." in html
    letter.refresh_from_db()
    assert letter.status == "draft"


def test_a_social_worker_cannot_send(client):
    fam = family()
    letter = ready_letter(fam)
    client.force_login(fam.worker)
    assert "Record as sent" not in client.get(reverse("legal:letter", args=[letter.pk])).content.decode()
    response = client.post(
        reverse("legal:letter-send", args=[letter.pk]),
        {"version": letter.version, "sent_on_0": "3", "sent_on_1": "3", "sent_on_2": "2026"},
    )
    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.status == "draft"


# -- downloads -----------------------------------------------------------------------------------------


def test_the_word_download_has_the_letter_and_logs_a_read_per_child(client):
    fam = family()
    letter = ready_letter(fam)
    client.force_login(fam.worker)
    response = client.get(reverse("legal:letter-docx", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="letter-before-proceedings-{letter.pk}.docx"'
    )
    document = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Amy often comes to school hungry" in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows][1:]
    assert rows == [
        ["You", "make sure Amy goes to school every day", "14 April 2026"],
        ["You and Alex", "stop fighting at home", "24 March 2026"],
    ]
    assert "Example & Co Solicitors" in text
    assert reads("Letter before proceedings (DOCX)") == sorted((fam.worker.pk, c.pk) for c in fam.children)


def test_the_pdf_download_logs_a_read_per_child(client):
    fam = family()
    letter = ready_letter(fam)
    client.force_login(fam.manager)
    response = client.get(reverse("legal:letter-pdf", args=[letter.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert reads("Letter before proceedings (PDF)") == sorted((fam.manager.pk, c.pk) for c in fam.children)


def test_out_of_scope_users_are_refused_everything_and_nothing_is_logged(client):
    fam = family()
    letter = ready_letter(fam)
    before = AccessEvent.objects.count()
    for user in (
        f.UserFactory(),
        f.UserFactory(role="team_manager"),
        f.UserFactory(role="system_administrator"),
    ):
        client.force_login(user)
        for name in ("legal:letter", "legal:letter-docx", "legal:letter-pdf", "legal:letter-edit"):
            assert client.get(reverse(name, args=[letter.pk])).status_code == 403, (user.role, name)
        assert client.post(reverse("legal:letter-redraft", args=[letter.pk])).status_code == 403
    assert AccessEvent.objects.count() == before


def test_a_letter_naming_a_child_the_user_cannot_see_is_refused(client):
    first, second = f.UserFactory(), f.UserFactory()
    children = lf.family_of(1, worker=first) + lf.family_of(1, worker=second)
    mother = lf.parent_of(children)
    pp = lf.pre_proceedings(lf.legal_case(children), started_on=TODAY - timedelta(days=7))
    letter = lm.LetterBeforeProceedings.objects.create(pre_proceedings=pp, recipient=mother)
    client.force_login(first)
    assert client.get(reverse("legal:letter-docx", args=[letter.pk])).status_code == 403
    assert not AccessEvent.objects.filter(what__startswith="Letter before proceedings").exists()


# -- templates and solicitors ------------------------------------------------------------------------------


def word_template(marker: str, *extra: str) -> bytes:
    document = Document(BytesIO(default_docx()))
    document.paragraphs[0].insert_paragraph_before(marker)
    for text in extra:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, content: bytes, name="letter.docx", format="docx", title="Our letter"):
    file = BytesIO(content)
    file.name = name
    return client.post(reverse("legal:letter-templates"), {"format": format, "name": title, "file": file})


def test_the_templates_page_is_for_template_managers_only(client):
    client.force_login(f.UserFactory(role="team_manager"))
    assert client.get(reverse("legal:letter-templates")).status_code == 403
    assert upload(client, word_template("X")).status_code == 403
    assert client.get(reverse("legal:letter-template-default", args=["docx"])).status_code == 403
    assert not lm.LetterTemplate.objects.exists()
    client.force_login(f.UserFactory(role="director"))
    html = client.get(reverse("legal:letter-templates")).content.decode()
    assert "carepath&#x27;s own template" in html or "carepath's own template" in html
    default = client.get(reverse("legal:letter-template-default", args=["docx"]))
    assert default.content == default_docx()


def test_a_good_uploaded_template_is_used_and_can_be_stopped(client):
    fam = family()
    letter = ready_letter(fam)
    director = f.UserFactory(role="director")
    client.force_login(director)
    response = upload(client, word_template("NORTHSHIRE OWN LETTER"), title="Northshire 2026")
    assert response.status_code == 302
    template = lm.LetterTemplate.objects.get()
    assert template.uploaded_by == director and template.format == "docx" and template.active

    client.force_login(fam.worker)
    docx = client.get(reverse("legal:letter-docx", args=[letter.pk])).content
    assert "NORTHSHIRE OWN LETTER" in zipfile.ZipFile(BytesIO(docx)).read("word/document.xml").decode()

    client.force_login(director)
    client.post(reverse("legal:letter-template-deactivate", args=[template.pk]))
    client.force_login(fam.worker)
    docx = client.get(reverse("legal:letter-docx", args=[letter.pk])).content
    assert "NORTHSHIRE OWN LETTER" not in zipfile.ZipFile(BytesIO(docx)).read("word/document.xml").decode()


def test_a_broken_template_is_refused_with_the_reason(client):
    client.force_login(f.UserFactory(role="system_administrator"))
    response = upload(client, word_template("X", "{% for x in %}"))
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "The template has a mistake in its" in html
    assert "Our letter" in html  # what was typed is kept
    response = upload(client, b"<p>{{ concerns }}</p>", name="letter.html", format="html")
    assert "does not use history" in response.content.decode()
    response = upload(client, word_template("X"), name="letter.docx", format="html")
    assert "The file must be a .html or .htm file" in response.content.decode()
    assert not lm.LetterTemplate.objects.exists()


def test_an_uploaded_html_template_is_used_for_the_pdf(client, monkeypatch):
    from carepath.legal.views import letters as views

    fam = family()
    letter = ready_letter(fam)
    client.force_login(f.UserFactory(role="director"))
    source = default_html().replace("<body>", "<body><p>NORTHSHIRE PDF</p>")
    assert upload(client, source.encode(), name="letter.html", format="html").status_code == 302
    used = []
    real = views.render_pdf

    def spy(data, template=None):
        used.append(template)
        return real(data, template)

    monkeypatch.setattr(views, "render_pdf", spy)
    client.force_login(fam.worker)
    assert client.get(reverse("legal:letter-pdf", args=[letter.pk])).content.startswith(b"%PDF")
    assert used and "NORTHSHIRE PDF" in used[0]


def test_local_solicitors_are_added_and_taken_off_the_list(client):
    fam = family()
    letter = ready_letter(fam)
    client.force_login(f.UserFactory(role="director"))
    response = client.post(
        reverse("legal:letter-templates"),
        {"add_solicitor": "yes", "firm": "New Firm LLP", "address": "3 Bridge St", "phone": "01632 960 333"},
    )
    assert response.status_code == 302
    assert lm.LocalSolicitor.objects.filter(firm="New Firm LLP", active=True).exists()
    refused = client.post(
        reverse("legal:letter-templates"), {"add_solicitor": "yes", "firm": "", "address": "", "phone": ""}
    )
    assert (
        "Enter the firm&#x27;s name" in refused.content.decode()
        or "Enter the firm's name" in refused.content.decode()
    )

    for firm in lm.LocalSolicitor.objects.all():
        client.post(reverse("legal:local-solicitor-active", args=[firm.pk]), {"active": "no"})
    assert not lm.LocalSolicitor.objects.filter(active=True).exists()
    client.force_login(fam.manager)
    html = client.get(reverse("legal:letter", args=[letter.pk])).content.decode()
    assert "There is no active solicitor" in html


def test_the_variables_page_lists_what_a_template_can_use(client):
    client.force_login(f.UserFactory(role="system_administrator"))
    html = client.get(reverse("legal:letter-template-variables")).content.decode()
    for name in (
        "recipient.name",
        "changes",
        "support",
        "assessments",
        "meeting",
        "fgdm_offer",
        "solicitors",
    ):
        assert f"<code>{name}</code>" in html
    client.force_login(f.UserFactory(role="partner_referrer"))
    assert client.get(reverse("legal:letter-template-variables")).status_code == 403
