"""Officer accounts: argon2 password hashes, creation, authentication."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import _, chinese
from ..models import Organisation, User
from ..models.organisations import organisation_row
from ..models.users import Role

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """Why an account cannot be created: ``message`` is a marked message (shown through
    ``request.translate``); ``str()`` is its Chinese, for the command line."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return chinese(self.message)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to check against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = hash_password("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def create_user(
    db: Session,
    email: str,
    password: str,
    organisation: Organisation,
    role: str,
    display_name: str = "",
) -> User:
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise AccountError(
            _("未知角色 ${role}，应为 ${roles}", mapping={"role": role, "roles": roles})
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("密码至少 ${n} 个字符", mapping={"n": MIN_PASSWORD_LENGTH}))
    if "@" not in email or len(email) > 254:
        raise AccountError(_("邮箱地址无效"))
    if find_user(db, email) is not None:
        raise AccountError(_("账号 ${email} 已存在", mapping={"email": email}))
    user = User(
        email=email,
        password_hash=hash_password(password),
        organisation=organisation_row(db, organisation),
        role=role,
        display_name=display_name or email.split("@")[0],
        active=True,
    )
    db.add(user)
    db.flush()
    return user


def authenticate(
    db: Session, email: str, password: str, now: datetime | None = None
) -> User | None:
    user = find_user(db, email)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or datetime.now()
    return user
