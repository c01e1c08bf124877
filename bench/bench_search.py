"""Learner search on 1,000 and on 100,000 learners: same queries, same run, SQLite and PostgreSQL.

Each size gets a fresh, migrated database filled in bulk with names in several scripts
(Arabic, Dari, Ukrainian, Tigrinya, Latin with diacritics), most with a Latin transliteration
as a second name, identifiers and birth dates. School C always holds 500 learners; school A
holds all the others (500, or 99,500). The same `search_learners` calls (name prefix in Latin
and in Arabic script, first name and family-name prefix, identifier, birth year) are timed,
best of five, for both schools' administrators:

- school A: the scope grows with the database (a ratio near 100 means linear growth);
- school C: the scope stays at 500 (the ratio shows what the size of the table alone costs).

PostgreSQL runs when PORTAL_BENCH_PG_URL (or the default postgresql+psycopg://postgres@
127.0.0.1:5432/test) is reachable: a temporary database `portal_bench` is created next to it
and dropped afterwards, so the test database is never touched.
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import peak_rss_mib, report, timed
from portal import create_app
from portal.auth.models import User
from portal.db import new_public_id
from portal.extensions import db
from portal.learners import domain
from portal.learners.models import Learner, LearnerIdentifier, LearnerName, LearnerNameToken
from portal.learners.services import SearchQuery, search_learners
from portal.schools.models import Jurisdiction, School

SIZES = (1_000, 100_000)
SMALL_SCHOOL = 500
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "portal_bench"
BATCH = 5_000

# (given names, family names, transliterate?) per origin; several spellings on purpose.
ORIGINS = {
    "syria": (
        ["محمد", "أحمد", "عمر", "يوسف", "علي", "فاطمة", "مريم", "أمل", "نور", "ليلى", "رهف"],
        ["الحسن", "حداد", "الأحمد", "خليل", "العلي", "شامي", "نجار", "المصري", "حمدان"],
        {"محمد": "Mohammad", "أحمد": "Ahmad", "عمر": "Omar", "يوسف": "Yousef", "علي": "Ali",
         "فاطمة": "Fatima", "مريم": "Maryam", "أمل": "Amal", "نور": "Nour", "ليلى": "Layla",
         "رهف": "Rahaf", "الحسن": "Al-Hassan", "حداد": "Haddad", "الأحمد": "Al-Ahmad",
         "خليل": "Khalil", "العلي": "Al-Ali", "شامي": "Shami", "نجار": "Najjar",
         "المصري": "Al-Masri", "حمدان": "Hamdan"},
    ),
    "afghanistan": (
        ["زهرا", "احمد", "محمد", "فاطمه", "مریم", "علی", "حسین", "سکینه", "شبنم"],
        ["احمدی", "رحیمی", "حیدری", "کریمی", "نوری", "صدیقی", "هاشمی"],
        {"زهرا": "Zahra", "احمد": "Ahmad", "محمد": "Mohammad", "فاطمه": "Fatema",
         "مریم": "Maryam", "علی": "Ali", "حسین": "Hussain", "سکینه": "Sakina",
         "شبنم": "Shabnam", "احمدی": "Ahmadi", "رحیمی": "Rahimi", "حیدری": "Haidari",
         "کریمی": "Karimi", "نوری": "Nouri", "صدیقی": "Siddiqi", "هاشمی": "Hashimi"},
    ),
    "ukraine": (
        ["Олег", "Андрій", "Марія", "Софія", "Іван", "Юлія", "Дмитро", "Анастасія", "Ярослав"],
        ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Мельник", "Кравчук", "Литвиненко"],
        {"Олег": "Oleh", "Андрій": "Andrii", "Марія": "Mariia", "Софія": "Sofiia",
         "Іван": "Ivan", "Юлія": "Yuliia", "Дмитро": "Dmytro", "Анастасія": "Anastasiia",
         "Ярослав": "Yaroslav", "Шевченко": "Shevchenko", "Коваленко": "Kovalenko",
         "Бондаренко": "Bondarenko", "Ткаченко": "Tkachenko", "Мельник": "Melnyk",
         "Кравчук": "Kravchuk", "Литвиненко": "Lytvynenko"},
    ),
    "eritrea": (
        ["ሰላም", "ተስፋይ", "ሄለን", "ዳዊት", "ሳባ", "ሚካኤል"],
        ["ገብረ", "ሃይለ", "ተወልደ", "ብርሃነ", "ኪዳነ"],
        {"ሰላም": "Selam", "ተስፋይ": "Tesfay", "ሄለን": "Helen", "ዳዊት": "Dawit", "ሳባ": "Saba",
         "ሚካኤል": "Mikael", "ገብረ": "Gebre", "ሃይለ": "Haile", "ተወልደ": "Tewelde",
         "ብርሃነ": "Berhane", "ኪዳነ": "Kidane"},
    ),
    "latin": (
        ["María José", "José", "Andrés", "Lucía", "Jesús", "Ángel", "Deng", "Achol", "Gatluak",
         "Nyaboth", "Émilie", "Jean-Baptiste", "Zoë", "Łukasz", "Ayşe", "Çağrı"],
        ["Pérez", "Rodríguez", "Muñoz", "González", "Hernández", "Garang", "Deng", "Kiir",
         "Mukendi", "Kabila", "Ngũgĩ", "Wiśniewska", "Yılmaz", "Öztürk", "Müller"],
        {},
    ),
}  # fmt: skip
WEIGHTS = {"syria": 30, "afghanistan": 20, "ukraine": 25, "eritrea": 5, "latin": 20}
QUERIES = {
    "name_prefix_latin": SearchQuery(text="ahma"),
    "name_prefix_arabic": SearchQuery(text="محم"),
    "full_name": SearchQuery(text="oleh shevch"),
    "identifier": None,  # the first identifier of the school's own learners, as typed
    "birth_year": SearchQuery(birth_year=2014),
}


def _overrides(url: str, instance: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "PORTAL_KEY_SECRET": "bench-key-secret-" + "y" * 40,
    }


def _rows(n: int, school_ids: list[int], rng: random.Random):
    """Yield (learner, names, identifier) rows for n learners."""
    origins, weights = list(WEIGHTS), list(WEIGHTS.values())
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        given_names, families, latin = ORIGINS[rng.choices(origins, weights)[0]]
        given, family = rng.choice(given_names), rng.choice(families)
        learner = {
            "id": i,
            "public_id": new_public_id(),
            "school_id": school_ids[i - 1],
            "birth_date": date(2008, 1, 1) + timedelta(days=rng.randrange(14 * 365)),
            "birth_date_precision": "day" if rng.random() < 0.8 else "year",
            "birth_date_source": "declared",
            "birth_date_calendar": "gregorian",
            "created_at": start + timedelta(minutes=i),
            "updated_at": start + timedelta(minutes=i),
            "lock_version": 1,
        }
        names = [(given, family, "original")]
        if latin and rng.random() < 0.7:
            names.append((latin[given], latin[family], "transliteration"))
        identifier = f"UNHCR {i:07d}" if rng.random() < 0.6 else f"NID-{rng.randrange(10**9):09d}"
        yield learner, names, identifier


def _fill(n: int) -> dict[str, User]:
    """Create schools A and C with an administrator each, and n learners in bulk."""
    jurisdiction = Jurisdiction(code="XX-BENCH", country="XX", names={"en": "Bench"}, authority={})
    a = School(name="School A", city="", jurisdiction=jurisdiction)
    c = School(name="School C", city="", jurisdiction=jurisdiction)
    users = {
        key: User(
            email=f"{key}@bench.example",
            display_name=key,
            password_hash="-",
            role="school_admin",
            school=school,
        )
        for key, school in (("school_a", a), ("school_c", c))
    }
    db.session.add_all([jurisdiction, a, c, *users.values()])
    db.session.flush()
    rng = random.Random(20260301)
    school_ids = [c.id] * SMALL_SCHOOL + [a.id] * (n - SMALL_SCHOOL)
    rng.shuffle(school_ids)
    learners, names, tokens, identifiers = [], [], [], []
    name_id = 0

    def flush():
        batches = (
            (Learner, learners),
            (LearnerName, names),
            (LearnerNameToken, tokens),
            (LearnerIdentifier, identifiers),
        )
        for model, rows in batches:
            if rows:
                db.session.execute(insert(model.__table__), rows)
                rows.clear()

    for learner, learner_names, identifier in _rows(n, school_ids, rng):
        learners.append(learner)
        for position, (given, family, kind) in enumerate(learner_names):
            # Bulk rows bypass the ORM hook that derives tokens, so derive them here alike.
            name_id += 1
            search_key = domain.fold_name(f"{given} {family}")
            tokens.extend(
                {"name_id": name_id, "learner_id": learner["id"], "token": word}
                for word in sorted(set(search_key.split()))
            )
            names.append(
                {
                    "id": name_id,
                    "learner_id": learner["id"],
                    "position": position,
                    "script": domain.detect_script(given + family),
                    "kind": kind,
                    "given": given,
                    "family": family,
                    "search_key": search_key,
                }
            )
        identifiers.append(
            {
                "learner_id": learner["id"],
                "kind": "unhcr" if identifier.startswith("UNHCR") else "national_id",
                "value": identifier,
                "normalized_value": domain.normalise_identifier(identifier),
                "issuer": "",
            }
        )
        if len(learners) >= BATCH:
            flush()
    flush()
    db.session.commit()
    return users


def _measure(url: str, n: int, workdir: Path) -> dict[str, float | int]:
    app = create_app(_overrides(url, workdir))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        users = _fill(n)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        figures: dict[str, float | int] = {}
        for key, user in users.items():
            known = db.session.scalar(
                select(LearnerIdentifier.value)
                .join(Learner)
                .where(Learner.school_id == user.school_id)
                .order_by(Learner.id)
                .limit(1)
            )
            for name, query in QUERIES.items():
                query = query or SearchQuery(identifier=known.lower())
                page = search_learners(user, query)
                figures[f"{key}_{name}_hits"] = page.total
                seconds = timed(lambda user=user, query=query: search_learners(user, query), 5)
                figures[f"{key}_{name}_ms"] = 1000 * seconds
                db.session.rollback()  # drop the audit entries of the searches
        db.session.remove()
        db.engine.dispose()
    return figures


def _sqlite(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        return _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", n, Path(tmp))


def _postgres_admin_url() -> str | None:
    url = os.environ.get("PORTAL_BENCH_PG_URL", DEFAULT_PG)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(select(1))
        engine.dispose()
    except Exception as err:  # a missing driver, server or role all mean "not available"
        print(f"PostgreSQL not reachable ({type(err).__name__}); skipping it")
        return None
    return url


def _postgres(admin_url: str, n: int) -> dict:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    bench_url = make_url(admin_url).set(database=BENCH_DB)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
            return _measure(bench_url.render_as_string(hide_password=False), n, Path(tmp))
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        engine.dispose()


def _compare(engine: str, small: dict, large: dict) -> dict:
    figures: dict = {}
    for key in small:
        if key.endswith("_ms"):
            base = key.removesuffix("_ms")
            figures[f"{engine}_{base}_hits"] = f"{small[base + '_hits']} / {large[base + '_hits']}"
            figures[f"{engine}_{base}_ms_1k"] = small[key]
            figures[f"{engine}_{base}_ms_100k"] = large[key]
            figures[f"{engine}_{base}_ratio"] = large[key] / small[key]
    return figures


def run() -> dict:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    figures: dict = {"sizes": " / ".join(f"{n:,}" for n in SIZES)}
    small, large = (_sqlite(n) for n in SIZES)
    figures.update(_compare("sqlite", small, large))
    admin_url = _postgres_admin_url()
    if admin_url:
        small, large = (_postgres(admin_url, n) for n in SIZES)
        figures.update(_compare("postgresql", small, large))
    figures["peak_rss_mib"] = peak_rss_mib()
    return report("learner_search", figures)


if __name__ == "__main__":
    run()
