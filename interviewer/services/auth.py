"""Users and sign-in: argon2id hashes, throttling after failed attempts, roles."""

from __future__ import annotations

import logging
import unicodedata
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type
from sqlalchemy import func, select

from interviewer.services.common import (
    ROLES,
    SYSTEM,
    Clock,
    CurrentUser,
    Role,
    ServiceError,
    require_role,
    utc_clock,
)
from interviewer.storage.db import Database
from interviewer.storage.models import User

log = logging.getLogger(__name__)
FREE_ATTEMPTS = 5
FAILED = ("Wrong user name or password. After 5 failed attempts, signing in waits a little "
          "longer each time.")
MAX_LOCK = timedelta(minutes=15)
MIN_PASSWORD = 8


def make_hasher() -> PasswordHasher:
    """argon2id at OWASP's floor (19 MiB, t=2, p=1): safe, and quick enough to sign in."""
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)


class LoginFailed(ServiceError):
    pass


class AuthService:
    def __init__(self, db: Database, clock: Clock = utc_clock,
                 hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher or make_hasher()

    def login(self, username: str, password: str) -> CurrentUser:
        """The user, or LoginFailed with a message that does not reveal which part was
        wrong. After FREE_ATTEMPTS failures the account waits, doubling each time."""
        now = self.clock()
        name = normal_username(username)
        with self.db.unit_of_work() as session:
            user = session.scalar(select(User).where(User.username == name))
            found = None if user is None or not user.active or (
                user.locked_until is not None and user.locked_until > now) else \
                (user.id, user.password_hash)
        if found is None:
            # the same message and the same hashing cost whether the user exists, is
            # waiting after failures, or not: nothing tells an attacker which
            self.hasher.hash(password)
            raise LoginFailed(FAILED)
        # argon2 runs outside any transaction: it would hold the store's write lock
        user_id, password_hash = found
        ok = self._verify(password_hash, password)
        with self.db.unit_of_work() as session:
            user = session.get(User, user_id)
            assert user is not None
            if not ok:
                user.failed_logins += 1
                excess = user.failed_logins - FREE_ATTEMPTS
                if excess >= 0:
                    user.locked_until = now + min(timedelta(seconds=30 * 2**excess), MAX_LOCK)
                signed_in = None
            else:
                user.failed_logins = 0
                user.locked_until = None
                if self.hasher.check_needs_rehash(password_hash):
                    user.password_hash = self.hasher.hash(password)
                signed_in = CurrentUser(id=user.id, username=user.username,
                                        role=_role(user.role), display_name=user.display_name)
        if signed_in is None:
            log.info("failed sign-in for an existing user")  # what was typed may be a password
            raise LoginFailed(FAILED)
        log.info("user %s signed in as %s", signed_in.username, signed_in.role)
        return signed_in

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def add_user(self, actor: CurrentUser, username: str, role: str, password: str,
                 display_name: str = "") -> CurrentUser:
        require_role(actor, "admin")
        username = normal_username(username)
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ServiceError("A user name is 1 to 64 characters without spaces.")
        if role not in ROLES:
            raise ServiceError(f"Unknown role '{role}': use {', '.join(ROLES)}.")
        if len(password) < MIN_PASSWORD:
            raise ServiceError(f"A password needs at least {MIN_PASSWORD} characters.")
        with self.db.unit_of_work() as session:
            if session.scalar(select(User).where(User.username == username)) is not None:
                raise ServiceError(f"There is already a user '{username}'.")
            user = User(username=username, role=role, display_name=display_name or username,
                        password_hash=self.hasher.hash(password))
            session.add(user)
            session.flush()
            return CurrentUser(id=user.id, username=username, role=_role(role),
                               display_name=user.display_name)

    def user_count(self) -> int:
        with self.db.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(User)) or 0)


def normal_username(name: str) -> str:
    """User names compare without case or Unicode look-alike forms: 'Anna' is 'anna'."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _role(value: str) -> Role:
    for role in ROLES:
        if role == value:
            return role
    raise ServiceError(f"stored role '{value}' is unknown")


__all__ = ["SYSTEM", "AuthService", "LoginFailed", "make_hasher"]
