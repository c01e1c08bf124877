"""The printed passport: extractable bilingual text, a QR that an independent decoder reads."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date

import pypdfium2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode

from portal.passports import pdf
from portal.passports.cose import decode_qr, encode_passport_qr
from portal.passports.domain import PassportContent, StudyClaim
from portal.passports.jws import build_credential, sign_jws

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID = b"pdf-test"
CONTENT = pdf.demo_content()
VERIFY_URL = "https://passports.example.org/verify"


def signed_qr(content: PassportContent) -> str:
    jws = sign_jws(build_credential(content), KEY, "pdf-test")
    return encode_passport_qr(content, jws, KEY, KID)


def render(content: PassportContent, primary: str = "en", secondary: str = "ar") -> bytes:
    labels = pdf.DEMO_LABELS
    return pdf.render_passport_pdf(
        content,
        signed_qr(content),
        labels[primary],
        labels[secondary],
        primary,
        secondary,
        VERIFY_URL,
    )


def extracted_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in pages))


def zbar_read(data: bytes, dpi: int = 200) -> list[str]:
    image = pypdfium2.PdfDocument(data)[0].render(scale=dpi / 72).to_pil()
    return [s.data.decode("ascii") for s in zbar_decode(image, symbols=[ZBarSymbol.QRCODE])]


@pytest.fixture(scope="module")
def english_arabic() -> bytes:
    return render(CONTENT)


@pytest.fixture(scope="module")
def arabic_english() -> bytes:
    return render(CONTENT, "ar", "en")


@pytest.mark.parametrize(
    "needle",
    [
        "محمد عبد الله الزهراني",
        "Mohammad Abdullah Al-Zahrani",
        "Харківська гімназія № 47",
        "Learning passport",
        "جواز التعلم",
        "مدرسة الشهيد باسل، حلب",
        "Українська мова",
        "2012-03-10",
        "E4",
        "telc Deutsch A2",
        VERIFY_URL,
    ],
    ids=[
        "arabic-name",
        "latin-name",
        "ukrainian-school",
        "english-title",
        "arabic-title",
        "arabic-school",
        "ukrainian-subject",
        "birth-date",
        "evidence-level",
        "instrument",
        "verify-url",
    ],
)
def test_pdf_text_is_extractable(english_arabic, arabic_english, needle):
    expected = unicodedata.normalize("NFKC", needle)
    assert (
        expected in extracted_text(english_arabic),
        expected in extracted_text(arabic_english),
    ) == (
        True,
        True,
    )


def test_pdf_qr_decodes_with_zbar_and_verifies(english_arabic):
    texts = zbar_read(english_arabic)
    assert texts == [signed_qr(CONTENT)]
    result = decode_qr(
        texts[0], lambda kid: KEY.public_key() if kid == KID else None, date(2027, 1, 1)
    )
    assert result.status == "valid"
    assert result.document.holder == CONTENT.holder
    assert result.document.credential_id == CONTENT.credential_id


def test_pdf_qr_with_full_claims_round_trips_exactly():
    small = replace(CONTENT, studies=CONTENT.studies[:1])
    text = signed_qr(small)
    data = pdf.render_passport_pdf(
        small, text, pdf.DEMO_LABELS["en"], pdf.DEMO_LABELS["ar"], "en", "ar", VERIFY_URL
    )
    assert zbar_read(data, dpi=150) == [text]
    result = decode_qr(zbar_read(data, dpi=150)[0], lambda kid: KEY.public_key(), date(2027, 1, 1))
    assert (result.status, result.payload["t"], result.document) == ("valid", "F", small)


def test_pdf_is_a4_and_clean(english_arabic):
    reader = PdfReader(io.BytesIO(english_arabic))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)
    assert reader.metadata.title == "Learning passport / جواز التعلم"
    assert [
        m for m in (b"/JavaScript", b"/EmbeddedFiles", b"/ASCII85Decode") if m in english_arabic
    ] == []


def test_pdf_metadata_carries_no_learner_data(english_arabic):
    metadata = " ".join(str(v) for v in PdfReader(io.BytesIO(english_arabic)).metadata.values())
    assert [n.text for n in CONTENT.holder.names if n.text in metadata] == []


def test_pdf_embeds_only_the_bundled_fonts(english_arabic):
    fonts = set()
    for page in PdfReader(io.BytesIO(english_arabic)).pages:
        for font in page["/Resources"]["/Font"].values():
            if "/FontDescriptor" in font:  # embedded; ReportLab also lists unused Helvetica
                fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts == {
        "NotoSans-Regular",
        "NotoSans-Bold",
        "NotoNaskhArabic-Regular",
        "NotoNaskhArabic-Bold",
    }


def test_pdf_with_many_studies_spans_pages():
    extra = tuple(
        StudyClaim(
            "UA-NUS",
            "Ukrainian general secondary",
            f"UA-{n}",
            f"{n} клас",
            "2022-09",
            "2023-05",
            "completed",
            "E3",
            f"Школа № {n}",
            CONTENT.studies[2].marks,
        )
        for n in range(1, 25)
    )
    data = render(replace(CONTENT, studies=CONTENT.studies + extra))
    assert len(PdfReader(io.BytesIO(data)).pages) >= 5
    assert "Школа № 24" in extracted_text(data).replace("No", "№")
    assert len(zbar_read(data)) == 1


def test_pdf_same_language_prints_each_label_once():
    data = render(CONTENT, "en", "en")
    text = extracted_text(data)
    assert (text.count("Learning passport /"), "جواز التعلم" in text) == (0, False)


def test_render_is_deterministic(english_arabic):
    assert render(CONTENT) == english_arabic


# ---- bidi text layout ---------------------------------------------------------------------


def visual(text: str, base: str = "L") -> str:
    pdf._fonts()
    lines = pdf.layout_lines(text, 1000, 10, False, base)
    return "\n".join("".join(run for run, _ in line) for line in lines)


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("abc", "L", "abc"),
        ("100 · 50 · 0", "R", "0 · 50 · 100"),
        (f"تاريخ {pdf.isolate('2012-03-10')}", "R", "2012-03-10 ﺦﻳﺭﺎﺗ"),
        ("Grade 4 (الرابع)", "L", "Grade 4 (ﻊﺑﺍﺮﻟﺍ)"),
        ("السلم (الأعلى)", "R", "(ﯽﻠﻋﻷﺍ) ﻢﻠﺴﻟﺍ".replace("ﯽ", "ﻰ")),
    ],
    ids=["latin", "numbers-in-rtl", "isolated-date", "arabic-in-brackets-ltr", "brackets-mirrored"],
)
def test_layout_lines_gives_visual_order(text, base, expected):
    assert visual(text, base) == expected


def test_layout_lines_joins_arabic_letters():
    shaped = visual("محمد", "R")
    assert [unicodedata.name(c).split()[-2] for c in shaped] == [
        "FINAL",
        "MEDIAL",
        "MEDIAL",
        "INITIAL",
    ]


def test_font_runs_switch_font_per_script():
    assert pdf.font_runs("Grade 4 / ﻊﺑﺍﺮﻟﺍ") == [("Grade 4 / ", pdf.SANS), ("ﻊﺑﺍﺮﻟﺍ", pdf.ARABIC)]


def test_layout_lines_wraps_long_text_in_logical_order():
    pdf._fonts()
    lines = pdf.layout_lines("واحد اثنان ثلاثة أربعة", 60, 10, False, "R")
    first = "".join(run for run, _ in lines[0])
    assert (len(lines), unicodedata.normalize("NFKC", first)[::-1].startswith("واحد")) == (2, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("abc", "L"), ("محمد", "R"), ("123", "R"), (f"{pdf.LRI}x{pdf.PDI}", "L")],
    ids=["latin", "arabic", "neutral-uses-default", "isolate-ignored"],
)
def test_base_direction(text, expected):
    assert pdf.base_direction(text, default="R") == expected
