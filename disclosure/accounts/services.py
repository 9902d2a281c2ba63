"""Officer accounts: argon2 password hashes, creation, authentication."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import settings as s
from ..i18n import _, chinese
from ..models import Organisation, User
from ..models.organisations import organisation_row
from ..models.users import Role

MIN_PASSWORD_LENGTH = 10
#: a hash to check against when the e-mail is unknown, so that both cases take the same time;
#: made with the configured cost on first use
_dummy: dict[PasswordHasher, str] = {}


class AccountError(Exception):
    """Why an account cannot be created: ``message`` is a marked message (shown through
    ``request.translate``); ``str()`` is its Chinese, for the command line."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return chinese(self.message)


def hasher_parameters(settings) -> dict[str, int]:
    """The argon2 cost the settings give (``disclosure.password.*``); SettingsError when a value
    is not a whole number argon2 accepts."""
    values = {}
    for name in ("time_cost", "memory_cost", "parallelism"):
        raw = s.get(settings, f"password.{name}")
        try:
            values[name] = int(raw)
        except ValueError:
            # i18n: a start-up error about the settings, for the operators
            raise s.SettingsError(
                f"disclosure.password.{name} 应为整数 (must be a whole number): {raw!r}"
            ) from None
    if values["time_cost"] < 1 or values["parallelism"] < 1:
        # i18n: a start-up error about the settings, for the operators
        raise s.SettingsError("disclosure.password.time_cost 和 parallelism 至少为 1 (at least 1)")
    if values["memory_cost"] < 8 * values["parallelism"]:
        # i18n: a start-up error about the settings, for the operators
        raise s.SettingsError(
            "disclosure.password.memory_cost 至少为 8 × parallelism KiB (at least 8 KiB a lane)"
        )
    return values


_hasher = PasswordHasher(**hasher_parameters({}))


def configure_passwords(settings) -> None:
    """Hash new passwords with the settings' cost from now on (called at start-up by the app
    and by each command). A stored hash keeps the cost it was made with until its next login."""
    global _hasher
    values = hasher_parameters(settings)
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) != tuple(values.values()):
        _hasher = PasswordHasher(**values)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    hasher = _hasher
    if hasher not in _dummy:
        _dummy[hasher] = hasher.hash("not-a-real-password")
    return _dummy[hasher]


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
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or datetime.now()
    return user
