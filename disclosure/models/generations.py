"""Cache generations: a token per kind of data that pages cache, changed in the same
transaction as the data.

Every process caches what rarely changes (the organisation tree, the schemas built from it) and
asks the database, once per request, for the current tokens. A commit that changes
organisations gives ``organisations`` a new token, so every process sees the change at its next
request: invalidation across processes without messages. ``catalogue`` changes with any
catalogue item or attachment (the validators of public pages).

Tokens are random, not counters: a database made again from scratch can never hand out a token
that a process cached for the old one.

Registered when ``disclosure.models`` is imported, so every writer (web, command line, tests)
bumps the tokens.
"""

from __future__ import annotations

import secrets

from sqlalchemy import String, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .annual_reports import AnnualReport, ScorecardPublication
from .appeals import CaseAppeal
from .catalogue import Attachment, CatalogueItem
from .documents import ReleasedDocument
from .letters import Letter
from .meta import Base
from .organisations import Organisation
from .report_inputs import ReportInput
from .requests import CalendarYear, DisclosureRequest, RequestEvent

ORGANISATIONS = "organisations"
CATALOGUE = "catalogue"
CASES = "cases"
REPORTS = "reports"
CALENDAR = "calendar"

#: model → the generation its changes bump
TRACKED: dict[type, str] = {
    Organisation: ORGANISATIONS,
    CatalogueItem: CATALOGUE,
    Attachment: CATALOGUE,
    DisclosureRequest: CASES,
    RequestEvent: CASES,
    Letter: CASES,
    ReleasedDocument: CASES,
    CaseAppeal: CASES,
    AnnualReport: REPORTS,
    ScorecardPublication: REPORTS,
    ReportInput: REPORTS,
    CalendarYear: CALENDAR,
}

_BUMPED = "cache_generations_bumped"  # session.info: names already bumped in this transaction


class CacheGeneration(Base):
    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def new_token() -> str:
    return secrets.token_hex(16)


def current(connection_or_session) -> dict[str, str]:
    """Every generation's token (one small query)."""
    rows = connection_or_session.execute(select(CacheGeneration.name, CacheGeneration.token))
    return {name: token for name, token in rows}


def bump(session: Session, name: str) -> None:
    """A new token for ``name``, in the session's transaction."""
    conn = session.connection()
    token = new_token()
    done = conn.execute(
        update(CacheGeneration).where(CacheGeneration.name == name).values(token=token)
    )
    if done.rowcount == 0:
        conn.execute(insert(CacheGeneration).values(name=name, token=token))


def _changed(session: Session) -> set[str]:
    names = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = TRACKED.get(type(obj))
        if name is None or name in names:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        names.add(name)
    return names


@event.listens_for(Session, "after_flush")
def _bump(session: Session, flush_context) -> None:
    # After a flush, new/dirty/deleted still hold what it wrote (as for the search outbox).
    bumped = session.info.setdefault(_BUMPED, set())
    for name in sorted(_changed(session) - bumped):
        bump(session, name)
        bumped.add(name)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    # Any end, a SAVEPOINT's too: a rolled-back SAVEPOINT takes its bump with it, so the next
    # change bumps again (one more small UPDATE at worst).
    session.info.pop(_BUMPED, None)
