#!/usr/bin/env python3
"""Check every questionnaire scenario against ODK's reference engine (the odk-oracle).

Run from the repository root:

    .venv/bin/python questionnaires/check_with_odk.py                 # every form
    .venv/bin/python questionnaires/check_with_odk.py support_ces     # one form (folder name)
    .venv/bin/python questionnaires/check_with_odk.py -v              # also print ODK's result

The oracle is ``shared/tools/odk-oracle/run`` beside the checkout (``../shared/...``), or
``/work/shared/tools/odk-oracle/run``, or the path in ``$ODK_ORACLE``. It converts the form
with the pyxform of the python running this script (its folder goes first on PATH).

For each ``questionnaires/<slug>/scenarios/*.json`` the answers are replayed by ODK and each
key of ``expect`` is checked:

- ``status``, ``path``: exactly.
- ``error``: ``question`` (the full path entry) and ``kind`` exactly; ``message`` exactly
  when ODK has one (the form's message in the chosen language).
- ``data``: exactly, except that a JSON number in ours equals ODK's string of the same number
  (ODK keeps every value as a string); specials are compared as written (the oracle records
  them). It also checks our typing convention against the form: integer/decimal/range
  answers are JSON numbers, calculations and choices are strings, select_multiple a list.
- ``answers``: each names a question of the form, and each special answer is one the
  question accepts (our extension, so the oracle cannot check it).
- ``warnings``: ODK has no soft checks, so they are derived from the form. For each question
  with a ``warning`` column, a copy of the form turns the warning into a constraint (``and``ed
  with the real one) whose message is the ``warning_message``; the warning fires where that
  copy stops with ``constraint`` at the question and the real form does not. Limitation:
  inside a repeat only the first instance that fires is found.

Exit 0 when every scenario agrees, 1 on any mismatch, 2 when the oracle cannot be run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

NUMERIC_TYPES = {"integer", "decimal", "range"}


def find_oracle() -> Path:
    candidates = [os.environ.get("ODK_ORACLE", ""),
                  str(ROOT.parent / "shared/tools/odk-oracle/run"),
                  "/work/shared/tools/odk-oracle/run"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    sys.exit("check_with_odk: odk-oracle not found (set ODK_ORACLE to its run script)")


def oracle_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_batch(oracle: Path, form: Path, jobs: list[dict]) -> list[dict]:
    """ODK's result for each job ({"answers": ..., "lang": ...}), one form load."""
    stdin = "".join(json.dumps(j, ensure_ascii=False) + "\n" for j in jobs)
    p = subprocess.run([str(oracle), "--batch", str(form)], input=stdin, capture_output=True,
                       text=True, env=oracle_env())
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    if p.returncode not in (0, 1) or len(lines) != len(jobs):
        sys.stderr.write(p.stderr[-2000:])
        sys.exit(f"check_with_odk: oracle failed on {form} (exit {p.returncode})")
    return [json.loads(ln) for ln in lines]


# --- the form's questions: types and warnings -------------------------------------------

def form_questions(form: Path) -> tuple[dict[str, dict], str]:
    """name -> pyxform's question dict (groups and repeats flattened), and the settings
    sheet's default ``special``."""
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    tree = workbook_to_json(get_xlsform(str(form)), warnings=[])
    out: dict[str, dict] = {}

    def walk(children: list[dict]) -> None:
        for c in children:
            out[c["name"]] = c
            if c.get("children") and c.get("type") in ("group", "repeat"):
                walk(c["children"])

    walk(tree["children"])
    return out, str(tree.get("special", "none"))


def warning_variant(form: Path, question: str, folder: Path) -> Path:
    """A copy of the form where ``question``'s warning is part of its constraint and its
    warning_message is the constraint_message."""
    wb = openpyxl.load_workbook(form)
    ws = wb["survey"]
    head = [c.value for c in ws[1]]

    def col(name: str) -> int:
        if name not in head:
            head.append(name)
            ws.cell(row=1, column=len(head), value=name)
        return head.index(name) + 1

    name_col = head.index("name") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=name_col).value != question:
            continue
        warning = ws.cell(row=r, column=head.index("warning") + 1).value
        c = col("constraint")
        old = ws.cell(row=r, column=c).value
        ws.cell(row=r, column=c, value=f"({old}) and ({warning})" if old else warning)
        for h in list(head):
            if h and h.split("::")[0] == "warning_message":
                lang = h[len("warning_message"):]
                msg = ws.cell(row=r, column=head.index(h) + 1).value
                ws.cell(row=r, column=col("constraint_message" + lang), value=msg)
    out = folder / question / form.name
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# --- comparison ------------------------------------------------------------------------

def leaf(entry: str) -> str:
    return entry.rsplit("/", 1)[-1]


def same_value(ours: Any, odk: Any) -> bool:
    if isinstance(ours, bool) or isinstance(odk, bool):
        return ours == odk or (ours is True and odk == "OK")
    if isinstance(ours, (int, float)):
        try:
            return float(odk) == float(ours)
        except (TypeError, ValueError):
            return False
    if isinstance(ours, list) and isinstance(odk, list):
        return len(ours) == len(odk) and all(same_value(a, b) for a, b in zip(ours, odk))
    if isinstance(ours, dict) and isinstance(odk, dict):
        return ours.keys() == odk.keys() and all(same_value(ours[k], odk[k]) for k in ours)
    return ours == odk


def data_diffs(ours: Any, odk: Any, where: str, out: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(odk, dict) and "special" not in ours:
        for k in list(ours) + [k for k in odk if k not in ours]:
            if k not in ours:
                out.append(f"{where}.{k}: ours absent, ODK {json.dumps(odk[k], ensure_ascii=False)}")
            elif k not in odk:
                out.append(f"{where}.{k}: ours {json.dumps(ours[k], ensure_ascii=False)}, ODK absent")
            else:
                data_diffs(ours[k], odk[k], f"{where}.{k}", out)
        return
    if isinstance(ours, list) and isinstance(odk, list) and any(isinstance(x, dict) for x in ours + odk):
        if len(ours) != len(odk):
            out.append(f"{where}: ours {len(ours)} instances, ODK {len(odk)}")
        for i, (a, b) in enumerate(zip(ours, odk)):
            data_diffs(a, b, f"{where}[{i + 1}]", out)
        return
    if not same_value(ours, odk):
        out.append(f"{where}: ours {json.dumps(ours, ensure_ascii=False)}, "
                   f"ODK {json.dumps(odk, ensure_ascii=False)}")


def typing_diffs(data: Any, questions: dict[str, dict], where: str, out: list[str]) -> None:
    """Our convention: numbers for numeric questions, strings for calculations and choices."""
    if not isinstance(data, dict):
        return
    for name, value in data.items():
        q = questions.get(name)
        at = f"{where}.{name}"
        if q is None:
            out.append(f"{at}: no such question in the form")
            continue
        qtype = q.get("type", "")
        if isinstance(value, dict) and set(value) == {"special"}:
            if value["special"] not in ("dont_know", "refused"):
                out.append(f"{at}: unknown special {value['special']!r}")
            continue
        if qtype == "repeat":
            if not isinstance(value, list):
                out.append(f"{at}: a repeat is a list of objects")
                continue
            for i, inst in enumerate(value):
                typing_diffs(inst, questions, f"{at}[{i + 1}]", out)
        elif qtype in NUMERIC_TYPES:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.append(f"{at}: {qtype} should be a JSON number, got {value!r}")
        elif qtype == "select all that apply" or qtype.startswith("rank"):
            if not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
                out.append(f"{at}: select_multiple should be a list of choice names, got {value!r}")
        elif not isinstance(value, str):
            out.append(f"{at}: {qtype} should be a string, got {value!r}")


def answer_diffs(answers: dict, questions: dict[str, dict], default_special: str) -> list[str]:
    """Answers name questions of the form, and a special is one the question accepts (its
    ``special`` column, else the settings default; ``none`` or nothing accepts none)."""
    out: list[str] = []

    def specials_in(value: Any) -> list[str]:
        if isinstance(value, dict) and set(value) == {"special"}:
            return [value["special"]]
        if isinstance(value, list):
            return [x for v in value for x in specials_in(v)]
        return []

    for name, value in answers.items():
        q = questions.get(name)
        if q is None:
            out.append(f"answers.{name}: no such question in the form")
            continue
        accepted = set(str(q.get("special", default_special)).split()) - {"none"}
        for sp in specials_in(value):
            if sp not in accepted:
                out.append(f"answers.{name}: {sp} is not accepted (special: {' '.join(sorted(accepted)) or 'none'})")
    return out


def compare(expect: dict, odk: dict, warnings: list[dict], questions: dict[str, dict]) -> list[str]:
    out: list[str] = []
    if "status" in expect and expect["status"] != odk["status"]:
        out.append(f"status: ours {expect['status']}, ODK {odk['status']}")
    if "path" in expect and expect["path"] != odk["path"]:
        p1, p2 = expect["path"], odk["path"]
        i = next((k for k, (a, b) in enumerate(zip(p1, p2)) if a != b), min(len(p1), len(p2)))
        out.append(f"path[{i}]: ours {p1[i] if i < len(p1) else '(end)'}, "
                   f"ODK {p2[i] if i < len(p2) else '(end)'}")
    if "error" in expect:
        e1, e2 = expect["error"], odk["error"]
        if (e1 is None) != (e2 is None):
            out.append(f"error: ours {e1}, ODK {e2}")
        elif e1 is not None:
            for k in ("question", "kind"):
                if e1.get(k) != e2.get(k):
                    out.append(f"error.{k}: ours {e1.get(k)}, ODK {e2.get(k)}")
            if e2.get("message") is not None and e1.get("message") != e2["message"]:
                out.append(f"error.message: ours {e1.get('message')!r}, ODK {e2['message']!r}")
    if "data" in expect:
        data_diffs(expect["data"], odk["data"], "data", out)
        typing_diffs(expect["data"], questions, "data", out)
    if "warnings" in expect and expect["warnings"] != warnings:
        out.append(f"warnings: ours {json.dumps(expect['warnings'], ensure_ascii=False)}, "
                   f"derived {json.dumps(warnings, ensure_ascii=False)}")
    return out


def check_form(oracle: Path, folder: Path, verbose: bool) -> tuple[int, int]:
    form = folder / f"{folder.name}.xlsx"
    scenario_files = sorted((folder / "scenarios").glob("*.json"))
    if not form.is_file() or not scenario_files:
        print(f"{folder.name}: no form or no scenarios")
        return 0, 1
    scenarios = [json.loads(f.read_text(encoding="utf-8")) for f in scenario_files]
    jobs = [{"answers": s.get("answers", {}), "lang": s.get("lang")} for s in scenarios]
    results = run_batch(oracle, form, jobs)
    questions, default_special = form_questions(form)

    # soft warnings, derived with one variant of the form per question that has a warning
    derived: list[list[dict]] = [[] for _ in scenarios]
    with tempfile.TemporaryDirectory() as tmp:
        for name, q in questions.items():
            if not q.get("warning"):
                continue
            variant = warning_variant(form, name, Path(tmp))
            for i, (res, vres) in enumerate(zip(results, run_batch(oracle, variant, jobs))):
                err, real = vres.get("error"), res.get("error")
                if (err and err["kind"] == "constraint" and leaf(err["question"]) == name
                        and not (real and real["question"] == err["question"])):
                    derived[i].append({"question": err["question"], "message": err["message"]})
    for i, res in enumerate(results):
        order = {p: k for k, p in enumerate(res["path"])}
        derived[i].sort(key=lambda w: order.get(w["question"], len(order)))

    bad = 0
    for f, s, res, warns in zip(scenario_files, scenarios, results, derived):
        diffs = answer_diffs(s.get("answers", {}), questions, default_special)
        diffs += compare(s.get("expect", {}), res, warns, questions)
        label = f"{folder.name}/{f.name}"
        if diffs:
            bad += 1
            print(f"MISMATCH {label} ({s.get('name', '')})")
            for d in diffs:
                print(f"    {d}")
        else:
            print(f"ok       {label}")
        if verbose:
            print("    ODK: " + json.dumps(res, ensure_ascii=False))
            if warns:
                print("    derived warnings: " + json.dumps(warns, ensure_ascii=False))
    return len(scenarios), bad


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"]
    oracle = find_oracle()
    folders = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "scenarios").is_dir())
    if names:
        folders = [f for f in folders if f.name in names]
        if len(folders) != len(set(names)):
            print(f"unknown form(s) in {names}", file=sys.stderr)
            return 2
    total = bad = 0
    for folder in folders:
        n, b = check_form(oracle, folder, verbose)
        total += n
        bad += b
    print(f"{total - bad}/{total} scenarios agree with ODK" + (f", {bad} mismatch(es)" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
