"""Publishing questionnaires and loading the version an interview runs on."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import threading
import uuid
from pathlib import Path

from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from interviewer.questionnaire.compiled import CompiledForm, load_form
from interviewer.questionnaire.errors import FormError
from interviewer.questionnaire.model import Questionnaire
from interviewer.services.common import (
    CurrentUser,
    NotFound,
    ServiceError,
    collector_paused,
    require_role,
)
from interviewer.storage.db import Database
from interviewer.storage.models import QuestionnaireVersion, Survey
from interviewer.sync.changes import record_change

log = logging.getLogger(__name__)


class Published(BaseModel):
    survey_id: uuid.UUID
    survey: str
    version_id: uuid.UUID
    form_id: str
    version: str | None
    new_version: bool


class FormCache:
    """Compiled forms by questionnaire version: a form is parsed once per process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._forms: dict[uuid.UUID, CompiledForm] = {}
        self._lock = threading.Lock()

    def get(self, version_id: uuid.UUID) -> CompiledForm:
        with self._lock:
            form = self._forms.get(version_id)
        if form is not None:
            return form
        with self.db.unit_of_work() as session:
            row = session.get(QuestionnaireVersion, version_id)
            if row is None:
                raise NotFound(f"questionnaire version {version_id} is not in the store")
            content, file_name = row.content, row.file_name
            name = f"{row.form_id} version {row.version or '-'}"
            model_json = row.model_json
        try:
            with collector_paused():
                form = _from_model(model_json) or _compile_bytes(content, file_name)
        except FormError as e:
            log.error("questionnaire %s no longer loads: %s", version_id, e.issues[0])
            raise ServiceError(
                f"The questionnaire {name} no longer loads ({e.issues[0].message}). The "
                "answers are kept; ask an administrator to publish a corrected version."
            ) from e
        with self._lock:
            self._forms[version_id] = form
        return form


# Bump when the Questionnaire model changes shape: stored models of another version are
# ignored and the workbook is read again.
MODEL_VERSION = 2  # 2: Question.personal


def model_json(questionnaire: Questionnaire) -> str:
    return json.dumps({"model_version": MODEL_VERSION,
                       "questionnaire": questionnaire.model_dump(mode="json")})


def _from_model(text: str | None) -> CompiledForm | None:
    """The form from its stored model (no workbook to read), or None to read the workbook."""
    if not text:
        return None
    try:
        stored = json.loads(text)
        if stored.get("model_version") != MODEL_VERSION:
            return None
        return CompiledForm(Questionnaire.model_validate(stored["questionnaire"]))
    except (ValueError, KeyError, ValidationError):
        return None


def _digest(content: bytes, folder: Path, questionnaire: Questionnaire) -> str:
    """The version's identity: the workbook and the choice files it reads (a changed CSV
    beside an unchanged workbook is a new version; the stored model carries its choices)."""
    digest = hashlib.sha256(content)
    for choice_list in sorted(questionnaire.choices.values(), key=lambda c: c.name):
        if choice_list.external_file and (folder / choice_list.external_file).is_file():
            digest.update(choice_list.external_file.encode())
            digest.update((folder / choice_list.external_file).read_bytes())
    return digest.hexdigest()


def _compile_bytes(content: bytes, file_name: str) -> CompiledForm:
    """pyxform reads files: the stored bytes go through a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="interviewer-form-") as folder:
        path = Path(folder) / Path(file_name).name
        path.write_bytes(content)
        return load_form(path)


class QuestionnaireService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def publish(self, actor: CurrentUser, path: Path, survey: str,
                mode: str = "capi") -> Published:
        """Store the form as a new version (or find the identical one) and make it the
        survey's current version. Interviews already started keep theirs."""
        require_role(actor, "admin")
        if mode not in ("capi", "cati"):
            raise ServiceError(f"mode must be capi or cati, not '{mode}'")
        form = load_form(path)  # FormError, with located issues, for a broken form
        content = path.read_bytes()
        q = form.questionnaire
        digest = _digest(content, path.parent, q)
        with self.db.unit_of_work() as session:
            version = session.scalar(select(QuestionnaireVersion).where(
                QuestionnaireVersion.form_id == q.form_id,
                QuestionnaireVersion.sha256 == digest))
            new_version = version is None
            if version is None:
                version = QuestionnaireVersion(
                    form_id=q.form_id, version=q.version, title=q.title, file_name=path.name,
                    content=content, sha256=digest,
                    languages={"languages": list(q.languages), "default": q.default_language},
                    model_json=model_json(q),
                    published_by=actor.id if actor.id.int else None)
                session.add(version)
                session.flush()
            row = session.scalar(select(Survey).where(Survey.name == survey))
            if row is None:
                row = Survey(name=survey, mode=mode, questionnaire_version_id=version.id)
                session.add(row)
            else:
                row.questionnaire_version_id = version.id
                row.mode = mode
                row.revision += 1
            session.flush()
            # devices hear of it at their next sync (where this database is central)
            record_change(session, "survey", row.id, None)
            return Published(survey_id=row.id, survey=survey, version_id=version.id,
                             form_id=q.form_id, version=q.version, new_version=new_version)
