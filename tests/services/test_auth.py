"""Sign-in and users: argon2id hashes, throttling, roles enforced in the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from interviewer.context import AppContext
from interviewer.services.auth import AuthService, LoginFailed
from interviewer.services.common import SYSTEM, PermissionDenied, ServiceError
from interviewer.storage.models import User


def test_passwords_are_stored_as_argon2id_hashes(context: AppContext) -> None:
    context.auth.add_user(SYSTEM, "ola", "interviewer", "correct horse")
    with context.db.unit_of_work() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "ola"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert "m=19456,t=2" in stored and "correct horse" not in stored
    assert context.auth.login("ola", "correct horse").role == "interviewer"


def test_wrong_password_and_unknown_user_read_the_same(context: AppContext) -> None:
    context.auth.add_user(SYSTEM, "ola", "interviewer", "correct horse")
    with pytest.raises(LoginFailed) as wrong:
        context.auth.login("ola", "wrong horse")
    with pytest.raises(LoginFailed) as unknown:
        context.auth.login("nobody", "wrong horse")
    assert str(wrong.value) == str(unknown.value)


def test_logins_are_throttled_after_failures(context: AppContext) -> None:
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    auth = AuthService(context.db, clock=lambda: now[0])
    auth.add_user(SYSTEM, "ola", "interviewer", "correct horse")
    for _ in range(5):
        with pytest.raises(LoginFailed, match="Wrong"):
            auth.login("ola", "bad password")
    with pytest.raises(LoginFailed) as waiting:
        auth.login("ola", "correct horse")  # even the right password waits
    with pytest.raises(LoginFailed) as unknown:
        auth.login("nobody", "correct horse")
    assert str(waiting.value) == str(unknown.value)  # waiting tells nobody the user exists
    now[0] += timedelta(seconds=31)
    assert auth.login("ola", "correct horse").username == "ola"
    with pytest.raises(LoginFailed, match="Wrong"):
        auth.login("ola", "bad password")  # the count started again after success


def test_only_admins_add_users(context: AppContext) -> None:
    context.auth.add_user(SYSTEM, "boss", "admin", "admin password")
    clerk = context.auth.add_user(SYSTEM, "clerk", "supervisor", "clerk password")
    with pytest.raises(PermissionDenied):
        context.auth.add_user(clerk, "sneaky", "admin", "sneaky password")
    boss = context.auth.login("boss", "admin password")
    assert context.auth.add_user(boss, "new", "interviewer", "new password").role == "interviewer"


@pytest.mark.parametrize(("name", "role", "password", "words"), [
    ("two words", "interviewer", "long enough", "without spaces"),
    ("ola", "janitor", "long enough", "Unknown role"),
    ("ola", "interviewer", "short", "at least 8"),
])
def test_bad_user_details_are_refused(context: AppContext, name: str, role: str,
                                      password: str, words: str) -> None:
    with pytest.raises(ServiceError, match=words):
        context.auth.add_user(SYSTEM, name, role, password)
    assert context.auth.user_count() == 0


def test_user_names_ignore_case_and_lookalikes(context: AppContext) -> None:
    context.auth.add_user(SYSTEM, "Anna", "interviewer", "correct horse")
    with pytest.raises(ServiceError, match="already a user"):
        context.auth.add_user(SYSTEM, "ANNA", "admin", "another password")
    assert context.auth.login(" anna ", "correct horse").username == "anna"
    full_width = "\uff21\uff4e\uff4e\uff41"  # "Anna" in full-width letters
    assert context.auth.login(full_width, "correct horse").role == "interviewer"
