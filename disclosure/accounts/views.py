"""Log in and out; org admins manage their organisation's officers, the city office everyone."""

from __future__ import annotations

from datetime import timedelta

import colander
import deform
from pyramid.csrf import get_csrf_token, new_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from .. import clock
from ..boundary import error_response
from ..i18n import _
from ..models import User
from ..models.users import ROLE_LABELS, Role
from ..routes import organisation_context
from ..security import (
    Permission,
    csrf_node,
    end_login_session,
    start_login_session,
    visible_organisations,
)
from ..throttle import Rule, blocked_for, clear, record_failure, wait_text
from .services import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    authenticate,
    create_user,
    normalise_email,
)


def _safe_next(url: str | None) -> str | None:
    return url if url and url.startswith("/") and not url.startswith("//") else None


# Failed logins allowed per window, then that account (or that address) must wait.
PER_ACCOUNT = Rule(limit=5, window=timedelta(minutes=15))
PER_ADDRESS = Rule(limit=20, window=timedelta(minutes=15))


def _login_keys(request, email: str) -> list[tuple[str, Rule]]:
    return [
        (f"login:account:{normalise_email(email)[:80]}", PER_ACCOUNT),
        (f"login:address:{(request.client_addr or 'unknown')[:64]}", PER_ADDRESS),
    ]


def _throttled(request, email: str):
    db, moment = request.dbsession, clock.now(request)
    waits = [
        w for key, rule in _login_keys(request, email) if (w := blocked_for(db, key, rule, moment))
    ]
    return max(waits) if waits else None


@view_config(route_name="login", renderer="login.jinja2", require_csrf=True)
def login(request):
    next_url = _safe_next(request.params.get("next"))
    error = None
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "")[:254]
        password = request.POST.get("password", "")[:1000]
        wait = _throttled(request, email)
        if wait is not None:
            request.response.status = 429
            error = request.translate(
                _(
                    "登录失败次数过多，请 ${wait}后再试",
                    mapping={"wait": wait_text(wait, request)},
                )
            )
        else:
            user = authenticate(request.dbsession, email, password)
            if user is not None:
                clear(request.dbsession, _login_keys(request, email)[0][0])
                headers = start_login_session(request, user, clock.now(request))
                new_csrf_token(request)
                # the landing page: what is waiting (disclosure/overview)
                landing = request.route_url("officer_overview")
                return HTTPSeeOther(next_url or landing, headers=headers)
            moment = clock.now(request)
            for key, rule in _login_keys(request, email):
                record_failure(request.dbsession, key, rule, moment)
            error = request.translate(_("邮箱或密码错误"))
            request.response.status = 400
    return {
        "error": error,
        "email": email,
        "next": next_url or "",
        "csrf_token": get_csrf_token(request),
    }


@view_config(route_name="logout", request_method="POST")
def logout(request):
    headers = end_login_session(request, clock.now(request))
    return HTTPSeeOther(request.route_url("home"), headers=headers)


def user_schema(request) -> colander.SchemaNode:
    user = request.identity
    is_city = request.has_permission(Permission.ADMIN)
    roles = [Role.OFFICER, Role.ORG_ADMIN] + ([Role.CITY_ADMIN] if is_city else [])
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(csrf_node(request))
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="email",
            title=_("邮箱"),
            validator=colander.Email(msg=_("邮箱地址无效")),
            missing_msg=_("必填"),
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="display_name",
            title=_("姓名"),
            missing="",
            validator=colander.Length(max=100),
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="role",
            title=_("角色"),
            default=Role.OFFICER.value,
            validator=colander.OneOf([r.value for r in roles]),
            widget=deform.widget.SelectWidget(values=[(r.value, ROLE_LABELS[r]) for r in roles]),
        )
    )
    if is_city:
        # i18n: an ideographic space indents each level of the organisations (data)
        orgs = [(o.code, "　" * d + o.name) for o, d in request.organisations.walk()]
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name="organisation",
                title=_("所属机构"),
                validator=colander.OneOf([c for c, _ in orgs]),
                widget=deform.widget.SelectWidget(values=orgs),
                default=user.organisation.code,
            )
        )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="password",
            title=_("初始密码"),
            validator=colander.Length(
                min=MIN_PASSWORD_LENGTH,
                min_err=_("至少 ${n} 个字符", mapping={"n": MIN_PASSWORD_LENGTH}),
            ),
            widget=deform.widget.PasswordWidget(),
            missing_msg=_("必填"),
        )
    )
    return schema


@view_config(
    route_name="officer_users", renderer="officer/users.jinja2", permission=Permission.USERS_MANAGE
)
def users(request):
    me = request.identity
    form = deform.Form(user_schema(request), buttons=(deform.Button("create", _("创建账号")),))
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return _users_page(request, failure.render())
        except ValueError:
            return error_response(request, 400, _("表单数据无效"))
        org = (
            request.organisations.by_code[data["organisation"]]
            if "organisation" in data
            else me.organisation
        )
        if not request.has_permission(Permission.USERS_MANAGE, organisation_context(request, org)):
            raise HTTPForbidden()
        try:
            create_user(
                request.dbsession,
                data["email"],
                data["password"],
                org,
                data["role"],
                data["display_name"],
            )
        except AccountError as exc:
            request.response.status = 400
            return _users_page(request, form.render(data), error=request.translate(exc.message))
        request.session.flash(
            request.translate(_("已创建账号 ${email}", mapping={"email": data["email"]}))
        )
        return HTTPSeeOther(request.route_url("officer_users"))
    return _users_page(request, form.render())


def _users_page(request, form_html: str, error: str | None = None) -> dict:
    ids = [o.id for o in visible_organisations(request, Permission.USERS_MANAGE)]
    query = (
        select(User).where(User.organisation_id.in_(ids)).order_by(User.organisation_id, User.email)
    )
    return {"users": list(request.dbsession.scalars(query)), "form": form_html, "error": error}
