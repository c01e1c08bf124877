"""Passport PDFs per second beside WeasyPrint rendering the same content from HTML, and LP1 QR
verifications per second beside bare Ed25519 verifications of the same signed bytes.

WeasyPrint is a bench-only extra (`pip install '.[bench]'`; it needs the system pango); when
it is missing its half is reported as not measured.
"""

from __future__ import annotations

import html
import time
import tracemalloc
import zlib
from datetime import date

import base45
import cbor2

from bench.common import peak_rss_mib, report
from portal.passports import pdf
from portal.passports.cose import decode_qr, encode_passport_qr
from portal.passports.jws import build_credential, sign_jws
from portal.passports.keys import generate_key, key_id, key_id_bytes

PDFS = 60
WEASY_PDFS = 10
VERIFICATIONS = 3000


def _signed():
    content, key = pdf.demo_content(), generate_key()
    jws = sign_jws(build_credential(content), key, key_id(key.public_key()))
    qr = encode_passport_qr(content, jws, key, key_id_bytes(key.public_key()))
    return content, key, qr


def _render(content, qr) -> bytes:
    return pdf.render_passport_pdf(
        content,
        qr,
        pdf.DEMO_LABELS["en"],
        pdf.DEMO_LABELS["ar"],
        "en",
        "ar",
        "https://passports.example.org/verify",
    )


def _html(content, qr) -> str:
    import zxingcpp

    svg = zxingcpp.create_barcode(qr, zxingcpp.BarcodeFormat.QRCode, ec_level="Q").to_svg()
    marks = "".join(
        f"<tr><td>{html.escape(m.subject)}</td><td>{html.escape(str(m.raw))}</td>"
        f"<td>{html.escape(str(m.converted or ''))}</td></tr>"
        for s in content.studies
        for m in s.marks
    )
    rows = "".join(
        f"<tr><td>{html.escape(s.system_label)}</td><td>{html.escape(s.grade_label)}</td>"
        f"<td>{s.period_start} – {s.period_end}</td><td>E{s.evidence_level}</td></tr>"
        for s in content.studies
    )
    names = " / ".join(html.escape(n.text) for n in content.holder.names)
    return (
        "<html><head><meta charset='utf-8'><style>body{font-family:'Noto Sans','Noto Naskh Arabic'}"
        "table{border-collapse:collapse}td{border:1px solid #999;padding:2px}</style></head><body>"
        f"<h1>Learning passport / جواز التعلّم</h1><p>{names}</p><table>{rows}</table>"
        f"<table>{marks}</table><div style='width:60mm'>{svg}</div>"
        f"<p style='font-size:6pt;word-break:break-all'>{html.escape(qr)}</p></body></html>"
    )


def run() -> dict:
    content, key, qr = _signed()
    _render(content, qr)  # fonts registered once per process, as in the server
    start = time.perf_counter()
    for _ in range(PDFS):
        _render(content, qr)
    reportlab_seconds = time.perf_counter() - start
    # Memory in a separate pass: tracemalloc slows allocation-heavy code several times over.
    tracemalloc.start()
    for _ in range(5):
        _render(content, qr)
    _current, reportlab_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures: dict = {
        "reportlab_pdfs_per_second": PDFS / reportlab_seconds,
        "reportlab_tracemalloc_peak_mib": reportlab_peak / 2**20,
    }
    try:
        import weasyprint

        document = _html(content, qr)
        weasyprint.HTML(string=document).write_pdf()
        start = time.perf_counter()
        for _ in range(WEASY_PDFS):
            weasyprint.HTML(string=document).write_pdf()
        weasy_rate = WEASY_PDFS / (time.perf_counter() - start)
        figures["weasyprint_pdfs_per_second"] = weasy_rate
        figures["reportlab_vs_weasyprint"] = figures["reportlab_pdfs_per_second"] / weasy_rate
    except (ImportError, OSError) as err:
        figures["weasyprint"] = f"not measured ({type(err).__name__})"

    public = key.public_key()
    kid = key_id_bytes(public)
    today = date(2026, 11, 28)
    start = time.perf_counter()
    for _ in range(VERIFICATIONS):
        result = decode_qr(qr, lambda k: public if k == kid else None, today)
    qr_seconds = time.perf_counter() - start
    assert result.status == "valid", result.status
    tag = cbor2.loads(zlib.decompress(base45.b45decode(qr[4:])))
    protected, _unprotected, body, signature = tag.value
    signed = cbor2.dumps(["Signature1", protected, b"", body], canonical=True)
    start = time.perf_counter()
    for _ in range(VERIFICATIONS):
        public.verify(signature, signed)
    bare_seconds = time.perf_counter() - start
    figures.update(
        {
            "qr_chars": len(qr),
            "qr_verifications_per_second": VERIFICATIONS / qr_seconds,
            "bare_ed25519_verifications_per_second": VERIFICATIONS / bare_seconds,
            "qr_overhead_ratio": qr_seconds / bare_seconds,
            "peak_rss_mib": peak_rss_mib(),
        }
    )
    return report("passports", figures)


if __name__ == "__main__":
    run()
