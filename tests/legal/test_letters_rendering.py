"""Rendering letters before proceedings to Word and PDF: the contents rules.md 3.15 requires, safety
against template and markup injection through what people type, the shipped templates, and the
checks an uploaded template must pass. No database."""

from __future__ import annotations

import dataclasses
import html as htmlmod
import re
import zipfile
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from lxml import etree

from carepath.legal.letters import build_default_docx
from carepath.legal.letters.context import ChangeItem, SupportItem, sample_letter, template_context
from carepath.legal.letters.readability import flesch_reading_ease
from carepath.legal.letters.rendering import (
    TemplateProblem,
    _url_fetcher,
    check_template,
    default_docx,
    default_html,
    html_document,
    render_docx,
    render_html,
)

PAYLOADS = [
    "{{ 7*7 }}",
    "{% for x in y %}",
    "<w:p>",
    "</w:t><w:t>",
    "<script>alert(1)</script>",
    "Tom & Jerry",
]
HOSTILE = " ".join(PAYLOADS)
LETTER = sample_letter(date(2026, 3, 3))


def hostile_letter(HOSTILE=HOSTILE):  # noqa: N803
    return dataclasses.replace(
        LETTER,
        concerns=f"Concerns: {HOSTILE}",
        history=f"History: {HOSTILE}",
        consequences=f"Consequences: {HOSTILE}",
        fgdm_offer=f"Offer: {HOSTILE}",
        contact_name=f"Name {HOSTILE}",
        meeting_place=f"Place {HOSTILE}",
        recipient_name=f"Sam {HOSTILE}",
        changes=(ChangeItem(f"Who {HOSTILE}", f"What {HOSTILE}", date(2026, 4, 1)),),
        support=(SupportItem(f"Support {HOSTILE}", "Jo", date(2026, 3, 10), "6 weeks"),),
    )


def document_xml(docx: bytes) -> str:
    return zipfile.ZipFile(BytesIO(docx)).read("word/document.xml").decode("utf-8")


def docx_text(docx: bytes) -> str:
    document = Document(BytesIO(docx))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(html: str) -> str:
    """The text WeasyPrint laid out on the pages (the PDF is drawn from these boxes)."""
    found = []

    def walk(box):
        if isinstance(getattr(box, "text", None), str):
            found.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in html_document(html).pages:
        walk(page._page_box)
    # The page footers are laid out among the text where a page breaks.
    return re.sub(r" ?Page \d+ of \d+", "", " ".join(" ".join(found).split()))


# -- contents ------------------------------------------------------------------------------------------


def test_the_word_letter_opens_and_has_the_concerns_and_every_change():
    docx = render_docx(LETTER)
    text = docx_text(docx)
    assert "Amy and Ben often come to school hungry" in text
    table = Document(BytesIO(docx)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Who", "What must change", "By when"]
    assert rows[1:] == [
        ["You", "make sure Amy goes to school every day", "14 April 2026"],
        ["You", "go to every drug test the clinic asks for", "31 March 2026"],
        ["You and Alex", "stop arguing and fighting when the children are at home", "17 March 2026"],
    ]


@pytest.mark.parametrize("render", ["docx", "pdf"])
def test_both_formats_have_every_required_part(render):
    text = docx_text(render_docx(LETTER)) if render == "docx" else pdf_text(render_html(LETTER))
    text = " ".join(text.split())
    for expected in [
        "Dear Sam Taylor",
        "We are very worried about Amy Taylor and Ben Taylor",
        "Weekly visits from a family support worker. Jo Smith will do this. It starts on 10 March 2026 and lasts 12 weeks.",
        "A parenting assessment. Why: To find out what help you need to care for Amy and Ben safely. "
        "An independent social worker will do it. It starts on 17 March 2026 and takes 8 weeks.",
        "we may ask the family court to decide where Amy and Ben should live",
        "Please come to a meeting on Tuesday 17 March 2026 at 10:30am. The meeting will be at Northshire House",
        "We would like to offer you a family group meeting",
        # The right to free, non-means-tested legal advice, and the authority's list (3.15 (7), 3.16).
        "Take this letter to a solicitor",
        "This is called Legal Help. It is free. It does not matter how much money you have.",
        "Example & Co Solicitors, 2 Market Square, Northtown, NS1 3CD. Phone: 01632 960 111",
        "Sample Family Law, 9 Station Road, Southtown, NS9 8EF. Phone: 01632 960 222",
        "please call Jo Smith on 01632 960 000",
    ]:
        assert expected in text, expected


def test_the_fixed_wording_is_plain_english():
    """Everything the template says itself (the user's words left empty) scores 60 or more."""
    empty = dataclasses.replace(
        LETTER, concerns="", history="", consequences="", fgdm_offer="", changes=(), support=(), solicitors=()
    )
    body = render_html(empty).split("<body>", 1)[1]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    assert flesch_reading_ease(text) >= 60


def test_line_breaks_typed_in_a_box_stay_line_breaks():
    letter = dataclasses.replace(LETTER, concerns="First line.\r\nSecond line.\x07\x0c")
    xml = document_xml(render_docx(letter))
    assert "First line.</w:t><w:br/>" in xml and "\x07" not in xml and "\x0c" not in xml
    assert template_context(letter)["concerns"] == "First line.\nSecond line."


# -- injection --------------------------------------------------------------------------------------------


def test_text_cannot_inject_template_syntax_or_word_xml():
    safe = render_docx(hostile_letter("harmless words"))
    docx = render_docx(hostile_letter())
    xml = document_xml(docx)
    # Everything typed appears as written, in the text Word shows...
    text = docx_text(docx)
    for payload in PAYLOADS:
        assert text.count(payload) >= 10, payload
    # ...escaped in the XML, never as markup or evaluated template code.
    assert "49" not in re.sub(r"<[^>]+>", "", xml).replace("01632 960", "")
    assert "{{ 7*7 }}" in xml and "{% for x in y %}" in xml
    assert "&lt;w:p&gt;" in xml and "&lt;/w:t&gt;&lt;w:t&gt;" in xml and "&amp;" in xml
    assert "<script>" not in xml
    # The document's structure is the same as a harmless letter's: nothing typed added a paragraph.
    tree, harmless = etree.fromstring(xml.encode()), etree.fromstring(document_xml(safe).encode())
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert len(tree.findall(f".//{w}p")) == len(harmless.findall(f".//{w}p"))
    assert len(tree.findall(f".//{w}tr")) == len(harmless.findall(f".//{w}tr")) == 2


def test_text_cannot_inject_html_into_the_pdf():
    html = render_html(hostile_letter())
    assert "<script>" not in html and "<w:p>" not in html
    assert "&lt;script&gt;" in html and "Tom &amp; Jerry" in html and "{{ 7*7 }}" in html
    text = pdf_text(html)
    for payload in PAYLOADS:
        assert payload in text, payload
    assert html_document(html).write_pdf().startswith(b"%PDF")


def test_the_pdf_fetches_nothing_but_data_urls():
    fetcher = _url_fetcher()
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.png",
    ):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


# -- the shipped templates -----------------------------------------------------------------------------


def test_the_shipped_word_template_is_what_its_script_builds():
    assert document_xml(build_default_docx.build()) == document_xml(default_docx())


def test_the_shipped_templates_pass_the_upload_checks():
    assert check_template("docx", default_docx()) == []
    assert check_template("html", default_html().encode()) == []


# -- checking an uploaded template -------------------------------------------------------------------------

REQUIRED = (
    "{{ concerns }} {{ history }} {% for c in changes %}{{ c.what }}{% endfor %} "
    "{% for s in support %}{{ s.what }}{% endfor %}{% for a in assessments %}{{ a.why }}{% endfor %} "
    "{{ consequences }} {{ meeting.date }} {{ fgdm_offer }} {% for s in solicitors %}{{ s.firm }}{% endfor %} "
    "{{ contact.name }}"
)


def word_template(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_good_uploaded_word_template_renders_with_unknown_names_as_a_warning():
    template = word_template("NORTHSHIRE OWN LETTER", REQUIRED, "{{ council_logo }}")
    assert check_template("docx", template) == [
        "The template uses names carepath does not provide, which will be blank: council_logo."
    ]
    assert "NORTHSHIRE OWN LETTER" in docx_text(render_docx(LETTER, template))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not a zip file", "not a Word document"),
        (word_template(REQUIRED, "{% for x in %}"), "mistake in its"),
        (word_template(REQUIRED, "{{ concerns "), "mistake in its"),
        (word_template("{{ concerns }}"), "does not use history, changes"),
        (word_template(REQUIRED, "{{ concerns.__class__.__mro__ }}"), "may not use"),
    ],
)
def test_a_broken_word_template_is_refused_with_what_is_wrong(content, expected):
    with pytest.raises(TemplateProblem, match=expected):
        check_template("docx", content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (("<p>" + REQUIRED + "</p>\n<p>{% if %}</p>").encode(), "on line 2"),
        (b"\xff\xfe<p>", "UTF-8"),
        (b"<p>{{ concerns }}</p>", "does not use history"),
        (("<p>" + REQUIRED + "{{ changes.append(1) }}</p>").encode(), "may not use"),
        (("<p>" + REQUIRED + "{{ lipsum.__globals__ }}</p>").encode(), "may not use"),
    ],
)
def test_a_broken_html_template_is_refused_with_what_is_wrong(content, expected):
    with pytest.raises(TemplateProblem, match=expected):
        check_template("html", content)


def test_a_good_uploaded_html_template_renders():
    template = "<h1>NORTHSHIRE PDF</h1><p>" + REQUIRED + "</p>"
    assert check_template("html", template.encode()) == []
    assert "NORTHSHIRE PDF" in pdf_text(render_html(LETTER, template))
