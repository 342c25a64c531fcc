"""A child process for the durability test: answers interviews through the same service
the window uses and prints an acknowledgement after each call returns (so after COMMIT):
    ACK <interview id> <key> <value>     an answer the interviewer saw confirmed
    AT <interview id> <position key>     the screen the interviewer was moved to
It runs until killed. Usage: python -m tests.services.durability_worker DATA_DIR USER PASSWORD
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from interviewer.context import build_context
from interviewer.services.interviewing import InterviewSession


def answer_for(q_type: str, choices: list[str], step: int) -> object:
    if choices:
        pick = choices[step % len(choices)]
        return [pick] if q_type == "select_multiple" else pick
    if q_type in ("integer", "decimal", "range"):
        return 1 + step % 5
    return f"answer {step}"


def work(session: InterviewSession, step: int) -> int:
    while True:
        screen = session.screen()
        if screen.kind == "end":
            session.complete()
            return step
        for q in screen.questions:
            if q.read_only or q.type == "note":
                continue
            step += 1
            value = answer_for(q.type, [c.name for c in q.choices], step)
            if session.answer(q.key, value) is None:
                print(f"ACK {session.id} {q.key} {json.dumps(value)}", flush=True)
        if screen.kind == "repeat_prompt":
            moved = session.next()
        else:
            moved = session.next()
            if not moved.moved and not moved.problems:
                moved = session.confirm_warnings()
        if not moved.moved:
            return step  # a problem our simple answers cannot fix: next interview
        print(f"AT {session.id} {session.position}", flush=True)


def main() -> None:
    data_dir, username, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    context = build_context(data_dir)
    user = context.auth.login(username, password)
    service = context.interviewing(user)
    step = 0
    print("READY", flush=True)
    for item in service.work_list():
        if item.status in ("completed", "approved") or item.case_id is None:
            continue
        session = service.open(service.start(item.case_id))
        print(f"AT {session.id} {session.position}", flush=True)
        step = work(session, step)


if __name__ == "__main__":
    main()
