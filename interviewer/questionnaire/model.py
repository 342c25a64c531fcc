"""The questionnaire as our engine sees it: plain, immutable Pydantic objects.

Built from an XLSForm by `xlsform.load_questionnaire`; nothing here knows about
spreadsheets, Qt or SQL.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Per-language texts: language name as written in the form ("English (en)"), or
# DEFAULT_LANGUAGE when the form has no ::language columns.
DEFAULT_LANGUAGE = "default"
Text = dict[str, str]


class QuestionType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    RANGE = "range"
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    RANK = "rank"
    NOTE = "note"
    ACKNOWLEDGE = "acknowledge"
    DATE = "date"
    TIME = "time"
    DATETIME = "dateTime"
    CALCULATE = "calculate"
    HIDDEN = "hidden"
    GEOPOINT = "geopoint"
    GEOTRACE = "geotrace"
    GEOSHAPE = "geoshape"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    FILE = "file"
    BARCODE = "barcode"
    METADATA = "metadata"


# Types the interviewer answers (shown, validated, may take a special answer).
ANSWERABLE = frozenset(QuestionType) - {
    QuestionType.NOTE,
    QuestionType.CALCULATE,
    QuestionType.HIDDEN,
    QuestionType.METADATA,
}
# Types that never appear on screen nor on the interview path.
INVISIBLE = frozenset({QuestionType.CALCULATE, QuestionType.HIDDEN, QuestionType.METADATA})
SELECTS = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK})
MULTI_VALUED = frozenset({QuestionType.SELECT_MULTIPLE, QuestionType.RANK})

SPECIAL_ANSWERS = ("dont_know", "refused")
SpecialAnswer = Literal["dont_know", "refused"]
CxMetric = Literal["nps", "csat", "ces"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """Where an element was written, for error messages."""

    sheet: str = "survey"
    row: int | None = None


class Choice(_Frozen):
    name: str
    label: Text = Field(default_factory=dict)
    # Extra columns of the choices sheet (choice_filter may refer to them).
    extra: dict[str, str] = Field(default_factory=dict)


class ChoiceList(_Frozen):
    name: str
    choices: tuple[Choice, ...]
    # select_one_from_file and friends: the named file is not bundled with the form.
    external_file: str | None = None


class Question(_Frozen):
    kind: Literal["question"] = "question"
    name: str
    type: QuestionType
    source: Source = Field(default_factory=Source)
    label: Text = Field(default_factory=dict)
    hint: Text = Field(default_factory=dict)
    guidance_hint: Text = Field(default_factory=dict)
    required: str | None = None
    required_message: Text = Field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text = Field(default_factory=dict)
    calculation: str | None = None
    read_only: str | None = None
    default: str | None = None
    default_is_expression: bool = False
    appearance: str | None = None
    list_name: str | None = None
    choice_filter: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    # metadata questions: which value is preloaded (start, end, today, deviceid, ...)
    metadata: str | None = None
    # Our extensions (DESIGN.md 4)
    warning: str | None = None
    warning_message: Text = Field(default_factory=dict)
    special: tuple[SpecialAnswer, ...] = ()
    cx_metric: CxMetric | None = None
    touchpoint: str | None = None
    # personal data of the respondent (a phone number, an e-mail address): exports leave
    # it out, and its values in the paradata, unless asked for contact data
    personal: bool = False


class _Container(_Frozen):
    """What groups and repeats share."""

    name: str
    source: Source = Field(default_factory=Source)
    label: Text = Field(default_factory=dict)
    relevant: str | None = None
    appearance: str | None = None
    children: tuple[Element, ...] = ()

    @property
    def field_list(self) -> bool:
        return "field-list" in (self.appearance or "").split()


class Group(_Container):
    kind: Literal["group"] = "group"


class Repeat(_Container):
    kind: Literal["repeat"] = "repeat"
    repeat_count: str | None = None


Element = Annotated[Question | Group | Repeat, Field(discriminator="kind")]


class Questionnaire(_Frozen):
    form_id: str
    root_name: str
    version: str | None = None
    title: str
    default_language: str
    languages: tuple[str, ...]
    children: tuple[Element, ...]
    choices: dict[str, ChoiceList] = Field(default_factory=dict)
    file: str | None = None

    def walk(self) -> list[Question | Group | Repeat]:
        """Every element in document order."""
        out: list[Question | Group | Repeat] = []

        def visit(elements: tuple[Question | Group | Repeat, ...]) -> None:
            for element in elements:
                out.append(element)
                if not isinstance(element, Question):
                    visit(element.children)

        visit(self.children)
        return out

    def questions(self) -> list[Question]:
        return [e for e in self.walk() if isinstance(e, Question)]


Group.model_rebuild()
Repeat.model_rebuild()
Questionnaire.model_rebuild()
