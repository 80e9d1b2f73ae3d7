"""Users, API tokens, web sessions, the audit log, and the single-``run`` lock.

Passwords are stored as argon2id hashes; API tokens and session cookies are random
strings of which only the SHA-256 is stored, so a copy of the database lets no one in.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from monitor.errors import ConfigError
from monitor.store.db import Database
from monitor.store.tables import ApiToken, AppUser, AuditLog, ServiceLock, WebSession, utcnow

__all__ = ["ROLES", "AccessRepo", "User", "LockRepo"]

U = AppUser.__table__  # type: ignore[attr-defined]
K = ApiToken.__table__  # type: ignore[attr-defined]
W = WebSession.__table__  # type: ignore[attr-defined]
L = AuditLog.__table__  # type: ignore[attr-defined]
SL = ServiceLock.__table__  # type: ignore[attr-defined]

#: what each role may do, cumulatively: viewers read; analysts also acknowledge alerts,
#: mark false positives and manage subscriptions; admins also read the audit log
ROLES = ("viewer", "analyst", "admin")
TOKEN_PREFIX = "cm_"
_hasher = PasswordHasher()


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class AccessRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users ----------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str) -> User:
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}; one of {', '.join(ROLES)}", key="--role")
        if not name or len(name) > 100 or any(ch.isspace() for ch in name):
            raise ConfigError("a user name is one word of at most 100 characters", key="NAME")
        if len(password) < 10:
            raise ConfigError("a password needs at least 10 characters", key="password")
        with self.db.write() as conn:
            if conn.execute(sa.select(U.c.id).where(U.c.name == name)).first():
                raise ConfigError(f"user {name!r} exists already", key="NAME")
            user_id = conn.execute(
                U.insert()
                .values(
                    name=name,
                    role=role,
                    password_hash=_hasher.hash(password),
                    active=True,
                    created_at=utcnow(),
                )
                .returning(U.c.id)
            ).scalar_one()
        return User(int(user_id), name, role)

    def set_user(
        self,
        name: str,
        *,
        role: str | None = None,
        password: str | None = None,
        active: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        if role is not None:
            if role not in ROLES:
                raise ConfigError(f"unknown role {role!r}", key="--role")
            values["role"] = role
        if password is not None:
            if len(password) < 10:
                raise ConfigError("a password needs at least 10 characters", key="password")
            values["password_hash"] = _hasher.hash(password)
        if active is not None:
            values["active"] = active
        with self.db.write() as conn:
            user = conn.execute(sa.select(U.c.id).where(U.c.name == name)).first()
            if user is None:
                raise ConfigError(f"no user {name!r}", key="NAME")
            conn.execute(U.update().where(U.c.id == user.id).values(**values))
            if active is False or password is not None:  # sign them out everywhere
                conn.execute(W.delete().where(W.c.user_id == user.id))
            if active is False:
                conn.execute(
                    K.update()
                    .where(K.c.user_id == user.id)
                    .where(K.c.revoked_at.is_(None))
                    .values(revoked_at=utcnow())
                )

    def users(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(
                    U.c.name, U.c.role, U.c.active, U.c.created_at, U.c.last_login_at
                ).order_by(U.c.name)
            ).all()
        return [dict(r._mapping) for r in rows]

    def count_users(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(U)).scalar_one())

    def recent_failures(self, name: str, since: datetime) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(L)
                    .where(L.c.action == "login_failed")
                    .where(L.c.target == name)
                    .where(L.c.at >= since)
                ).scalar_one()
            )

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, when the name and password match an active account."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(U).where(U.c.name == name)).first()
        if row is None or not row.active:
            # spend the same time as a real check, so that names cannot be probed by timing
            with contextlib.suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password)
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        with self.db.write() as conn:
            values: dict[str, Any] = {"last_login_at": utcnow()}
            if _hasher.check_needs_rehash(row.password_hash):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(U.update().where(U.c.id == row.id).values(**values))
        return User(row.id, row.name, row.role)

    # -- sessions -------------------------------------------------------------------------
    def create_session(self, user: User, hours: float) -> tuple[str, str]:
        """A new session: (cookie value, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(W.delete().where(W.c.expires_at < now))  # tidy as we go
            conn.execute(
                W.insert().values(
                    id=_sha(token),
                    user_id=user.id,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )
        return token, csrf

    def session(self, token: str, hours: float) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session; its expiry slides with use."""
        if not token:
            return None
        now = utcnow()
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(W.c.id, W.c.csrf, W.c.expires_at, U.c.id.label("uid"), U.c.name, U.c.role)
                .select_from(W.join(U, U.c.id == W.c.user_id))
                .where(W.c.id == _sha(token))
                .where(U.c.active.is_(True))
            ).first()
        if row is None or row.expires_at <= now:
            return None
        renewed = now + timedelta(hours=hours)
        if renewed - row.expires_at > timedelta(minutes=5):  # at most one write in 5 minutes
            with self.db.write() as conn:
                conn.execute(W.update().where(W.c.id == row.id).values(expires_at=renewed))
        return User(row.uid, row.name, row.role), row.csrf

    def end_session(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute(W.delete().where(W.c.id == _sha(token)))

    # -- API tokens -----------------------------------------------------------------------
    def create_token(self, name: str, label: str = "") -> str:
        """A new token for user ``name``; returned once, stored only as its hash."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.write() as conn:
            user = conn.execute(
                sa.select(U.c.id).where(U.c.name == name).where(U.c.active.is_(True))
            ).first()
            if user is None:
                raise ConfigError(f"no active user {name!r}", key="NAME")
            conn.execute(
                K.insert().values(
                    user_id=user.id,
                    label=label,
                    token_hash=_sha(token),
                    prefix=token[:10],
                    created_at=utcnow(),
                )
            )
        return token

    def token_user(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(K.c.id, K.c.last_used_at, U.c.id.label("uid"), U.c.name, U.c.role)
                .select_from(K.join(U, U.c.id == K.c.user_id))
                .where(K.c.token_hash == _sha(token))
                .where(K.c.revoked_at.is_(None))
                .where(U.c.active.is_(True))
            ).first()
        if row is None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
            with self.db.write() as conn:
                conn.execute(K.update().where(K.c.id == row.id).values(last_used_at=now))
        return User(row.uid, row.name, row.role)

    def tokens(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(
                    K.c.prefix,
                    K.c.label,
                    U.c.name.label("user"),
                    K.c.created_at,
                    K.c.last_used_at,
                    K.c.revoked_at,
                )
                .select_from(K.join(U, U.c.id == K.c.user_id))
                .order_by(K.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def revoke_token(self, prefix: str) -> int:
        with self.db.write() as conn:
            return int(
                conn.execute(
                    K.update()
                    .where(K.c.prefix == prefix)
                    .where(K.c.revoked_at.is_(None))
                    .values(revoked_at=utcnow())
                ).rowcount
            )

    # -- audit ----------------------------------------------------------------------------
    def audit(self, user: str, via: str, action: str, target: str = "", **detail: Any) -> None:
        with self.db.write() as conn:
            conn.execute(
                L.insert().values(
                    at=utcnow(),
                    user_name=user,
                    via=via,
                    action=action,
                    target=target[:500],
                    detail=detail,
                )
            )

    def audit_log(
        self, *, limit: int = 100, user: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        query = sa.select(L).order_by(L.c.id.desc()).limit(limit)
        if user:
            query = query.where(L.c.user_name == user)
        if action:
            query = query.where(L.c.action == action)
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


_DUMMY_HASH = _hasher.hash("council-monitor timing equaliser")


class LockRepo:
    """A lease in the database: one ``run`` per database, whatever host it runs on."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def acquire(self, name: str, holder: str, stale_s: float) -> dict[str, Any] | None:
        """Take the lock; None on success, else the live holder's row."""
        now = utcnow()
        with self.db.write() as conn:
            row = conn.execute(sa.select(SL).where(SL.c.name == name)).first()
            if row is None:
                conn.execute(
                    SL.insert().values(name=name, holder=holder, acquired_at=now, heartbeat_at=now)
                )
                return None
            if row.holder != holder and now - row.heartbeat_at < timedelta(seconds=stale_s):
                return dict(row._mapping)
            conn.execute(
                SL.update()
                .where(SL.c.name == name)
                .values(holder=holder, acquired_at=now, heartbeat_at=now)
            )
        return None

    def heartbeat(self, name: str, holder: str) -> bool:
        """Renew the lease; False when another process has taken it over."""
        with self.db.write() as conn:
            return bool(
                conn.execute(
                    SL.update()
                    .where(SL.c.name == name)
                    .where(SL.c.holder == holder)
                    .values(heartbeat_at=utcnow())
                ).rowcount
            )

    def release(self, name: str, holder: str) -> None:
        with self.db.write() as conn:
            conn.execute(SL.delete().where(SL.c.name == name).where(SL.c.holder == holder))
