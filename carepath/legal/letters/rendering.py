"""Rendering a letter before proceedings to Word (docxtpl) and PDF (WeasyPrint).

Both formats use the same template language (Jinja, as docxtpl does) and the same variables, so an
authority learns one syntax. Templates run in Jinja's immutable sandbox with autoescaping on:

- what a social worker types is data, never template: "{{ 7*7 }}" in the concerns is printed as
  written, because a template is compiled once, from the template file, and text is only
  substituted into it;
- autoescaping turns <, >, & and quotes into entities, so text cannot add Word XML
  ("</w:t><w:t>") or HTML ("<script>") to the document;
- the sandbox stops a template (an uploaded one included) reaching Python internals, and the
  context holds only plain data (context.py), so a template cannot call into the database;
- WeasyPrint may fetch nothing but data: URLs, so a template cannot read local files or reach
  the network.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .context import REQUIRED_VARIABLES, VARIABLE_NAMES, LetterData, sample_letter, template_context

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DOCX = DATA / "letter_before_proceedings.docx"
DEFAULT_HTML = DATA / "letter_before_proceedings.html"

DOCX = "docx"
HTML = "html"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TemplateProblem(Exception):
    """A template that cannot be used, with what to do about it in words."""


class _Sandbox(ImmutableSandboxedEnvironment):
    def unsafe_undefined(self, obj, attribute):
        # Jinja's sandbox quietly prints nothing for an unsafe attribute (like __class__) and
        # only objects when it is used; refuse at once, so an upload that tries is refused.
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")


def environment() -> ImmutableSandboxedEnvironment:
    # An unknown name prints as nothing (and so does an attribute of one), so a template written
    # for an older list of variables still renders.
    return _Sandbox(autoescape=True, undefined=ChainableUndefined)


@lru_cache(maxsize=1)
def default_docx() -> bytes:
    return DEFAULT_DOCX.read_bytes()


@lru_cache(maxsize=1)
def default_html() -> str:
    return DEFAULT_HTML.read_text(encoding="utf-8")


_html_environment = environment()


@lru_cache(maxsize=8)
def _compiled_html(source: str):
    return _html_environment.from_string(source)


def render_docx(data: LetterData, template: bytes | None = None) -> bytes:
    """The letter as an editable Word document."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(BytesIO(template or default_docx()))
    document.render(template_context(data), jinja_env=environment(), autoescape=True)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def render_html(data: LetterData, template: str | None = None) -> str:
    """The letter as the HTML that WeasyPrint lays out as the PDF."""
    return _compiled_html(template or default_html()).render(template_context(data))


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    # data: URLs only (an embedded logo): never a local file or the network.
    return URLFetcher(allowed_protocols={"data"}, timeout=2)


def html_document(html: str):
    """The laid-out document (pages of boxes), before it is written as a PDF."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_url_fetcher()).render()


def html_to_pdf(html: str) -> bytes:
    return html_document(html).write_pdf()


def render_pdf(data: LetterData, template: str | None = None) -> bytes:
    """The letter as a PDF, for the parent."""
    return html_to_pdf(render_html(data, template))


# -- checking an uploaded template -----------------------------------------------------------------


def _near(error: Exception) -> str:
    lines = [line.strip() for line in getattr(error, "docx_context", None) or () if line.strip()]
    return f' Near: "{" ".join(lines)[:200]}".' if lines else ""


def _render_problem(error: Exception) -> TemplateProblem:
    if isinstance(error, TemplateSyntaxError):
        where = f" on line {error.lineno}" if error.lineno and not hasattr(error, "docx_context") else ""
        message = (error.message or "").rstrip(".")
        return TemplateProblem(
            f"The template has a mistake in its {{{{ }}}} or {{% %}} tags{where}: {message}.{_near(error)}"
        )
    if isinstance(error, SecurityError):
        return TemplateProblem(f"The template tries to use something templates may not use: {error}.")
    if isinstance(error, TemplateError):
        return TemplateProblem(f"The template could not be filled in: {error}.{_near(error)}")
    return TemplateProblem(f"The template could not be filled in ({type(error).__name__}: {error}).")


def _variable_warnings(used: set[str]) -> list[str]:
    missing = [name for name in REQUIRED_VARIABLES if name not in used]
    if missing:
        raise TemplateProblem(
            "The template does not use "
            + ", ".join(missing)
            + ". Every letter before proceedings must include them: see the list of variables."
        )
    unknown = sorted(used - VARIABLE_NAMES)
    if unknown:
        return [
            f"The template uses names carepath does not provide, which will be blank: {', '.join(unknown)}."
        ]
    return []


def check_docx_template(content: bytes) -> list[str]:
    """Refuse (TemplateProblem) a Word template that does not open, has broken tags, leaves out
    something every letter must contain, or does not fill in; otherwise return any warnings."""
    from docx import Document
    from docxtpl import DocxTemplate

    try:
        Document(BytesIO(content))
    except Exception as error:  # a zip error, a missing part, broken XML: all mean the same
        raise TemplateProblem(
            "This file is not a Word document (.docx). Save it from Word as a .docx file and try again."
        ) from error
    try:
        used = DocxTemplate(BytesIO(content)).get_undeclared_template_variables(jinja_env=environment())
    except Exception as error:
        raise _render_problem(error) from error
    warnings = _variable_warnings(set(used))
    try:
        rendered = render_docx(sample_letter(), content)
        Document(BytesIO(rendered))
    except Exception as error:
        raise _render_problem(error) from error
    return warnings


def check_html_template(content: bytes) -> list[str]:
    """The same for an HTML template: it must also lay out as a PDF."""
    try:
        source = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TemplateProblem("The file must be an HTML file saved as UTF-8 text.") from error
    env = environment()
    try:
        used = meta.find_undeclared_variables(env.parse(source))
    except TemplateSyntaxError as error:
        raise _render_problem(error) from error
    warnings = _variable_warnings(set(used))
    try:
        pdf = render_pdf(sample_letter(), source)
    except Exception as error:
        raise _render_problem(error) from error
    if not pdf.startswith(b"%PDF"):
        raise TemplateProblem("The template did not make a PDF.")
    return warnings


def check_template(format: str, content: bytes) -> list[str]:
    if format == DOCX:
        return check_docx_template(content)
    if format == HTML:
        return check_html_template(content)
    raise TemplateProblem("Choose Word (.docx) or HTML.")
