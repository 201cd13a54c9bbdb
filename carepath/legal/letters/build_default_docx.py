"""Build the shipped Word template for the letter before proceedings.

    .venv/bin/python -m carepath.legal.letters.build_default_docx

writes carepath/legal/data/letter_before_proceedings.docx. The template is built here, in code,
so that its wording can be reviewed in a pull request; the .docx is committed too, so that an
authority can download it, change it in Word and upload it (the letter templates page). A test
checks that the committed file is what this script builds.

The {{ ... }} and {%p ... %} / {%tr ... %} tags are docxtpl's (Jinja): {%p %} and {%tr %} stand
for a whole paragraph or table row. The variables are listed in carepath/legal/letters/context.py.
"""

from __future__ import annotations

import sys
from datetime import datetime
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt

DATA = Path(__file__).resolve().parent.parent / "data"
DOCX_PATH = DATA / "letter_before_proceedings.docx"

# The letter's fixed wording, shared with the HTML template's (a test compares them).
OPENING = (
    "Please take this letter to a solicitor straight away. You can get free legal advice, and it "
    "does not matter how much money you have."
)
PURPOSE = (
    "We are very worried about {{ children_names }}. We are thinking about asking the family court to "
    "decide what should happen to them. We do not want to do this. We want to work with you to make "
    "things better, so that we do not need to go to court."
)
LANGUAGE = "We will also give you this letter in {{ language }}. We will have an interpreter at the meeting."
CHANGES_INTRO = "These are the things that must change. The table says who must do each thing, and by when."
MEETING = (
    "Please come to a meeting on {{ meeting.date }} at {{ meeting.time }}. The meeting will be at "
    "{{ meeting.place }}."
)
MEETING_AFTER = (
    "Please bring your solicitor with you. At the meeting we will talk about our worries and make a "
    "plan with you. If you cannot come, call us as soon as you can."
)
LEGAL_ADVICE = (
    "Take this letter to a solicitor. Because you have had this letter, you can get free legal "
    "advice from a solicitor. This is called Legal Help. It is free. It does not matter how much "
    "money you have. Choose a solicitor who is an expert in children law. These solicitors are near you:"
)
CONTACT = (
    "If you have any questions about this letter, please call {{ contact.name }} on {{ contact.phone }}."
)


def build() -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(12)
    props = doc.core_properties
    props.title = "Letter before proceedings"
    props.author = "carepath"
    props.last_modified_by = "carepath"
    props.comments = ""
    props.revision = 1
    props.created = props.modified = datetime(2026, 1, 1)

    def para(text: str = "", style: str | None = None, bold: bool = False):
        p = doc.add_paragraph(style=style)
        if text:
            p.add_run(text).bold = bold
        return p

    para("{{ authority }}", bold=True)
    para("{{ date }}")
    para("Private and confidential", bold=True)
    para("{{ recipient.name }}")
    para("{%p if recipient.postcode %}")
    para("{{ recipient.postcode }}")
    para("{%p endif %}")
    doc.add_heading("Letter before proceedings", level=1)
    para("About: {{ children_names }}")
    para("Dear {{ recipient.name }},")
    para(OPENING, bold=True)
    para(PURPOSE)
    para("{%p if language %}")
    para(LANGUAGE)
    para("{%p endif %}")

    doc.add_heading("Why we are worried", level=2)
    para("{{ concerns }}")
    doc.add_heading("What has happened before", level=2)
    para("{{ history }}")

    doc.add_heading("What must change", level=2)
    para(CHANGES_INTRO)
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, ("Who", "What must change", "By when"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for item in changes %}")
    for cell, text in zip(
        table.rows[2].cells, ("{{ item.who }}", "{{ item.what }}", "{{ item.by_when }}"), strict=True
    ):
        cell.paragraphs[0].add_run(text)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")

    doc.add_heading("The help we will give you", level=2)
    para("{%p for item in support %}")
    para(
        "{{ item.what }}. {{ item.who }} will do this. It starts on {{ item.starts_on }} and lasts "
        "{{ item.how_long }}.",
        style="List Bullet",
    )
    para("{%p endfor %}")
    para("{%p if assessments %}")
    para("We want to do these assessments:")
    para("{%p for item in assessments %}")
    para(
        "{{ item.what }}. Why: {{ item.why }} {{ item.who }} will do it. It starts on {{ item.starts_on }} "
        "and takes {{ item.how_long }}.",
        style="List Bullet",
    )
    para("{%p endfor %}")
    para("{%p endif %}")

    doc.add_heading("What will happen if things do not change", level=2)
    para("{{ consequences }}")

    doc.add_heading("Come to a meeting with us", level=2)
    para("{%p if meeting %}")
    para(MEETING, bold=True)
    para("{%p endif %}")
    para(MEETING_AFTER)

    doc.add_heading("A family group meeting", level=2)
    para("{{ fgdm_offer }}")

    doc.add_heading("Get free legal advice", level=2)
    para(LEGAL_ADVICE)
    para("{%p for s in solicitors %}")
    para("{{ s.firm }}, {{ s.address }}. Phone: {{ s.phone }}", style="List Bullet")
    para("{%p endfor %}")

    doc.add_heading("Who to contact", level=2)
    para(CONTACT)
    para("Yours sincerely,")
    para("{{ contact.name }}")
    para("for {{ authority }}")

    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    DOCX_PATH.write_bytes(build())
    sys.stdout.write(f"Wrote {DOCX_PATH}\n")


if __name__ == "__main__":
    main()
