"""Structural checks for the versioned reference seed data in portal/curricula/data."""

import itertools
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "portal" / "curricula" / "data"
SYSTEM_FILES = sorted((DATA / "systems").glob("*.json"))
TABLE_FILES = sorted((DATA / "tables").glob("*.json"))
POLICY_FILES = sorted((DATA / "policies").glob("*.json"))
ALL_FILES = [DATA / "sources.json", *SYSTEM_FILES, *TABLE_FILES, *POLICY_FILES]

REQUIRED_SYSTEMS = [
    "SY", "TR", "LB", "JO", "DE-NW", "DE-BY", "DE-BE", "UA", "PL", "MD", "AF", "IR", "PK",
    "SS", "UG", "CD", "VE", "CO", "MM", "BD", "SD", "TD", "ER", "ET", "SO", "KE",
]  # fmt: skip
REQUIRED_TABLES = [
    "SY__TR", "SY__DE-NW", "SY__LB", "SY__JO", "UA__PL", "UA__DE-BY", "AF__IR", "AF__PK",
    "SS__UG", "VE__CO", "SD__TD", "MM__BD",
]  # fmt: skip
# Systems with a documented structural reform carry one version per structure.
REFORMED_SYSTEMS = {"SD": 2, "ET": 2, "UA": 2, "KE": 2, "MM": 2, "IR": 2}

STATUSES = {"approved", "provisional"}
PUBLICATION_STATUSES = {"draft", "published", "superseded"}
RELATIONS = {"exact", "broader", "narrower", "partial"}
METHODS = {"modified_bavarian", "piecewise_linear", "band_table", "none"}
ROUNDINGS = {"KMK_TRUNCATE_1DP", "NEAREST_STEP_TIE_BETTER", "NEXT_BETTER_STEP"}
SCALE_KINDS = {"numeric", "banded", "letter", "descriptive"}
AGE_KINDS = {"cutoff_date", "calendar_year", "months_at_date"}
PLACEMENT_BASES = {"age_first", "documents_first", "assessment_first"}
PRECEDENCE = ["bilateral_table", "national_rule", "recognition_body", "isced_pivot"]
EVIDENCE_LEVELS = {f"E{n}" for n in range(6)}
CEFR_LEVELS = {"A1", "A2", "B1", "B2", "C1", "C2"}
AEP_TYPES = {"AEP", "CATCH_UP", "BRIDGING", "REMEDIAL"}
ORIENTATIONS = {"general", "vocational"}
SUBJECT_CATEGORIES = {"core", "language", "religion", "military", "vocational", "other"}
LABEL_KEYS = {
    "names", "labels", "label", "authority", "basis", "note", "programme",
    "certifying_authority", "entry", "exit",
}  # fmt: skip
SOURCE_REF = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\]")

SYSTEM_VERSION_KEYS = {
    "version", "label", "valid_from", "valid_to", "status", "sources", "note", "age_rule",
    "school_year_start", "programmes", "grades", "subjects", "grading_scales",
}  # fmt: skip
GRADE_KEYS = {
    "code", "programme", "labels", "cumulative_index", "isced_level", "intended_age",
    "certificate_at_end", "status", "sources",
}  # fmt: skip
SCALE_KEYS = {
    "code", "names", "kind", "best", "pass", "worst", "step", "bands", "applies_to",
    "valid_from", "valid_to", "status", "sources",
}  # fmt: skip
TABLE_KEYS = {
    "format", "code", "origin", "destination", "version", "status", "provisional",
    "valid_from", "valid_to", "precedence", "authority", "basis", "sources", "grade_rules",
    "subject_mappings", "mark_rules",
}  # fmt: skip
POLICY_KEYS = {
    "format", "jurisdiction", "system_version", "version", "status", "provisional",
    "valid_from", "valid_to", "sources", "parameters", "aep_programmes",
}  # fmt: skip
PARAMETER_TYPES = {
    "entry_age": int,
    "age_reference": dict,
    "school_year_start": str,
    "placement_basis": str,
    "max_grades_below_age": int,
    "overage_threshold_aep": int,
    "aep_age_band": list,
    "catch_up_max_gap_years": int,
    "partial_year_credit_threshold": str,
    "allow_ahead_of_age": dict,
    "language_support": dict,
    "post_compulsory": dict,
    "assessment_due_weeks": int,
    "review_after_weeks": int,
    "mid_year_weeks": int,
    "equivalency_precedence": list,
    "rounding_policy": str,
    "transition_grades": list,
}


@cache
def load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def sources() -> dict:
    return load(DATA / "sources.json")


def system(code: str) -> dict:
    return load(DATA / "systems" / f"{code}.json")


def system_version(code: str, version: str) -> dict | None:
    path = DATA / "systems" / f"{code}.json"
    if not path.exists():
        return None
    return next((v for v in system(code)["versions"] if v["version"] == version), None)


def grades_by_code(version: dict) -> dict:
    return {g["code"]: g for g in version["grades"]}


def school_grades(version: dict) -> list:
    return [g for g in version["grades"] if g["isced_level"] >= 1]


def assert_has_keys(obj: dict, keys: set) -> None:
    missing = keys - set(obj)
    assert not missing, f"missing keys {sorted(missing)}"


def as_date(value: str) -> date:
    return date.fromisoformat(value)


def as_month_day(value: str) -> date:
    assert re.fullmatch(r"\d\d-\d\d", value), value
    return date.fromisoformat(f"2000-{value}")  # a leap year, so 02-29 is accepted


def as_decimal(value: str) -> Decimal:
    assert isinstance(value, str), f"decimal values are strings, got {value!r}"
    try:
        return Decimal(value)
    except InvalidOperation:
        pytest.fail(f"not a decimal string: {value!r}")


def check_validity(obj: dict) -> None:
    start = as_date(obj["valid_from"])
    if obj["valid_to"] is not None:
        assert as_date(obj["valid_to"]) >= start


def valid_on(obj: dict, day: date) -> bool:
    end = obj["valid_to"]
    return as_date(obj["valid_from"]) <= day and (end is None or day <= as_date(end))


def walk(obj, key=None):
    """Yield (key, value) for every value in a JSON tree, with the key it sits under."""
    yield key, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v, key)


def ids(path: Path) -> str:
    return path.relative_to(DATA).as_posix()


# --------------------------------------------------------------------------- presence


def test_required_systems_present():
    assert sorted(p.stem for p in SYSTEM_FILES) == sorted(REQUIRED_SYSTEMS)


def test_required_tables_present():
    assert set(REQUIRED_TABLES) <= {p.stem for p in TABLE_FILES}


def test_every_system_has_a_policy():
    assert sorted(p.stem for p in POLICY_FILES) == sorted(REQUIRED_SYSTEMS)


@pytest.mark.parametrize(("code", "count"), sorted(REFORMED_SYSTEMS.items()))
def test_reformed_system_has_one_version_per_structure(code, count):
    versions = system(code)["versions"]
    assert len(versions) == count
    assert versions[0]["valid_from"] < versions[1]["valid_from"]


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize("path", ALL_FILES, ids=ids)
def test_file_source_keys_exist(path):
    known = set(sources())
    for key, value in walk(load(path)):
        if key == "sources" and isinstance(value, list):
            assert set(value) <= known, f"unknown source keys {set(value) - known}"
        if isinstance(value, str):
            refs = set(SOURCE_REF.findall(value))
            assert refs <= known, f"unknown source keys cited in text: {refs - known}"


@pytest.mark.parametrize("path", ALL_FILES, ids=ids)
def test_file_label_dicts_have_english(path):
    for key, value in walk(load(path)):
        if key in LABEL_KEYS and isinstance(value, dict):
            assert isinstance(value.get("en"), str), f"{key} without 'en': {value}"
            assert value["en"].strip(), f"{key} with an empty 'en': {value}"
            assert all(isinstance(v, str) and v.strip() for v in value.values()), value


def test_sources_entries_are_complete():
    for key, entry in sources().items():
        assert SOURCE_REF.fullmatch(f"[{key}]"), key
        assert isinstance(entry["title"], str) and entry["title"].strip(), key
        assert isinstance(entry["publisher"], str) and entry["publisher"].strip(), key
        for url in [entry.get("url"), *entry.get("alt_urls", [])]:
            assert url is None or url.startswith(("http://", "https://")), key


def test_every_source_is_cited():
    cited = set()
    for path in ALL_FILES[1:]:
        for key, value in walk(load(path)):
            if key == "sources" and isinstance(value, list):
                cited.update(value)
            elif isinstance(value, str):
                cited.update(SOURCE_REF.findall(value))
    assert set(sources()) - cited == set()


# --------------------------------------------------------------------------- systems


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_file_shape(path):
    data = load(path)
    assert data["format"] == 1
    jur = data["jurisdiction"]
    assert jur["code"] == path.stem
    assert re.fullmatch(r"[A-Z]{2}", jur["country"])
    assert jur["code"] == jur["country"] or jur["code"].startswith(jur["country"] + "-")
    assert {"names", "authority"} <= set(jur)
    assert data["versions"], "at least one version"


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_versions_are_unique_and_complete(path):
    data = load(path)
    code = data["jurisdiction"]["code"]
    versions = [v["version"] for v in data["versions"]]
    assert len(versions) == len(set(versions))
    for v in data["versions"]:
        assert_has_keys(v, SYSTEM_VERSION_KEYS)
        assert v["version"].startswith(code + "-")
        assert v["status"] in STATUSES
        assert isinstance(v["note"], str)
        check_validity(v)


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_statuses_are_known(path):
    for key, value in walk(load(path)):
        if key == "status":
            assert value in STATUSES


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_grades_have_unique_prefixed_codes(path):
    data = load(path)
    prefix = data["jurisdiction"]["code"] + "-"
    for v in data["versions"]:
        codes = [g["code"] for g in v["grades"]]
        assert len(codes) == len(set(codes)), v["version"]
        assert all(c.startswith(prefix) for c in codes), codes
        for g in v["grades"]:
            assert_has_keys(g, GRADE_KEYS)
            assert g["status"] in STATUSES


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_grades_reference_existing_programmes(path):
    for v in load(path)["versions"]:
        programmes = {p["code"]: p for p in v["programmes"]}
        assert len(programmes) == len(v["programmes"])
        for p in v["programmes"]:
            assert p["orientation"] in ORIENTATIONS
            assert re.fullmatch(r"\d{3}", p["isced_p"])
            assert p["isced_p"][0] == str(p["isced_level"]), p["code"]
        for g in v["grades"]:
            assert g["programme"] in programmes, g["code"]
            assert programmes[g["programme"]]["isced_level"] == g["isced_level"], g["code"]


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_cumulative_index_counts_school_years(path):
    for v in load(path)["versions"]:
        school = school_grades(v)
        assert [g["cumulative_index"] for g in school] == list(range(1, len(school) + 1))
        assert school[0]["isced_level"] == 1
        pre = [g for g in v["grades"] if g["isced_level"] == 0]
        assert all(g["cumulative_index"] <= 0 for g in pre)
        assert v["grades"][: len(pre)] == pre, "pre-primary grades come first"


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_isced_level_never_decreases(path):
    for v in load(path)["versions"]:
        levels = [g["isced_level"] for g in v["grades"]]
        assert levels == sorted(levels), v["version"]
        assert set(levels) <= {0, 1, 2, 3}
        assert {1, 2, 3} <= set(levels)


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_intended_age_follows_entry_age(path):
    for v in load(path)["versions"]:
        entry = v["age_rule"]["entry_age"]
        for g in v["grades"]:
            if g.get("intended_age_note"):
                continue
            assert g["intended_age"] == entry + g["cumulative_index"] - 1, g["code"]


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_certificates_exist(path):
    for v in load(path)["versions"]:
        certs = {c["code"] for c in v.get("certificates", [])}
        assert len(certs) == len(v.get("certificates", []))
        used = [p["certificate"] for p in v["programmes"]]
        used += [g["certificate_at_end"] for g in v["grades"]]
        assert {c for c in used if c is not None} <= certs


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_age_rule_and_school_year_start(path):
    for v in load(path)["versions"]:
        rule = v["age_rule"]
        assert type(rule["entry_age"]) is int and 4 <= rule["entry_age"] <= 8
        assert rule["kind"] in AGE_KINDS
        if rule["kind"] == "calendar_year":
            assert rule["month_day"] is None and rule["months"] is None
        else:
            as_month_day(rule["month_day"])
            if rule["kind"] == "months_at_date":
                assert type(rule["months"]) is int and rule["months"] > 0
            else:
                assert rule["months"] is None
        start = v["school_year_start"]
        as_month_day(start["month_day"])
        for variant in start.get("variants", []):
            as_month_day(variant["month_day"])


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_subjects_are_unique(path):
    for v in load(path)["versions"]:
        codes = [s["code"] for s in v["subjects"]]
        assert len(codes) == len(set(codes))
        for s in v["subjects"]:
            assert s["category"] in SUBJECT_CATEGORIES
            assert isinstance(s["exclude_from_average"], bool)


def check_applies_to(applies_to: str, version: dict) -> None:
    if applies_to == "all":
        return
    kind, _, target = applies_to.partition(":")
    if kind == "programme":
        assert target in {p["code"] for p in version["programmes"]}, applies_to
    elif kind == "certificate":
        assert target in {c["code"] for c in version.get("certificates", [])}, applies_to
    elif kind == "grades":
        first, _, last = target.partition("..")
        order = [g["code"] for g in version["grades"]]
        assert first in order and last in order, applies_to
        assert order.index(first) <= order.index(last), applies_to
    else:
        pytest.fail(f"unknown applies_to {applies_to!r}")


@pytest.mark.parametrize("path", SYSTEM_FILES, ids=ids)
def test_system_grading_scales_are_consistent(path):
    for v in load(path)["versions"]:
        codes = [s["code"] for s in v["grading_scales"]]
        assert len(codes) == len(set(codes))
        for s in v["grading_scales"]:
            assert_has_keys(s, SCALE_KEYS)
            assert s["kind"] in SCALE_KINDS
            assert s["status"] in STATUSES
            check_validity(s)
            check_applies_to(s["applies_to"], v)
            if s["kind"] == "descriptive":
                assert (s["best"], s["pass"], s["worst"], s["step"]) == (None,) * 4
                assert s["bands"] == []
                continue
            best, passing, worst = (as_decimal(s[k]) for k in ("best", "pass", "worst"))
            assert min(best, worst) < passing < max(best, worst), s["code"]
            if s["step"] is not None:
                assert as_decimal(s["step"]) > 0
            if s["kind"] in {"banded", "letter"}:
                assert s["bands"], s["code"]
            if s["step"] is not None:
                step = as_decimal(s["step"])
                assert (passing - best) % step == 0 and (worst - best) % step == 0, s["code"]
            band_codes = [b["code"] for b in s["bands"]]
            assert len(band_codes) == len(set(band_codes))
            bands = []
            for band in s["bands"]:
                low, high = as_decimal(band["lower"]), as_decimal(band["upper"])
                assert min(best, worst) <= low <= high <= max(best, worst), s["code"]
                if band["value"] is not None:
                    as_decimal(band["value"])
                bands.append((low, high))
            for (_, upper), (lower, _) in itertools.pairwise(sorted(bands)):
                assert upper < lower, f"{s['code']}: bands overlap"


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("path", TABLE_FILES, ids=ids)
def test_table_identity(path):
    table = load(path)
    assert_has_keys(table, TABLE_KEYS)
    assert table["format"] == 1
    assert table["code"] == path.stem
    origin, dest = table["origin"]["jurisdiction"], table["destination"]["jurisdiction"]
    assert table["code"] == f"{origin}__{dest}"
    assert type(table["version"]) is int and table["version"] >= 1
    assert table["status"] in PUBLICATION_STATUSES
    assert table["provisional"] is True, "seeded tables are provisional by nature"
    assert type(table["precedence"]) is int
    if "basis_kind" in table:
        assert table["precedence"] == PRECEDENCE.index(table["basis_kind"])
    assert table["sources"], "a table cites its basis"
    check_validity(table)


@pytest.mark.parametrize("path", TABLE_FILES, ids=ids)
def test_table_versions_exist(path):
    table = load(path)
    for side in ("origin", "destination"):
        ref = table[side]
        assert system_version(ref["jurisdiction"], ref["version"]) is not None, ref
    dest = system_version(table["destination"]["jurisdiction"], table["destination"]["version"])
    assert valid_on(dest, as_date(table["valid_from"]))


@pytest.mark.parametrize("path", TABLE_FILES, ids=ids)
def test_table_grade_rules_reference_existing_grades(path):
    table = load(path)
    origin = system_version(table["origin"]["jurisdiction"], table["origin"]["version"])
    dest = system_version(table["destination"]["jurisdiction"], table["destination"]["version"])
    origin_grades, dest_grades = grades_by_code(origin), grades_by_code(dest)
    seen = set()
    for rule in table["grade_rules"]:
        assert rule["origin_grade"] in origin_grades, rule
        assert rule["dest_grade"] in dest_grades, rule
        assert rule["relation"] in RELATIONS, rule
        # Conditions are learner facts compared by string equality, e.g. {"stream": "scientific"}.
        conditions = rule["conditions"]
        assert all(re.fullmatch(r"[a-z_]+", k) for k in conditions), rule
        assert all(isinstance(v, str) and v for v in conditions.values()), rule
        signature = (rule["origin_grade"], json.dumps(conditions, sort_keys=True))
        assert signature not in seen, f"ambiguous rules for {rule['origin_grade']}"
        seen.add(signature)
    assert table["grade_rules"], "a table has grade rules"


@pytest.mark.parametrize("path", TABLE_FILES, ids=ids)
def test_table_subject_mappings_reference_existing_subjects(path):
    table = load(path)
    origin = system_version(table["origin"]["jurisdiction"], table["origin"]["version"])
    dest = system_version(table["destination"]["jurisdiction"], table["destination"]["version"])
    for mapping in table["subject_mappings"]:
        assert mapping["origin_subject"] in {s["code"] for s in origin["subjects"]}
        assert mapping["dest_subject"] in {s["code"] for s in dest["subjects"]}


@pytest.mark.parametrize("path", TABLE_FILES, ids=ids)
def test_table_mark_rules_are_valid(path):
    table = load(path)
    origin = system_version(table["origin"]["jurisdiction"], table["origin"]["version"])
    dest = system_version(table["destination"]["jurisdiction"], table["destination"]["version"])
    origin_scales = {s["code"]: s for s in origin["grading_scales"]}
    dest_scales = {s["code"]: s for s in dest["grading_scales"]}
    german = table["destination"]["jurisdiction"].startswith("DE-")
    assert len({r["origin_scale"] for r in table["mark_rules"]}) == len(table["mark_rules"])
    for rule in table["mark_rules"]:
        assert rule["method"] in METHODS, rule
        source = origin_scales[rule["origin_scale"]]
        for key in ("best", "pass"):
            if rule[key] is not None:
                as_decimal(rule[key])
        if rule["method"] == "none":
            assert source["kind"] == "descriptive", rule
            assert rule["rounding"] is None, rule
            assert rule["target_scale"] is None or rule["target_scale"] in dest_scales
            continue
        assert source["kind"] != "descriptive", rule
        assert rule["rounding"] in ROUNDINGS, rule
        assert dest_scales[rule["target_scale"]]["kind"] != "descriptive", rule
        if german:
            assert (rule["method"], rule["rounding"]) == ("modified_bavarian", "KMK_TRUNCATE_1DP")
        else:
            assert rule["method"] in {"piecewise_linear", "band_table"}, rule


# --------------------------------------------------------------------------- policies


def policy_version(path: Path) -> dict:
    policy = load(path)
    version = system_version(policy["jurisdiction"], policy["system_version"])
    assert version is not None, policy["system_version"]
    return version


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_identity(path):
    policy = load(path)
    assert_has_keys(policy, POLICY_KEYS)
    assert policy["format"] == 1
    assert policy["jurisdiction"] == path.stem
    assert type(policy["version"]) is int and policy["version"] >= 1
    assert policy["status"] in PUBLICATION_STATUSES
    assert isinstance(policy["provisional"], bool)
    check_validity(policy)
    assert valid_on(policy_version(path), as_date(policy["valid_from"]))


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_parameters_are_complete_and_typed(path):
    params = load(path)["parameters"]
    assert set(params) == set(PARAMETER_TYPES)
    for key, expected in PARAMETER_TYPES.items():
        if key == "language_support" and params[key] is None:
            continue
        assert type(params[key]) is expected, f"{key}: {params[key]!r}"

    ref = params["age_reference"]
    assert set(ref) == {"type", "month_day", "months"}
    assert ref["type"] in AGE_KINDS
    as_month_day(params["school_year_start"])
    assert params["placement_basis"] in PLACEMENT_BASES
    assert params["max_grades_below_age"] >= 0
    assert params["overage_threshold_aep"] >= 1
    low, high = params["aep_age_band"]
    assert type(low) is int and type(high) is int and low < high
    assert params["catch_up_max_gap_years"] >= 0
    assert Decimal("0") < as_decimal(params["partial_year_credit_threshold"]) <= Decimal("1")
    ahead = params["allow_ahead_of_age"]
    assert type(ahead["max"]) is int and ahead["min_evidence"] in EVIDENCE_LEVELS

    support = params["language_support"]  # null where no language of instruction is known
    if support is not None:
        assert_has_keys(support, {"lang", "threshold", "max_months", "programme"})
        assert isinstance(support["lang"], str) and support["lang"]
        assert set(support["threshold"]) == {"primary", "secondary"}
        assert set(support["threshold"].values()) <= CEFR_LEVELS
        assert type(support["max_months"]) is int and support["max_months"] >= 1
        assert support["programme"] is None or isinstance(support["programme"], dict)

    assert type(params["post_compulsory"]["age_from"]) is int
    for key in ("assessment_due_weeks", "review_after_weeks", "mid_year_weeks"):
        assert params[key] > 0
    assert sorted(params["equivalency_precedence"]) == sorted(PRECEDENCE)
    assert params["rounding_policy"] in ROUNDINGS


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_parameter_status_covers_every_parameter(path):
    policy = load(path)
    status = policy.get("parameter_status", {})
    assert set(status) == set(policy["parameters"])
    assert set(status.values()) <= STATUSES
    assert set(policy.get("parameter_notes", {})) <= set(policy["parameters"])


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_matches_its_system_version(path):
    params = load(path)["parameters"]
    version = policy_version(path)
    rule = version["age_rule"]
    assert params["entry_age"] == rule["entry_age"]
    assert params["age_reference"] == {
        "type": rule["kind"],
        "month_day": rule["month_day"],
        "months": rule["months"],
    }
    assert params["school_year_start"] == version["school_year_start"]["month_day"]
    german = load(path)["jurisdiction"].startswith("DE-")
    assert (params["rounding_policy"] == "KMK_TRUNCATE_1DP") is german


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_transition_grades_exist(path):
    grades = grades_by_code(policy_version(path))
    transitions = load(path)["parameters"]["transition_grades"]
    assert set(transitions) <= set(grades), set(transitions) - set(grades)
    assert len(transitions) == len(set(transitions))


@pytest.mark.parametrize("path", POLICY_FILES, ids=ids)
def test_policy_aep_levels_map_to_consecutive_grades(path):
    policy = load(path)
    grades = grades_by_code(policy_version(path))
    codes = [p["code"] for p in policy["aep_programmes"]]
    assert len(codes) == len(set(codes))
    for programme in policy["aep_programmes"]:
        assert programme["code"].startswith(policy["jurisdiction"] + "-")
        assert programme["type"] in AEP_TYPES
        assert isinstance(programme["certified"], bool)
        assert programme["status"] in STATUSES
        low, high = programme["age_band"]
        assert type(low) is int and type(high) is int and low < high
        if programme["certified"]:
            # AEWG principles 9-10: placeable only with a published level-to-grade map.
            assert programme["levels"], programme["code"]
        level_codes = [level["code"] for level in programme["levels"]]
        assert len(level_codes) == len(set(level_codes))
        covered = [g for level in programme["levels"] for g in level["grades"]]
        assert set(covered) <= set(grades), set(covered) - set(grades)
        indexes = [grades[g]["cumulative_index"] for g in covered]
        if indexes:
            assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))
