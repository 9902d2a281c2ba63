"""Per-organisation, per-year counters (索引号 serials, letter numbers), taken atomically."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def take_next(
    db: Session, model, organisation_id: int, year: int, at_least: int = 0, **key: str
) -> int:
    """The next number (or at least ``at_least``). The UPDATE ... RETURNING holds the counter
    row's lock until commit, so parallel writers queue on it and never share a number
    (PostgreSQL); SQLite serialises writers. ``key`` names further key columns (a letter
    number series)."""
    postgres = db.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    db.execute(
        insert(model)
        .values(organisation_id=organisation_id, year=year, last_serial=0, **key)
        .on_conflict_do_nothing()
    )
    new_value = model.last_serial + 1
    if at_least:
        greatest = func.greatest if postgres else func.max
        new_value = greatest(model.last_serial, at_least)
    return db.execute(
        update(model)
        .where(
            model.organisation_id == organisation_id,
            model.year == year,
            *(getattr(model, name) == value for name, value in key.items()),
        )
        .values(last_serial=new_value)
        .returning(model.last_serial)
    ).scalar_one()
