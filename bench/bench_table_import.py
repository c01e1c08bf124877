"""Import of a 50,000-row equivalency-table CSV against a bare executemany of the same rows.

Both run in the same database in the same run: SQLite (a temporary file) and, when
reachable, PostgreSQL (a temporary database that is created and dropped here).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text

from bench.common import report

ROWS = 50_000
PG_ADMIN_URL = os.environ.get(
    "PORTAL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _csv_bytes(origin_grades: list[str], dest_grades: list[str]) -> bytes:
    out = io.StringIO()
    columns = [
        "record_type",
        "origin",
        "destination",
        "relation",
        "conditions",
        "method",
        "rounding",
        "best",
        "pass",
        "note_en",
    ]
    writer = csv.writer(out)
    writer.writerow(columns)
    for i in range(ROWS):
        writer.writerow(
            [
                "grade",
                origin_grades[i % len(origin_grades)],
                dest_grades[i % len(dest_grades)],
                "exact",
                f"cohort=c{i}",
                "",
                "",
                "",
                "",
                f"row {i}",
            ]
        )
    return out.getvalue().encode("utf-8")


def _measure(url: str, instance: Path) -> dict:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.auth.models import User
    from portal.curricula.equivalency.domain.rules import TableFields
    from portal.curricula.equivalency.services import csv_io, drafting
    from portal.curricula.models import EducationSystemVersion, EquivalencyGradeRule
    from portal.extensions import db
    from portal.schools.models import Jurisdiction
    from portal.seed import load_reference

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_DIR": str(instance),
            "SECRET_KEY": "b" * 40,
            "PORTAL_KEY_SECRET": "c" * 40,
        }
    )
    with app.app_context():
        upgrade()
        load_reference()
        nw = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "DE-NW"))
        official = User(
            email="bench@x.example",
            display_name="Bench",
            role="ministry_official",
            jurisdiction=nw,
            password_hash="x",
        )
        db.session.add(official)
        db.session.commit()
        origin = db.session.scalar(
            select(EducationSystemVersion).where(EducationSystemVersion.code.like("UA%"))
        )
        dest = db.session.scalar(
            select(EducationSystemVersion).where(EducationSystemVersion.code.like("DE-NW%"))
        )
        draft = drafting.create_draft(
            official, origin.code, dest.code, TableFields(valid_from=date(2026, 1, 1))
        )
        db.session.commit()
        raw = _csv_bytes([g.code for g in origin.grades], [g.code for g in dest.grades])

        start = time.perf_counter()
        csv_io.import_csv(draft, official, raw, expected_lock_version=draft.lock_version)
        db.session.commit()
        import_seconds = time.perf_counter() - start
        count = db.session.scalar(
            select(db.func.count())
            .select_from(EquivalencyGradeRule)
            .where(EquivalencyGradeRule.table_id == draft.id)
        )
        assert count == ROWS, count
        draft_id = draft.id
        db.session.close()  # release the SQLite write lock before the bare insert

        # Baseline: the same rows, already parsed, straight into the same table.
        params = [
            (
                draft_id,
                i,
                row[1],
                row[2],
                "exact",
                json.dumps({"cohort": f"c{i}"}),
                json.dumps({"en": f"row {i}"}),
            )
            for i, row in enumerate(csv.reader(io.StringIO(raw.decode("utf-8"))))
            if i > 0
        ]
        engine = db.engine
        raw_conn = engine.raw_connection()
        try:
            cur = raw_conn.cursor()
            marker = "?" if engine.dialect.name == "sqlite" else "%s"
            sql = (
                "INSERT INTO equivalency_grade_rules (table_id, position, origin_grade, "
                "dest_grade, relation, conditions, note) VALUES "
                f"({', '.join([marker] * 7)})"
            )
            start = time.perf_counter()
            if engine.dialect.name == "sqlite":
                cur.execute("BEGIN")  # one transaction, as the import has
            cur.executemany(sql, params)
            raw_conn.commit()
            bare_seconds = time.perf_counter() - start
        finally:
            raw_conn.close()
        db.session.remove()
        db.engine.dispose()
    return {
        "import_seconds": import_seconds,
        "bare_executemany_seconds": bare_seconds,
        "ratio": import_seconds / bare_seconds,
        "rows_per_second": ROWS / import_seconds,
    }


def _pg_database() -> str | None:
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS portal_bench_tables"))
            conn.execute(text("CREATE DATABASE portal_bench_tables"))
        admin.dispose()
    except Exception as err:  # report and skip the PostgreSQL half
        print(f"  (PostgreSQL not measured: {type(err).__name__})")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/portal_bench_tables"


def _drop_pg() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS portal_bench_tables"))
    admin.dispose()


def run() -> dict:
    figures: dict = {"rows": ROWS}
    with tempfile.TemporaryDirectory() as tmp:
        for key, value in _measure(f"sqlite:///{tmp}/bench.db", Path(tmp)).items():
            figures[f"sqlite_{key}"] = value
        pg = _pg_database()
        if pg:
            try:
                for key, value in _measure(pg, Path(tmp)).items():
                    figures[f"postgresql_{key}"] = value
            finally:
                _drop_pg()
    return report("table_csv_import", figures)


if __name__ == "__main__":
    run()
