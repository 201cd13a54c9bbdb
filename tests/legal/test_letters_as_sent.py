"""A sent letter is kept as it was sent: downloading it later gives what the parent received,
whatever the authority's templates or list of solicitors say by then."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx import Document

from carepath.legal import models as lm
from carepath.legal.services import letters as services
from tests.legal.test_letters_helpers import NOW, TODAY, family, ready_letter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _text(docx: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)


def test_downloads_of_a_sent_letter_are_the_documents_as_sent():
    fam = family()
    letter = ready_letter(fam)
    firm = lm.LocalSolicitor.objects.get(active=True)
    services.letter_send(
        actor=fam.manager, letter=letter, sent_on=TODAY - timedelta(days=1), expected_version=letter.version
    )
    stored = lm.LetterBeforeProceedings.objects.get(pk=letter.pk)
    assert bytes(stored.sent_pdf).startswith(b"%PDF")
    assert firm.firm in _text(bytes(stored.sent_docx))
    # Later the firm leaves the authority's list: the letter as sent still names it.
    firm.active = False
    firm.save()
    client = Client()
    client.force_login(fam.manager)
    docx = client.get(reverse("legal:letter-docx", args=[letter.pk]))
    pdf = client.get(reverse("legal:letter-pdf", args=[letter.pk]))
    assert docx.content == bytes(stored.sent_docx) and firm.firm in _text(docx.content)
    assert pdf.content == bytes(stored.sent_pdf)


def test_a_draft_is_rendered_afresh_from_the_list_in_force():
    fam = family()
    letter = ready_letter(fam)
    firm = lm.LocalSolicitor.objects.get(active=True)
    client = Client()
    client.force_login(fam.manager)
    url = reverse("legal:letter-docx", args=[letter.pk])
    assert firm.firm in _text(client.get(url).content)
    firm.active = False
    firm.save()
    assert firm.firm not in _text(client.get(url).content)
    assert lm.LetterBeforeProceedings.objects.get(pk=letter.pk).sent_docx is None
