"""Who may do what, decided in one place.

Views and workflow actions declare a :class:`Permission` and nothing else. Whether the person
asking has it is decided by the ``__acl__`` of the context (built here, from the organisation
tree) and the principals of the person (also built here):

- every officer acts for their own organisation (``org:<id>``);
- an org admin also approves extensions and manages accounts there (``orgadmin:<id>``), and
  oversees, read-only, every organisation below it in the tree (a county government's admin
  reads its townships' and departments' cases and catalogues and runs their reports);
- the city office (``role:city_admin``) oversees everything and may keep any catalogue;
- an applicant who gave the right access code for a case is ``applicant:<request id>``;
- the system (scheduled commands) is ``system``.

Sessions: a signed cookie carries the user id and a login token; the token's row in
``login_sessions`` is what makes the session valid, so logging out ends it on the server.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import ACLHelper, Allow, Authenticated, Everyone
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from . import settings as s
from .boundary import SESSION_COOKIE
from .models import LoginSession, Organisation, User
from .models.search import utcnow
from .models.users import Role


class Permission(enum.StrEnum):
    VIEW = "view"  # the public site
    OFFICER_AREA = "officer:area"  # any logged-in officer: dashboards, new item
    CATALOGUE_VIEW = "catalogue:view"  # read an organisation's catalogue, drafts included
    CATALOGUE_EDIT = "catalogue:edit"  # an item of one's own organisation
    CATALOGUE_PUBLISH = "catalogue:publish"
    USERS_MANAGE = "users:manage"  # the officers of one's own organisation
    REQUESTS_VIEW = "requests:view"  # read a case (own organisation, or overseen)
    REQUESTS_ENTER = "requests:enter"  # record an application received on paper
    REQUESTS_HANDLE = "requests:handle"  # act on a case of one's own organisation
    REQUESTS_APPROVE = "requests:approve"  # approve an extension (the organisation's admin)
    REQUESTS_PERSONAL_DATA = "requests:personal-data"  # the applicant's proof of identity
    REQUESTS_APPLICANT = "requests:applicant"  # the applicant's own actions (withdraw)
    REQUESTS_SYSTEM = "requests:system"  # scheduled actions (none today: late corrections are an officer's decision)
    REPORTS_VIEW = "reports:view"  # statistics and annual reports of an organisation
    REPORTS_EDIT = "reports:edit"  # the hand-entered report figures and sections (own only)
    CALENDAR_MANAGE = "calendar:manage"  # load a year's holiday arrangement (the city office)
    SCORECARD_VIEW = "scorecard:view"  # the yearly evaluation's ranking (city office, org admins)
    SCORECARD_PUBLISH = "scorecard:publish"  # publish the ranking (the city office)
    ADMIN = "admin"  # the city office: every organisation


P = Permission

CITY_ADMIN = "role:city_admin"
SYSTEM = "system"

# What each kind of principal may do on an organisation's things.
OWN = (
    P.CATALOGUE_VIEW,
    P.CATALOGUE_EDIT,
    P.CATALOGUE_PUBLISH,
    P.REQUESTS_VIEW,
    P.REQUESTS_ENTER,
    P.REQUESTS_HANDLE,
    P.REQUESTS_PERSONAL_DATA,
    P.REPORTS_VIEW,
    P.REPORTS_EDIT,
)
OWN_ADMIN = (P.USERS_MANAGE, P.REQUESTS_APPROVE)
OVERSEER = (P.CATALOGUE_VIEW, P.REQUESTS_VIEW, P.REPORTS_VIEW)
CITY = (
    P.CATALOGUE_VIEW,
    P.CATALOGUE_EDIT,
    P.CATALOGUE_PUBLISH,
    P.USERS_MANAGE,
    P.REQUESTS_VIEW,
    P.REQUESTS_ENTER,
    P.REPORTS_VIEW,
)


def org_principal(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def org_admin_principal(organisation_id: int) -> str:
    return f"orgadmin:{organisation_id}"


def applicant_principal(request_id: int) -> str:
    return f"applicant:{request_id}"


def principals_for(user: User | None) -> list[str]:
    if user is None or not user.active:
        return [Everyone]
    out = [Everyone, Authenticated, f"user:{user.id}", f"role:{user.role}"]
    out.append(org_principal(user.organisation_id))
    if user.role == Role.ORG_ADMIN:
        out.append(org_admin_principal(user.organisation_id))
    return out


def organisation_acl(organisation: Organisation, ancestors: Iterable[Organisation]) -> list:
    """The ACL of anything that belongs to ``organisation`` (its catalogue, its cases)."""
    acl: list = [
        (Allow, CITY_ADMIN, CITY),
        (Allow, org_principal(organisation.id), OWN),
        (Allow, org_admin_principal(organisation.id), OWN_ADMIN),
    ]
    acl += [(Allow, org_admin_principal(a.id), OVERSEER) for a in ancestors]
    return acl


def request_acl(disclosure_request, ancestors: Iterable[Organisation]) -> list:
    """A case: its organisation's ACL, plus its applicant and the system."""
    return [
        *organisation_acl(disclosure_request.organisation, ancestors),
        (Allow, applicant_principal(disclosure_request.id), P.REQUESTS_APPLICANT),
        (Allow, SYSTEM, P.REQUESTS_SYSTEM),
    ]


_acl = ACLHelper()


def permits(acl: list, principals: list[str], permission: str) -> bool:
    class _Context:
        __acl__ = acl

    return bool(_acl.permits(_Context(), principals, permission))


def applicant_permits(disclosure_request, ancestors) -> Callable[[str], bool]:
    """What the applicant who gave the right access code may do on their case."""
    principals = [Everyone, applicant_principal(disclosure_request.id)]
    acl = request_acl(disclosure_request, ancestors)
    return lambda permission: permits(acl, principals, permission)


def user_permits(user: User, disclosure_request, ancestors) -> Callable[[str], bool]:
    """What an officer may do on a case, outside a web request (the command line)."""
    acl = request_acl(disclosure_request, ancestors)
    principals = principals_for(user)
    return lambda permission: permits(acl, principals, permission)


def system_permits(disclosure_request, ancestors) -> Callable[[str], bool]:
    acl = request_acl(disclosure_request, ancestors)
    return lambda permission: permits(acl, [Everyone, SYSTEM], permission)


def visible_organisations(request, permission: str) -> list[Organisation]:
    """The organisations on whose things the current user has ``permission`` (for lists)."""
    tree = request.organisations
    principals = principals_for(request.identity)
    return [
        org
        for org in tree.orgs
        if permits(organisation_acl(org, tree.ancestors(org)), principals, permission)
    ]


# --- sessions ------------------------------------------------------------------------------

SESSION_TOKEN = "login_token"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(request, user: User, now: datetime | None = None) -> list:
    """Rotate the session (a new cookie; nothing of the anonymous one survives) and open a
    server-side login session. Returns the headers to set."""
    request.session.invalidate()
    token = secrets.token_urlsafe(32)
    request.dbsession.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now or utcnow(),
            address=(request.client_addr or "")[:64],
        )
    )
    request.session[SESSION_TOKEN] = token
    return SessionAuthenticationHelper().remember(request, user.id)


def end_login_session(request, now: datetime | None = None) -> list:
    token = request.session.get(SESSION_TOKEN)
    if token:
        row = request.dbsession.get(LoginSession, _token_hash(token))
        if row is not None and row.ended_at is None:
            row.ended_at = now or utcnow()
    headers = SessionAuthenticationHelper().forget(request)
    request.session.invalidate()
    return headers


class SecurityPolicy:
    def __init__(self) -> None:
        self.helper = SessionAuthenticationHelper()

    def identity(self, request) -> User | None:
        userid = self.helper.authenticated_userid(request)
        token = request.session.get(SESSION_TOKEN)
        if userid is None or not token:
            return None
        login = request.dbsession.get(LoginSession, _token_hash(token))
        if login is None or login.ended_at is not None or login.user_id != userid:
            return None
        user = request.dbsession.get(User, userid)
        return user if user is not None and user.active else None

    def authenticated_userid(self, request):
        user = request.identity
        return None if user is None else user.id

    def permits(self, request, context, permission):
        return _acl.permits(context, principals_for(request.identity), permission)

    def remember(self, request, userid, **kw):
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)


class PublicRoot:
    __acl__ = [(Allow, Everyone, P.VIEW)]

    def __init__(self, request) -> None:
        self.request = request


class OfficerRoot:
    """The officer area: any active officer may enter; each object's route narrows it down."""

    __acl__ = [
        (Allow, Authenticated, P.OFFICER_AREA),
        (Allow, CITY_ADMIN, (P.ADMIN, P.USERS_MANAGE, P.CALENDAR_MANAGE)),
        (Allow, f"role:{Role.ORG_ADMIN}", P.USERS_MANAGE),
        # the evaluation (评比): an org admin sees the rows of the bodies it may read
        (Allow, CITY_ADMIN, (P.SCORECARD_VIEW, P.SCORECARD_PUBLISH)),
        (Allow, f"role:{Role.ORG_ADMIN}", P.SCORECARD_VIEW),
    ]

    def __init__(self, request) -> None:
        self.request = request


def csrf_node(request):
    """The hidden CSRF field every Deform form carries (checked by Pyramid before the view)."""
    import colander
    import deform
    from pyramid.csrf import get_csrf_token

    return colander.SchemaNode(
        colander.String(),
        name="csrf_token",
        widget=deform.widget.HiddenWidget(),
        default=get_csrf_token(request),
    )


def includeme(config):
    settings = config.get_settings()
    config.set_session_factory(
        SignedCookieSessionFactory(
            s.get(settings, "session_secret"),
            cookie_name=SESSION_COOKIE,
            httponly=True,
            secure=s.as_bool(s.get(settings, "cookie_secure")),
            samesite="Lax",
            timeout=8 * 3600,
            reissue_time=600,
        )
    )
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(SecurityPolicy())
    config.set_root_factory(PublicRoot)
