"""A workstation process for the queue concurrency test: THREADS threads, each with its
own central connection and local store, claim cases through CallingService until the
queue is empty. Each claim is closed at once so the case leaves the queue: every
OUTCOME_EVERY-th through record_outcome("complete") (central and the local store), the
rest by a final release under the lease token (one guarded UPDATE plus the call attempt,
on central only). Prints one JSON line at the end: {"claims": [[case_id, token], ...],
"refused": n}.

With --hold it claims one case, prints `HELD <case id> <token> <expires at>` and sleeps
until killed.

Usage: python -m tests.services.queue_worker CENTRAL_URL SURVEY_ID USER_IDS FOLDER
       [--hold] [--lease SECONDS]      (USER_IDS: comma-separated, one thread per id)
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import and_, insert, update

from interviewer.services.calling import CallingService, Lease, LeaseLost
from interviewer.services.common import CurrentUser
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import CallAttempt, Case

OUTCOME_EVERY = 20
CASES = Case.__table__
ATTEMPTS = CallAttempt.__table__


def close_as_final(service: CallingService, lease: Lease) -> None:
    """The case closed under its lease, as record_outcome would, without the local copy."""
    now = service.clock()
    with service.central.transaction() as connection:
        closed = connection.execute(update(CASES).where(and_(
            CASES.c.id == lease.case_id, CASES.c.lease_token == lease.token,
            CASES.c.lease_expires_at > now)).values(
            final_disposition="1.1", status="completed", attempts=CASES.c.attempts + 1,
            lease_token=None, lease_holder=None, lease_user_id=None, lease_expires_at=None))
        if closed.rowcount == 0:
            raise LeaseLost()
        connection.execute(insert(ATTEMPTS).values(
            id=uuid7(), case_id=lease.case_id, survey_id=lease.survey_id,
            interviewer_id=service.user.id, started_at=now, ended_at=now,
            outcome="complete", disposition="1.1", appointment_hard=False, note="",
            device_id=service.device_id, revision=1, synced_revision=1,
            origin_device=service.device_id))


def service_for(central_url: str, folder: Path, user_id: uuid.UUID, name: str,
                lease_seconds: int) -> CallingService:
    local_path = folder / f"{name}.sqlite"
    shutil.copyfile(folder / "template.sqlite", local_path)
    user = CurrentUser(id=user_id, username=name, role="interviewer")
    return CallingService(Database(central_url), Database(sqlite_url(local_path)), user,
                          device_id=name, lease_seconds=lease_seconds)


def work(service: CallingService, survey_id: uuid.UUID, claims: list[list[str]],
         refused: list[int]) -> None:
    n = 0
    while (claimed := service.next_case(survey_id)) is not None:
        lease = claimed[0]
        claims.append([str(lease.case_id), lease.token])
        n += 1
        try:
            if n % OUTCOME_EVERY == 0:
                service.record_outcome(lease, "complete")
            else:
                close_as_final(service, lease)
        except LeaseLost:
            refused.append(1)


def main() -> None:
    central_url, survey, users, folder = sys.argv[1:5]
    survey_id = uuid.UUID(survey)
    hold = "--hold" in sys.argv
    lease_seconds = int(sys.argv[sys.argv.index("--lease") + 1]) if "--lease" in sys.argv \
        else 300
    user_ids = [uuid.UUID(u) for u in users.split(",")]
    services = [service_for(central_url, Path(folder), user_id, f"ws-{uuid.uuid4().hex[:8]}",
                            lease_seconds) for user_id in user_ids]
    if hold:
        claimed = services[0].next_case(survey_id)
        assert claimed is not None, "nothing to hold"
        lease = claimed[0]
        print(f"HELD {lease.case_id} {lease.token} {lease.expires_at.isoformat()}",
              flush=True)
        time.sleep(3600)
        return
    claims: list[list[str]] = []
    refused: list[int] = []
    print("READY", flush=True)
    sys.stdin.readline()  # all workers start together
    threads = [threading.Thread(target=work, args=(s, survey_id, claims, refused))
               for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"claims": claims, "refused": len(refused)}), flush=True)


if __name__ == "__main__":
    main()
