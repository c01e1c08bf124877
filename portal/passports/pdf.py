"""A4 learning-passport PDF with ReportLab: two languages, Arabic shaped, a signed QR code.

``primary`` and ``secondary`` are label dictionaries that are already translated; every heading
is printed in both. Keys (a missing key prints the key itself, so gaps are visible):

    title, holder, birth_date, issuer, issued, expires, studies, system, grade, period, status,
    evidence, subject, original_mark, scale ("best · pass · worst"), converted, method,
    assessments, assessment_kind, instrument, date, level, placements, destination, programmes,
    decided_on, recommendation_note, evidence_levels, evidence_explained_E0 .. _E5,
    how_to_verify, how_to_verify_text
    optional value labels, falling back to the code: status_<status>, precision_<precision>,
    kind_<assessment kind>, programme_<code>, method_<code>

Arabic follows TECH.md §2.3: arabic_reshaper's default ArabicReshaper, then python-bidi's
get_display line by line, drawn run by run in the font that has the script (ReportLab has no
font fallback). Lines are broken here, in logical order, before reordering, so ReportLab never
wraps visual-order text. Dates sit in LRI…PDI isolates so their digits keep their order.

Demo: ``python -m portal.passports.pdf out.pdf`` writes a sample passport.
"""

from __future__ import annotations

import functools
import io
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import astuple
from datetime import date
from pathlib import Path

import arabic_reshaper
import numpy as np
import zxingcpp
from bidi import get_display
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.i18n.domain import Direction, locale_info
from portal.passports import domain as d

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS, SANS_BOLD, ARABIC, ARABIC_BOLD = "LP-Sans", "LP-Sans-Bold", "LP-Arabic", "LP-Arabic-Bold"
_FONT_FILES = {
    SANS: "NotoSans-Regular.ttf",
    SANS_BOLD: "NotoSans-Bold.ttf",
    ARABIC: "NotoNaskhArabic-Regular.ttf",
    ARABIC_BOLD: "NotoNaskhArabic-Bold.ttf",
}
QR_WIDTH = 60 * mm  # the symbol; the 4-module quiet zone comes on top
QR_QUIET_MODULES = 4
MARGIN = 14 * mm
INK, MUTED, RULE, BAND = (colors.HexColor(c) for c in ("#1a1a1a", "#555555", "#9a9a9a", "#eef1f5"))
LRI, PDI = "\u2066", "\u2069"
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_HAS_RTL = re.compile(r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
_BIDI_CONTROLS = re.compile("[\u2066-\u2069\u200e\u200f\u202a-\u202e]")
_RESHAPER = arabic_reshaper.ArabicReshaper()  # default: lam-alef + U+FDF2 only (TECH §2.4.3)
_BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
_CELL = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
]
_FLUSH = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
]

Run = tuple[str, str]  # (text in visual order, font name)
Line = tuple[Run, ...]


@functools.cache
def _fonts() -> tuple[str, ...]:
    """Register the bundled fonts once per process."""
    rl_config.useA85 = 0  # plain Flate streams: smaller and faster (TECH §7)
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    return tuple(_FONT_FILES)


def isolate(text: str) -> str:
    """Wrap a date or code in LRI…PDI so that bidi reordering keeps it intact."""
    return f"{LRI}{text}{PDI}"


def base_direction(text: str, default: str = "L") -> str:
    """Return the direction of the first strong character, else ``default`` (like dir=auto)."""
    for char in _BIDI_CONTROLS.sub("", text):
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "L" if kind == "L" else "R"
    return default


def font_runs(visual: str, bold: bool = False) -> list[Run]:
    """Split visual-order text into runs, each in the font that covers its script."""
    runs: list[Run] = []
    for char in visual:
        if _ARABIC.match(char):
            font = ARABIC_BOLD if bold else ARABIC
        elif char.isspace() and runs:
            font = runs[-1][1]  # spaces exist in both fonts: keep the run going
        else:
            font = SANS_BOLD if bold else SANS
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return runs


def _mirror_reversed_brackets(visual: str) -> str:
    # The Rust get_display does not apply bidi mirroring. A bracket pair that comes out
    # closing-before-opening was reversed inside a right-to-left run, so swap its glyphs.
    chars, closers = list(visual), {c: o for o, c in _BRACKETS.items()}
    opened: dict[str, list[int]] = {o: [] for o in _BRACKETS}
    reversed_: dict[str, list[int]] = {o: [] for o in _BRACKETS}
    for index, char in enumerate(chars):
        if char in _BRACKETS and reversed_[char]:
            partner = reversed_[char].pop()
            chars[index], chars[partner] = _BRACKETS[char], char
        elif char in _BRACKETS:
            opened[char].append(index)
        elif char in closers:
            if opened[closers[char]]:
                opened[closers[char]].pop()
            else:
                reversed_[closers[char]].append(index)
    return "".join(chars)


@functools.lru_cache(maxsize=16_384)
def _width(text: str, size: float, bold: bool) -> float:
    return sum(pdfmetrics.stringWidth(t, f, size) for t, f in font_runs(text, bold))


def _split_long_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    pieces: list[str] = []
    while len(word) > 1 and _width(word, size, bold) > width:  # e.g. a long URL
        cut = len(word) - 1
        while cut > 1 and _width(word[:cut], size, bold) > width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def _break_words(logical: str, width: float, size: float, bold: bool) -> list[str]:
    lines: list[str] = []
    for paragraph in logical.split("\n"):
        current = ""
        for whole_word in paragraph.split(" "):
            *full_lines, word = _split_long_word(whole_word, width, size, bold)
            if full_lines:
                lines += [current, *full_lines] if current else full_lines
                current = ""
            candidate = f"{current} {word}" if current else word
            if current and _width(candidate, size, bold) > width:
                lines.append(current)
                candidate = word
            current = candidate
        lines.append(current)
    return lines


@functools.lru_cache(maxsize=8_192)  # tables wrap each cell several times; labels repeat
def layout_lines(text: str, width: float, size: float, bold: bool, base: str) -> tuple[Line, ...]:
    """Shape, break (in logical order) and reorder text into visual lines of font runs."""
    if base == "L" and not _HAS_RTL.search(text):
        lines = [_BIDI_CONTROLS.sub("", line) for line in _break_words(text, width, size, bold)]
    else:
        lines = [
            _mirror_reversed_brackets(_BIDI_CONTROLS.sub("", get_display(line, base_dir=base)))
            for line in _break_words(_RESHAPER.reshape(text), width, size, bold)
        ]
    return tuple(tuple(font_runs(line, bold)) for line in lines)


def _draw_runs(canvas: Canvas, runs: Line, x: float, y: float, size: float) -> None:
    for text, font in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        x += pdfmetrics.stringWidth(text, font, size)


class Text(Flowable):
    """Text laid out by ``layout_lines`` and drawn run by run; ReportLab never re-wraps it.

    ``align`` is "left", "right", "center" or "auto" (the text's own start side, like an HTML
    element with dir=auto and text-align: start).
    """

    def __init__(
        self,
        text: str,
        size: float = 8.5,
        bold: bool = False,
        align: str = "auto",
        color: colors.Color = INK,
        base: str | None = None,
    ) -> None:
        super().__init__()
        self.text, self.size, self.bold, self.color = text, size, bold, color
        self.base = base or base_direction(text)
        self.align = {"auto": "right" if self.base == "R" else "left"}.get(align, align)
        self.leading = size * 1.35
        self.lines: tuple[Line, ...] = ()

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.lines = layout_lines(self.text, avail_width, self.size, self.bold, self.base)
        self.height = self.leading * len(self.lines)
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFillColor(self.color)
        for number, runs in enumerate(self.lines):
            spare = self.width - sum(pdfmetrics.stringWidth(t, f, self.size) for t, f in runs)
            x = {"left": 0.0, "right": spare}.get(self.align, spare / 2)
            y = self.height - self.leading * (number + 1) + self.size * 0.3
            _draw_runs(self.canv, runs, x, y, self.size)


class QrCode(Flowable):
    """A QR code (zxing-cpp, error correction Q) drawn as one vector path of rectangles."""

    def __init__(self, text: str, width: float = QR_WIDTH) -> None:
        super().__init__()
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
        self.matrix = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) < 128
        self.module = width / self.matrix.shape[0]
        self.quiet = QR_QUIET_MODULES * self.module
        self.width = self.height = width + 2 * self.quiet

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas, m, top = self.canv, self.module, self.height - self.quiet
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        path = canvas.beginPath()
        for row_index, row in enumerate(self.matrix):
            edges = np.flatnonzero(np.diff(np.concatenate(([0], row.view(np.int8), [0]))))
            for start, end in zip(edges[::2], edges[1::2], strict=True):
                path.rect(self.quiet + start * m, top - (row_index + 1) * m, (end - start) * m, m)
        canvas.setFillColor(colors.black)
        canvas.drawPath(path, stroke=0, fill=1)


class _Page:
    """Bilingual labels and direction-aware building blocks for one rendering."""

    def __init__(
        self,
        primary: Mapping[str, str],
        secondary: Mapping[str, str],
        primary_locale: str,
        secondary_locale: str,
    ) -> None:
        self.primary, self.secondary = primary, secondary
        self.rtl = locale_info(primary_locale).direction == Direction.RTL
        self.base, self.start = ("R", "right") if self.rtl else ("L", "left")
        self.bilingual = primary_locale != secondary_locale

    def label(self, key: str, fallback: str | None = None) -> str:
        return self.primary.get(key, key if fallback is None else fallback)

    def second(self, key: str, fallback: str | None = None) -> str | None:
        value = self.secondary.get(key, key if fallback is None else fallback)
        return value if self.bilingual and value != self.label(key, fallback) else None

    def pair(self, key: str) -> str:
        second = self.second(key)
        return self.label(key) if second is None else f"{self.label(key)} / {second}"

    def cell(
        self,
        text: str,
        size: float = 8.5,
        bold: bool = False,
        color: colors.Color = INK,
        align: str | None = None,
    ) -> Text:
        base = base_direction(text, self.base)
        return Text(text, size, bold, align or self.start, color, base)

    def caption(self, key: str) -> Text:
        return Text(self.pair(key), 7, False, self.start, MUTED, self.base)

    def both(self, key: str, size: float = 8.5, color: colors.Color = INK) -> list[Text]:
        texts = [self.label(key), self.second(key)]
        return [self.cell(t, size, color=color, align="auto") for t in texts if t]

    def heading(self, key: str, width: float) -> Table:
        table = Table([[Text(self.pair(key), 11, True, self.start, base=self.base)]], [width])
        table.setStyle(TableStyle([*_FLUSH, ("LINEBELOW", (0, 0), (-1, -1), 0.8, INK)]))
        return table

    def header_cell(self, key: str) -> list[Text]:
        cells = [Text(self.label(key), 7.5, True, self.start, base=self.base)]
        second = self.second(key)
        return [*cells, Text(second, 7, False, self.start, MUTED)] if second else cells

    def grid(
        self,
        columns: Sequence[tuple[str, float]],
        rows: Sequence[Sequence[object]],
        width: float,
        header: bool = True,
    ) -> Table:
        data = [[self.header_cell(key) for key, _ in columns]] if header else []
        data += [[self.cell(c) if isinstance(c, str) else c for c in row] for row in rows]
        widths = [share * width for _, share in columns]
        if self.rtl:
            data, widths = [row[::-1] for row in data], widths[::-1]
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
        style = TableStyle(_CELL)
        if header:
            style.add("BACKGROUND", (0, 0), (-1, 0), BAND)
        table.setStyle(style)
        return table

    def columns(self, cells: list[object], widths: list[float]) -> Table:
        if self.rtl:
            cells, widths = cells[::-1], widths[::-1]
        table = Table([cells], colWidths=widths)
        table.setStyle(TableStyle(_FLUSH))
        return table


def _field(page: _Page, key: str, value: str) -> list[Flowable]:
    return [page.caption(key), page.cell(value, 9), Spacer(1, 1.5 * mm)]


def _top_block(
    page: _Page, content: d.PassportContent, qr_text: str, verify_url: str, width: float
) -> Table:
    holder, qr = content.holder, QrCode(qr_text)
    info: list[Flowable] = [
        Text(page.pair("title"), 17, True, page.start, base=page.base),
        page.cell(content.credential_id, 7, color=MUTED),
        Spacer(1, 4 * mm),
        page.caption("holder"),
        *[page.cell(name.text, 13, True) for name in holder.names],
        Spacer(1, 1.5 * mm),
    ]
    precision = page.label(f"precision_{holder.birth_date_precision}", "")
    info += _field(page, "birth_date", f"{isolate(holder.birth_date)} {precision}".strip())
    info += _field(
        page, "issuer", f"{content.issuer_name} ({isolate(content.issuer_jurisdiction)})"
    )
    info += _field(page, "issued", isolate(content.issued_on.isoformat()))
    info += _field(page, "expires", isolate(content.expires_on.isoformat()))
    qr_column = [
        qr,
        Text(page.pair("how_to_verify"), 7.5, True, "center", base=page.base),
        page.cell(verify_url, 7, color=MUTED, align="center"),
    ]
    return page.columns([info, qr_column], [width - qr.width, qr.width])


STUDY_COLUMNS = (
    ("system", 0.38),
    ("grade", 0.17),
    ("period", 0.2),
    ("status", 0.15),
    ("evidence", 0.1),
)
MARK_COLUMNS = (
    ("subject", 0.32),
    ("original_mark", 0.13),
    ("scale", 0.2),
    ("converted", 0.13),
    ("method", 0.22),
)
ASSESSMENT_COLUMNS = (
    ("assessment_kind", 0.22),
    ("instrument", 0.36),
    ("date", 0.16),
    ("level", 0.16),
    ("evidence", 0.1),
)
PLACEMENT_COLUMNS = (
    ("destination", 0.22),
    ("grade", 0.18),
    ("programmes", 0.42),
    ("decided_on", 0.18),
)


def _study_block(page: _Page, study: d.StudyClaim, width: float) -> list[Flowable]:
    school = [
        page.cell(study.system_label, bold=True),
        page.cell(study.issuer or "", 8, color=MUTED),
    ]
    period = f"{isolate(study.period_start)} – {isolate(study.period_end or '…')}"
    status = page.label(f"status_{study.status}", study.status)
    parts = [
        page.grid(
            STUDY_COLUMNS,
            [[school, study.grade_label, period, status, study.evidence_level]],
            width,
        )
    ]
    marks = [
        [
            m.subject,
            m.raw,
            " · ".join(astuple(m.scale)),
            m.converted or "—",
            page.label(f"method_{m.method}", m.method or "—"),
        ]
        for m in study.marks
    ]
    if marks:
        parts += [Spacer(1, 1 * mm), page.grid(MARK_COLUMNS, marks, width)]
    return [*parts, Spacer(1, 4 * mm)]


def _assessment_row(page: _Page, a: d.AssessmentClaim) -> list[str]:
    index = a.level_cumulative_index
    level = " · ".join(v for v in (a.cefr, None if index is None else f"Y{index}") if v)
    return [
        page.label(f"kind_{a.kind}", a.kind),
        a.instrument,
        isolate(a.date),
        level,
        a.evidence_level,
    ]


def _placement_row(page: _Page, p: d.PlacementClaim) -> list[str]:
    programmes = ", ".join(page.label(f"programme_{c}", c) for c in p.programmes)
    return [p.destination, p.grade_label, programmes or "—", isolate(p.decided_on)]


def _story(
    page: _Page, content: d.PassportContent, qr_text: str, verify_url: str, width: float
) -> list[Flowable]:
    def section(key: str, first: list[Flowable], *more: list[Flowable]) -> list[Flowable]:
        # The heading stays with the first block; each block stays whole. KeepTogether is
        # never nested: ReportLab then breaks the page even when everything would fit.
        head = KeepTogether([page.heading(key, width), Spacer(1, 2 * mm), *first])
        return [head, *(KeepTogether(block) for block in more), Spacer(1, 5 * mm)]

    story = [_top_block(page, content, qr_text, verify_url, width), Spacer(1, 5 * mm)]
    if content.studies:
        story += section("studies", *(_study_block(page, s, width) for s in content.studies))
    if content.assessments:
        rows = [_assessment_row(page, a) for a in content.assessments]
        story += section("assessments", [page.grid(ASSESSMENT_COLUMNS, rows, width)])
    if content.placements:
        rows = [_placement_row(page, p) for p in content.placements]
        note = page.both("recommendation_note", 8, MUTED)
        story += section(
            "placements", [page.grid(PLACEMENT_COLUMNS, rows, width), Spacer(1, 1.5 * mm), *note]
        )
    rows = [[level, *page.both(f"evidence_explained_{level}")] for level in d.EVIDENCE_LEVELS]
    shares = (0.08, 0.46, 0.46) if page.bilingual else (0.08, 0.92)
    columns = tuple(("", share) for share in shares)
    story += section("evidence_levels", [page.grid(columns, rows, width, header=False)])
    verify = [*page.both("how_to_verify_text"), page.cell(verify_url, 8.5, True)]
    return [*story, *section("how_to_verify", verify)]


def render_passport_pdf(
    content: d.PassportContent,
    qr_text: str,
    primary: Mapping[str, str],
    secondary: Mapping[str, str],
    primary_locale: str,
    secondary_locale: str,
    verify_url: str,
) -> bytes:
    """Render the passport as A4 PDF bytes, every heading in both languages."""
    _fonts()
    page = _Page(primary, secondary, primary_locale, secondary_locale)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=page.pair("title"),
        author=content.issuer_name,
        creator="education-continuity-portal",
        invariant=1,
        lang=primary_locale,
    )  # metadata carries no learner data (SECURITY J8)
    footer = page.cell(f"{page.pair('title')} · {isolate(content.credential_id)}", 7, color=MUTED)
    footer.wrap(doc.width - 10 * mm, 10 * mm)
    footer_x = MARGIN + (10 * mm if page.rtl else 0)
    number_x = MARGIN if page.rtl else A4[0] - MARGIN - 10 * mm

    def decorate(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, MARGIN, A4[0] - MARGIN, MARGIN)
        footer.drawOn(canvas, footer_x, MARGIN - 2 * mm - footer.height)
        number = Text(str(canvas.getPageNumber()), 7, False, "left" if page.rtl else "right", MUTED)
        number.wrap(10 * mm, 10 * mm)
        number.drawOn(canvas, number_x, MARGIN - 2 * mm - number.height)
        canvas.restoreState()

    doc.build(
        _story(page, content, qr_text, verify_url, doc.width),
        onFirstPage=decorate,
        onLaterPages=decorate,
    )
    return buffer.getvalue()


# ---- demo: python -m portal.passports.pdf out.pdf ----------------------------------------
# Sample data and labels for looking at the layout; the app passes labels from its catalogs.
_DEMO_LABELS = """
title | Learning passport | جواز التعلم
holder | Holder | حامل الجواز
birth_date | Date of birth | تاريخ الميلاد
issuer | Issuer | الجهة المصدرة
issued | Issued | تاريخ الإصدار
expires | Expires | تاريخ الانتهاء
studies | Prior studies | الدراسة السابقة
system | Education system / school | النظام التعليمي / المدرسة
grade | Grade | الصف
period | Period | الفترة
status | Status | الحالة
evidence | Evidence | الإثبات
subject | Subject | المادة
original_mark | Original mark | العلامة الأصلية
scale | Scale (best · pass · worst) | السلّم (الأعلى · النجاح · الأدنى)
converted | Converted | العلامة المحوّلة
method | Method | الطريقة
assessments | Assessments | التقييمات
assessment_kind | Kind | النوع
instrument | Instrument | الأداة
date | Date | التاريخ
level | Level | المستوى
placements | Placement recommendations | توصيات الإلحاق
destination | Destination | الوجهة
programmes | Programmes | البرامج
decided_on | Decided on | تاريخ القرار
recommendation_note | A placement recommendation, not a recognition decision. | هذه توصية بالإلحاق وليست قرار اعتراف بالمؤهلات.
evidence_levels | Evidence levels | مستويات الإثبات
how_to_verify | How to verify | كيفية التحقق
how_to_verify_text | Scan the QR code with a passport verifier, or open the address below. It works offline with the published list of trusted issuers. | امسح رمز QR بتطبيق التحقق أو افتح العنوان أدناه. يعمل التحقق دون اتصال بالإنترنت باستخدام القائمة المنشورة للجهات الموثوقة.
status_completed | completed | مكتمل
status_partial | partly completed | مكتمل جزئيًا
kind_language_test | Language test | اختبار لغة
method_KMK_TRUNCATE_1DP | German 1–6 scale (KMK) | السلم الألماني (KMK)
programme_PREPARATORY_LANGUAGE | Preparatory German class | صف تحضيري للغة الألمانية
evidence_explained_E0 | No information | لا توجد معلومات
evidence_explained_E1 | Declared by the child or guardian | تصريح من الطفل أو وليّ الأمر
evidence_explained_E2 | Declaration corroborated by interview and indirect evidence | تصريح تدعمه مقابلة وأدلة غير مباشرة
evidence_explained_E3 | Non-state or unverified document | وثيقة غير حكومية أو غير موثّقة
evidence_explained_E4 | Original official document, not verified with the issuer | وثيقة رسمية أصلية لم يُتحقق منها لدى الجهة المصدرة
evidence_explained_E5 | Official record verified with the issuer | سجل رسمي تم التحقق منه لدى الجهة المصدرة
"""  # noqa: E501
_DEMO_STUDIES = """
SY-BASIC | Syrian basic education | SY-3 | Grade 3 / الصف الثالث | 2018-09 | 2019-06 | completed | E4 | مدرسة الشهيد باسل، حلب
SY-BASIC | Syrian basic education | SY-4 | Grade 4 / الصف الرابع | 2019-09 | 2020-06 | completed | E4 | مدرسة الشهيد باسل، حلب
UA-NUS | Ukrainian general secondary | UA-5 | 5 клас | 2022-09 | 2023-05 | partial | E3 | Харківська гімназія № 47
"""  # noqa: E501
_DEMO_MARKS = """
SY-BASIC | اللغة العربية | 82 | 100 | 50 | 2.0
SY-BASIC | الرياضيات | 91 | 100 | 50 | 1.5
SY-BASIC | العلوم | 67 | 100 | 50 | 2.9
UA-NUS | Українська мова | 10 | 12 | 4 | 1.7
UA-NUS | Математика | 7 | 12 | 4 | 2.8
UA-NUS | English | 12 | 12 | 4 | 1.0
"""


def _table(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in row.split("|")] for row in text.strip().splitlines()]


DEMO_LABELS = {
    locale: {row[0]: row[column] for row in _table(_DEMO_LABELS)}
    for column, locale in ((1, "en"), (2, "ar"))
}


def demo_content() -> d.PassportContent:
    """Return a sample passport: Arabic and Latin names, Syrian and Ukrainian schooling."""
    marks = {
        system: tuple(
            d.MarkClaim(subject, raw, d.MarkScale(best, pass_mark, "0"), conv, "KMK_TRUNCATE_1DP")
            for key, subject, raw, best, pass_mark, conv in _table(_DEMO_MARKS)
            if key == system
        )
        for system in ("SY-BASIC", "UA-NUS")
    }
    names = (
        d.Name("Arab", "محمد عبد الله الزهراني"),
        d.Name("Latn", "Mohammad Abdullah Al-Zahrani"),
    )
    return d.PassportContent(
        credential_id="urn:uuid:3f2a8c4e-9b1d-4e57-a0c2-7d5b1e9f6a30",
        issuer_id="https://passports.example.org/issuers/de-nw-koeln",
        issuer_name="Bezirksregierung Köln",
        issuer_jurisdiction="DE-NW",
        issued_on=date(2026, 11, 28),
        expires_on=d.default_expiry(date(2026, 11, 28)),
        status_list_url="https://passports.example.org/status/2026-1",
        status_index=94567,
        holder=d.Holder(names, "2012-03-10"),
        studies=tuple(d.StudyClaim(*row, marks[row[0]]) for row in _table(_DEMO_STUDIES)),
        assessments=(
            d.AssessmentClaim("language_test", "telc Deutsch A2", "2026-06-12", None, "A2", "E5"),
        ),
        placements=(
            d.PlacementClaim(
                "DE-NW/2025", "DE-7", "Klasse 7", ("PREPARATORY_LANGUAGE",), "2026-09-01"
            ),
        ),
    )


def demo_render(primary_locale: str = "en", secondary_locale: str = "ar") -> bytes:
    """Sign the demo passport with a throwaway key and render it."""
    from portal.passports.cose import encode_passport_qr
    from portal.passports.jws import build_credential, sign_jws
    from portal.passports.keys import generate_key, key_id, key_id_bytes

    content, key = demo_content(), generate_key()
    jws = sign_jws(build_credential(content), key, key_id(key.public_key()))
    qr_text = encode_passport_qr(content, jws, key, key_id_bytes(key.public_key()))
    return render_passport_pdf(
        content,
        qr_text,
        DEMO_LABELS[primary_locale],
        DEMO_LABELS[secondary_locale],
        primary_locale,
        secondary_locale,
        "https://passports.example.org/verify",
    )


def main(argv: Sequence[str]) -> int:
    """Write the demo passport: ``OUT.pdf [primary secondary]`` (default en ar)."""
    if len(argv) not in (1, 3):
        print("usage: python -m portal.passports.pdf OUT.pdf [en ar]", file=sys.stderr)
        return 2
    Path(argv[0]).write_bytes(demo_render(*argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
