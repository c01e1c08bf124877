"""Passport content value objects and the compact claims payload signed into the QR code.

The payload is a CBOR-friendly dict with short, stable keys. Optional values are omitted,
never null, except inside the positional mark arrays. Key map:

    top level (both kinds)
      v    int          payload format version (1)
      t    str          "F" full claims, "S" summary (the full claims did not fit the QR)
      id   bytes(16)    credential UUID (PassportContent.credential_id is "urn:uuid:<uuid>")
      iss  str          issuer id (URL or DID);  isn  issuer name;  isj  issuer jurisdiction
      iat  str          issued on (ISO date);    exp  expires on (ISO date)
      st   [str, int]   status list credential URL, status list index
      sub  map          holder: n [[script, text], ...], b birth date, bp birth-date precision
    full only:     s [study], a [assessment], pl [placement]
    summary only:  c [n studies, n assessments, n placements],
                   hg [highest completed grade per system], h bytes(32) SHA-256 of the full
                   credential (the compact JWS, ASCII)
    The nested maps follow the field tables _STUDY, _ASSESSMENT, _PLACEMENT and _HIGHEST
    below (evidence levels travel as 0-5). A study's "m" holds marks as arrays:
    [subject, raw, best, pass, worst, converted | null, method | null].

There is deliberately no nationality, legal status or refugee status anywhere.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
import uuid
from dataclasses import astuple, dataclass, fields
from datetime import date
from typing import Any

PAYLOAD_VERSION = 1
FULL, SUMMARY = "F", "S"
EVIDENCE_LEVELS = ("E0", "E1", "E2", "E3", "E4", "E5")
BIRTH_DATE_PRECISIONS = ("day", "month", "year", "estimated")
COMPLETED_STATUSES = ("completed", "promoted_without_exam")
VALIDITY_YEARS = 5

_PARTIAL_DATE = re.compile(r"\d{4}(?:-(0[1-9]|1[0-2])(?:-\d{2})?)?")
_URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class PassportDataError(ValueError):
    """Passport content or payload breaks the schema; ``code`` names the rule."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _check(condition: bool, code: str) -> None:
    if not condition:
        raise PassportDataError(code)


def _check_partial_date(value: str, code: str) -> None:
    _check(isinstance(value, str) and _PARTIAL_DATE.fullmatch(value) is not None, code)
    if len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise PassportDataError(code) from None


@dataclass(frozen=True)
class Name:
    script: str
    text: str

    def __post_init__(self) -> None:
        _check(isinstance(self.script, str) and isinstance(self.text, str), "name_type")
        _check(bool(self.text.strip()), "name_empty")
        object.__setattr__(self, "text", unicodedata.normalize("NFC", self.text))


@dataclass(frozen=True)
class Holder:
    names: tuple[Name, ...]
    birth_date: str
    birth_date_precision: str = "day"

    def __post_init__(self) -> None:
        _check(len(self.names) > 0, "holder_without_name")
        _check_partial_date(self.birth_date, "birth_date")
        _check(self.birth_date_precision in BIRTH_DATE_PRECISIONS, "birth_date_precision")


@dataclass(frozen=True)
class MarkScale:
    best: str
    pass_mark: str
    worst: str


@dataclass(frozen=True)
class MarkClaim:
    subject: str
    raw: str
    scale: MarkScale
    converted: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class StudyClaim:
    system: str
    system_label: str
    grade_code: str
    grade_label: str
    period_start: str
    period_end: str | None
    status: str
    evidence_level: str
    issuer: str | None = None
    marks: tuple[MarkClaim, ...] = ()

    def __post_init__(self) -> None:
        _check(self.evidence_level in EVIDENCE_LEVELS, "evidence_level")
        _check_partial_date(self.period_start, "period_start")
        if self.period_end is not None:
            _check_partial_date(self.period_end, "period_end")


@dataclass(frozen=True)
class AssessmentClaim:
    kind: str
    instrument: str
    date: str
    level_cumulative_index: int | None
    cefr: str | None
    evidence_level: str

    def __post_init__(self) -> None:
        _check(self.evidence_level in EVIDENCE_LEVELS, "evidence_level")
        _check_partial_date(self.date, "assessment_date")


@dataclass(frozen=True)
class PlacementClaim:
    destination: str
    grade_code: str
    grade_label: str
    programmes: tuple[str, ...]
    decided_on: str
    kind: str = "recommendation"

    def __post_init__(self) -> None:
        _check_partial_date(self.decided_on, "decided_on")


@dataclass(frozen=True)
class PassportHeader:
    """What every signed passport document carries, full or summary."""

    credential_id: str
    issuer_id: str
    issuer_name: str
    issuer_jurisdiction: str
    issued_on: date
    expires_on: date
    status_list_url: str
    status_index: int
    holder: Holder

    def __post_init__(self) -> None:
        _check(_URN_UUID.fullmatch(self.credential_id) is not None, "credential_id")
        _check(self.expires_on > self.issued_on, "validity_window")
        _check(type(self.status_index) is int and self.status_index >= 0, "status_index")


@dataclass(frozen=True)
class PassportContent(PassportHeader):
    studies: tuple[StudyClaim, ...] = ()
    assessments: tuple[AssessmentClaim, ...] = ()
    placements: tuple[PlacementClaim, ...] = ()


@dataclass(frozen=True)
class HighestGrade:
    system: str
    system_label: str
    grade_code: str
    grade_label: str
    period_end: str | None
    evidence_level: str


@dataclass(frozen=True)
class PassportSummary(PassportHeader):
    counts: tuple[int, int, int] = (0, 0, 0)
    highest: tuple[HighestGrade, ...] = ()
    full_hash: bytes = b""


def new_credential_id() -> str:
    """Return a fresh random credential id in urn:uuid form."""
    return f"urn:uuid:{uuid.uuid4()}"


def default_expiry(issued: date, years: int = VALIDITY_YEARS) -> date:
    """Return the expiry date ``years`` after issue; 29 February maps to 28 February."""
    year = issued.year + years
    if issued.month == 2 and issued.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return issued.replace(year=year)


def credential_hash(full_credential_jws: str) -> bytes:
    """Return the SHA-256 that a summary payload carries for the full credential."""
    return hashlib.sha256(full_credential_jws.encode("ascii")).digest()


def _recency(study: StudyClaim) -> tuple[str, str]:
    return (study.period_end or study.period_start, study.period_start)


def highest_completed_grades(studies: tuple[StudyClaim, ...]) -> tuple[HighestGrade, ...]:
    """Return the latest completed grade per curriculum system, in first-seen system order."""
    best: dict[str, StudyClaim] = {}
    for study in studies:
        current = best.get(study.system)
        if study.status in COMPLETED_STATUSES and (
            current is None or _recency(study) > _recency(current)
        ):
            best[study.system] = study
    return tuple(
        HighestGrade(
            s.system, s.system_label, s.grade_code, s.grade_label, s.period_end, s.evidence_level
        )
        for s in best.values()
    )


def summarise(content: PassportContent, full_credential_jws: str) -> PassportSummary:
    """Condense a passport to the summary that fits any QR code."""
    header = {f.name: getattr(content, f.name) for f in fields(PassportHeader)}
    return PassportSummary(
        **header,
        counts=(len(content.studies), len(content.assessments), len(content.placements)),
        highest=highest_completed_grades(content.studies),
        full_hash=credential_hash(full_credential_jws),
    )


# ---- payload encoding and decoding --------------------------------------------------------
# Field tables: (payload key, attribute, kind). Kinds: "s" str, "s?" optional str,
# "i?" optional int, "e" evidence level (0-5 on the wire), "ls" list of str, "d" ISO date.
_Spec = tuple[tuple[str, str, str], ...]
_HEADER: _Spec = (
    ("iss", "issuer_id", "s"),
    ("isn", "issuer_name", "s"),
    ("isj", "issuer_jurisdiction", "s"),
    ("iat", "issued_on", "d"),
    ("exp", "expires_on", "d"),
)
_STUDY: _Spec = (
    ("sy", "system", "s"),
    ("sl", "system_label", "s"),
    ("g", "grade_code", "s"),
    ("gl", "grade_label", "s"),
    ("ps", "period_start", "s"),
    ("pe", "period_end", "s?"),
    ("r", "status", "s"),
    ("e", "evidence_level", "e"),
    ("is", "issuer", "s?"),
)
_ASSESSMENT: _Spec = (
    ("k", "kind", "s"),
    ("in", "instrument", "s"),
    ("d", "date", "s"),
    ("y", "level_cumulative_index", "i?"),
    ("c", "cefr", "s?"),
    ("e", "evidence_level", "e"),
)
_PLACEMENT: _Spec = (
    ("d", "destination", "s"),
    ("g", "grade_code", "s"),
    ("gl", "grade_label", "s"),
    ("pr", "programmes", "ls"),
    ("on", "decided_on", "s"),
    ("k", "kind", "s"),
)
_HIGHEST: _Spec = (
    ("sy", "system", "s"),
    ("sl", "system_label", "s"),
    ("g", "grade_code", "s"),
    ("gl", "grade_label", "s"),
    ("pe", "period_end", "s?"),
    ("e", "evidence_level", "e"),
)


def _encode(obj: Any, spec: _Spec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, attr, kind in spec:
        value = getattr(obj, attr)
        if value is None:
            continue
        if kind == "e":
            value = EVIDENCE_LEVELS.index(value)
        elif kind == "ls":
            value = list(value)
        elif kind == "d":
            value = value.isoformat()
        out[key] = value
    return out


def _decode_value(value: Any, kind: str, code: str) -> Any:
    if kind in ("s", "s?"):
        _check(isinstance(value, str), code)
        return value
    if kind == "i?":
        _check(type(value) is int, code)
        return value
    if kind == "e":
        _check(type(value) is int and 0 <= value < len(EVIDENCE_LEVELS), "evidence_level")
        return EVIDENCE_LEVELS[value]
    if kind == "ls":
        _check(isinstance(value, list) and all(isinstance(v, str) for v in value), code)
        return tuple(value)
    _check(isinstance(value, str) and len(value) == 10, code)  # "d"
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PassportDataError(code) from None


def _decode(value: Any, spec: _Spec, code: str, extra: frozenset[str] = frozenset()) -> dict:
    """Return constructor keyword arguments; the map must hold exactly the allowed keys."""
    _check(isinstance(value, dict), code)
    required = {key for key, _, kind in spec if not kind.endswith("?")}
    _check(required <= set(value) <= {key for key, _, _ in spec} | extra, code)
    return {
        attr: _decode_value(value[key], kind, code) if key in value else None
        for key, attr, kind in spec
    }


def _decode_list(payload: dict, key: str, code: str) -> list[Any]:
    if key not in payload:
        return []
    items = payload[key]
    _check(isinstance(items, list) and len(items) > 0, code)  # empty lists are omitted
    return items


def _study_payload(study: StudyClaim) -> dict[str, Any]:
    out = _encode(study, _STUDY)
    if study.marks:
        out["m"] = [
            [m.subject, m.raw, *astuple(m.scale), m.converted, m.method] for m in study.marks
        ]
    return out


def _mark_from(value: Any) -> MarkClaim:
    _check(isinstance(value, list) and len(value) == 7, "mark")
    for index, item in enumerate(value):
        _check(isinstance(item, str) or (index >= 5 and item is None), "mark")
    subject, raw, best, pass_mark, worst, converted, method = value
    return MarkClaim(subject, raw, MarkScale(best, pass_mark, worst), converted, method)


def _study_from(value: Any) -> StudyClaim:
    fields_ = _decode(value, _STUDY, "study", frozenset({"m"}))
    marks = tuple(_mark_from(m) for m in _decode_list(value, "m", "study"))
    return StudyClaim(**fields_, marks=marks)


def _header_payload(doc: PassportHeader, kind: str) -> dict[str, Any]:
    holder = doc.holder
    return {
        "v": PAYLOAD_VERSION,
        "t": kind,
        "id": uuid.UUID(doc.credential_id.removeprefix("urn:uuid:")).bytes,
        **_encode(doc, _HEADER),
        "st": [doc.status_list_url, doc.status_index],
        "sub": {
            "n": [[n.script, n.text] for n in holder.names],
            "b": holder.birth_date,
            "bp": holder.birth_date_precision,
        },
    }


_HEADER_KEYS = frozenset({"v", "t", "id", "st", "sub"})


def _header_from(payload: Any, kind: str, extra: frozenset[str]) -> dict[str, Any]:
    fields_ = _decode(payload, _HEADER, "payload_keys", _HEADER_KEYS | extra)
    _check(set(payload) >= _HEADER_KEYS, "payload_keys")
    _check(type(payload["v"]) is int and payload["v"] == PAYLOAD_VERSION, "version")
    _check(payload["t"] == kind, "payload_kind")
    raw_id, status, sub = payload["id"], payload["st"], payload["sub"]
    _check(isinstance(raw_id, bytes) and len(raw_id) == 16, "credential_id")
    _check(isinstance(status, list) and len(status) == 2, "status_entry")
    _check(isinstance(status[0], str) and type(status[1]) is int, "status_entry")
    _check(isinstance(sub, dict) and set(sub) == {"n", "b", "bp"}, "holder")
    _check(isinstance(sub["n"], list), "holder")
    for pair in sub["n"]:
        _check(isinstance(pair, list) and len(pair) == 2, "holder")
        _check(all(isinstance(part, str) for part in pair), "holder")
    _check(isinstance(sub["b"], str) and isinstance(sub["bp"], str), "holder")
    names = tuple(Name(script, text) for script, text in sub["n"])
    return fields_ | {
        "credential_id": f"urn:uuid:{uuid.UUID(bytes=raw_id)}",
        "status_list_url": status[0],
        "status_index": status[1],
        "holder": Holder(names, sub["b"], sub["bp"]),
    }


def claims_payload(content: PassportContent) -> dict[str, Any]:
    """Return the full claims payload (short keys, see module docstring) for CBOR signing."""
    out = _header_payload(content, FULL)
    if content.studies:
        out["s"] = [_study_payload(s) for s in content.studies]
    if content.assessments:
        out["a"] = [_encode(a, _ASSESSMENT) for a in content.assessments]
    if content.placements:
        out["pl"] = [_encode(p, _PLACEMENT) for p in content.placements]
    return out


def summary_payload(summary: PassportSummary) -> dict[str, Any]:
    """Return the summary payload (short keys, see module docstring) for CBOR signing."""
    out = _header_payload(summary, SUMMARY)
    out["c"] = list(summary.counts)
    if summary.highest:
        out["hg"] = [_encode(h, _HIGHEST) for h in summary.highest]
    out["h"] = summary.full_hash
    return out


def content_from_payload(payload: dict[str, Any]) -> PassportContent:
    """Rebuild the passport content from a full claims payload, rejecting anything else."""
    header = _header_from(payload, FULL, frozenset({"s", "a", "pl"}))
    return PassportContent(
        **header,
        studies=tuple(_study_from(x) for x in _decode_list(payload, "s", "studies")),
        assessments=tuple(
            AssessmentClaim(**_decode(x, _ASSESSMENT, "assessment"))
            for x in _decode_list(payload, "a", "assessments")
        ),
        placements=tuple(
            PlacementClaim(**_decode(x, _PLACEMENT, "placement"))
            for x in _decode_list(payload, "pl", "placements")
        ),
    )


def summary_from_payload(payload: dict[str, Any]) -> PassportSummary:
    """Rebuild a passport summary from a summary payload, rejecting anything else."""
    header = _header_from(payload, SUMMARY, frozenset({"c", "h", "hg"}))
    counts, full_hash = payload.get("c"), payload.get("h")
    _check(isinstance(counts, list) and len(counts) == 3, "counts")
    _check(all(type(c) is int and c >= 0 for c in counts), "counts")
    _check(isinstance(full_hash, bytes) and len(full_hash) == 32, "full_hash")
    highest = tuple(
        HighestGrade(**_decode(x, _HIGHEST, "highest_grade"))
        for x in _decode_list(payload, "hg", "highest_grade")
    )
    return PassportSummary(**header, counts=tuple(counts), highest=highest, full_hash=full_hash)


def document_from_payload(payload: dict[str, Any]) -> PassportContent | PassportSummary:
    """Rebuild whichever document the payload carries; raise PassportDataError otherwise."""
    if isinstance(payload, dict) and payload.get("t") == SUMMARY:
        return summary_from_payload(payload)
    return content_from_payload(payload)
