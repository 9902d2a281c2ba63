"""Log in and out; org admins manage their organisation's officers, the city office everyone."""

from __future__ import annotations

import colander
import deform
from pyramid.csrf import get_csrf_token, new_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config
from sqlalchemy import select

from ..boundary import error_response
from ..models import User
from ..models.users import ROLE_LABELS, Role
from ..security import Permission, csrf_node
from .services import MIN_PASSWORD_LENGTH, AccountError, authenticate, create_user


def _safe_next(url: str | None) -> str | None:
    return url if url and url.startswith("/") and not url.startswith("//") else None


@view_config(route_name="login", renderer="login.jinja2", require_csrf=True)
def login(request):
    next_url = _safe_next(request.params.get("next"))
    error = None
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "")[:254]
        password = request.POST.get("password", "")[:1000]
        user = authenticate(request.dbsession, email, password)
        if user is not None:
            new_csrf_token(request)
            headers = remember(request, user.id)
            return HTTPSeeOther(next_url or request.route_url("officer"), headers=headers)
        error = "邮箱或密码错误"
        request.response.status = 400
    return {
        "error": error,
        "email": email,
        "next": next_url or "",
        "csrf_token": get_csrf_token(request),
    }


@view_config(route_name="logout", request_method="POST")
def logout(request):
    request.session.invalidate()
    return HTTPSeeOther(request.route_url("home"), headers=forget(request))


def user_schema(request) -> colander.SchemaNode:
    user = request.identity
    is_city = user.role == Role.CITY_ADMIN
    roles = [Role.OFFICER, Role.ORG_ADMIN] + ([Role.CITY_ADMIN] if is_city else [])
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(csrf_node(request))
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="email",
            title="邮箱",
            validator=colander.Email(msg="邮箱地址无效"),
            missing_msg="必填",
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="display_name",
            title="姓名",
            missing="",
            validator=colander.Length(max=100),
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="role",
            title="角色",
            default=Role.OFFICER.value,
            validator=colander.OneOf([r.value for r in roles]),
            widget=deform.widget.SelectWidget(values=[(r.value, ROLE_LABELS[r]) for r in roles]),
        )
    )
    if is_city:
        orgs = [(o.code, "　" * d + o.name) for o, d in request.organisations.walk()]
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name="organisation",
                title="所属机构",
                validator=colander.OneOf([c for c, _ in orgs]),
                widget=deform.widget.SelectWidget(values=orgs),
                default=user.organisation.code,
            )
        )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="password",
            title="初始密码",
            validator=colander.Length(
                min=MIN_PASSWORD_LENGTH, min_err=f"至少 {MIN_PASSWORD_LENGTH} 个字符"
            ),
            widget=deform.widget.PasswordWidget(),
            missing_msg="必填",
        )
    )
    return schema


@view_config(
    route_name="officer_users", renderer="officer/users.jinja2", permission=Permission.USERS_MANAGE
)
def users(request):
    me = request.identity
    form = deform.Form(user_schema(request), buttons=(deform.Button("create", "创建账号"),))
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return _users_page(request, failure.render())
        except ValueError:
            return error_response(request, 400, "表单数据无效")
        org = (
            request.organisations.by_code[data["organisation"]]
            if "organisation" in data
            else me.organisation
        )
        if me.role != Role.CITY_ADMIN and org.id != me.organisation_id:
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
            return _users_page(request, form.render(data), error=str(exc))
        request.session.flash(f"已创建账号 {data['email']}")
        return HTTPSeeOther(request.route_url("officer_users"))
    return _users_page(request, form.render())


def _users_page(request, form_html: str, error: str | None = None) -> dict:
    me = request.identity
    query = select(User).order_by(User.organisation_id, User.email)
    if me.role != Role.CITY_ADMIN:
        query = query.where(User.organisation_id == me.organisation_id)
    return {"users": list(request.dbsession.scalars(query)), "form": form_html, "error": error}
