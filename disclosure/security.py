"""Who may do what: permissions as an enum, a session-based security policy, ACL contexts, CSRF."""

from __future__ import annotations

import enum

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import ACLHelper, Allow, Authenticated, Everyone
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from . import settings as s
from .models import User
from .models.users import Role


class Permission(enum.StrEnum):
    VIEW = "view"
    OFFICER_AREA = "officer:area"  # any logged-in officer: dashboard, new item
    CATALOGUE_EDIT = "catalogue:edit"  # an item of one's own organisation
    CATALOGUE_PUBLISH = "catalogue:publish"
    USERS_MANAGE = "users:manage"  # the officers of one's own organisation
    REQUESTS_VIEW = "requests:view"  # a request of one's own organisation (the city office: all)
    REQUESTS_HANDLE = "requests:handle"  # act on a request of one's own organisation
    CALENDAR_MANAGE = "calendar:manage"  # load a year's holiday arrangement (the city office)
    ADMIN = "admin"  # the city office: every organisation


def org_principal(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def org_admin_principal(organisation_id: int) -> str:
    return f"orgadmin:{organisation_id}"


CITY_ADMIN = "role:city_admin"


def principals_for(user: User | None) -> list[str]:
    if user is None or not user.active:
        return [Everyone]
    out = [Everyone, Authenticated, f"user:{user.id}", f"role:{user.role}"]
    out.append(org_principal(user.organisation_id))
    if user.role == Role.ORG_ADMIN:
        out.append(org_admin_principal(user.organisation_id))
    return out


class SecurityPolicy:
    def __init__(self) -> None:
        self.helper = SessionAuthenticationHelper()
        self.acl = ACLHelper()

    def identity(self, request) -> User | None:
        userid = self.helper.authenticated_userid(request)
        if userid is None:
            return None
        user = request.dbsession.get(User, userid)
        return user if user is not None and user.active else None

    def authenticated_userid(self, request):
        user = request.identity
        return None if user is None else user.id

    def permits(self, request, context, permission):
        return self.acl.permits(context, principals_for(request.identity), permission)

    def remember(self, request, userid, **kw):
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)


class PublicRoot:
    __acl__ = [(Allow, Everyone, Permission.VIEW)]

    def __init__(self, request) -> None:
        self.request = request


class OfficerRoot:
    """The officer area: any active officer may enter; each item route narrows it down."""

    __acl__ = [
        (Allow, Authenticated, Permission.OFFICER_AREA),
        (Allow, CITY_ADMIN, Permission.ADMIN),
        (Allow, CITY_ADMIN, Permission.USERS_MANAGE),
        (Allow, "role:org_admin", Permission.USERS_MANAGE),
        (Allow, CITY_ADMIN, Permission.CALENDAR_MANAGE),
    ]

    def __init__(self, request) -> None:
        self.request = request


def organisation_acl(organisation_id: int) -> list:
    """Officers of the organisation edit and publish; the city office may do everything."""
    return [
        (Allow, CITY_ADMIN, (Permission.CATALOGUE_EDIT, Permission.CATALOGUE_PUBLISH)),
        (
            Allow,
            org_principal(organisation_id),
            (Permission.CATALOGUE_EDIT, Permission.CATALOGUE_PUBLISH),
        ),
        (Allow, CITY_ADMIN, Permission.USERS_MANAGE),
        (Allow, org_admin_principal(organisation_id), Permission.USERS_MANAGE),
    ]


def request_acl(organisation_id: int) -> list:
    """Officers of the organisation view and handle its requests; the city office only views."""
    return [
        (Allow, CITY_ADMIN, Permission.REQUESTS_VIEW),
        (
            Allow,
            org_principal(organisation_id),
            (Permission.REQUESTS_VIEW, Permission.REQUESTS_HANDLE),
        ),
    ]


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
            cookie_name="disclosure_session",
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
