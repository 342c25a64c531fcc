#!/usr/bin/env python3
"""Build the ready-made CX questionnaires (XLSForm .xlsx) from the data in this file.

Run from the repository root:

    .venv/bin/python questionnaires/build_forms.py            # rebuild all four forms
    .venv/bin/python questionnaires/build_forms.py support_ces  # rebuild one

Each form is a plain dict: ``settings``, ``survey`` (a list of rows) and ``choices``
(list name -> list of (name, label) pairs). Every translatable text is a ``T(en, pl, ru,
zh)`` and is written as four columns, ``label::English (en)``, ``label::Polski (pl)``,
``label::Русский (ru)``, ``label::中文 (zh)`` (the same for hint, constraint_message,
required_message, warning_message and choice labels).

Besides standard XLSForm columns the survey sheet carries our extension columns (other
tools ignore them; see questionnaires/README.md): ``cx_metric``, ``touchpoint``,
``warning`` + ``warning_message``, ``special`` and ``personal``; the settings sheet may carry ``special``
as the default for every answerable question.

The output is deterministic (fixed document timestamps and zip dates), so rebuilding an
unchanged form gives byte-identical files.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent

LANGS = {
    "en": "English (en)",
    "pl": "Polski (pl)",
    "ru": "Русский (ru)",
    "zh": "中文 (zh)",
}
DEFAULT_LANGUAGE = LANGS["en"]
VERSION = "2026112501"

# survey columns in the order they are written; only the columns a form uses are written
SURVEY_COLUMNS = [
    "type", "name", "label", "hint",
    "required", "required_message",
    "relevant",
    "constraint", "constraint_message",
    "warning", "warning_message",
    "calculation", "choice_filter", "repeat_count", "appearance", "default",
    "special", "cx_metric", "touchpoint", "personal",
]
TRANSLATED = {"label", "hint", "constraint_message", "required_message", "warning_message"}
SETTINGS_COLUMNS = ["form_id", "version", "form_title", "default_language", "special"]


def T(en: str, pl: str, ru: str, zh: str) -> dict[str, str]:
    """One text in the four languages of every form."""
    return {"en": en, "pl": pl, "ru": ru, "zh": zh}


def row(type_: str, name: str = "", **cols: object) -> dict[str, object]:
    """One survey row: ``row("integer", "nps", label=T(...), required="yes", ...)``."""
    unknown = set(cols) - set(SURVEY_COLUMNS)
    if unknown:
        raise ValueError(f"{name}: unknown column(s) {sorted(unknown)}")
    return {"type": type_, "name": name, **cols}


def end(type_: str) -> dict[str, object]:
    return {"type": type_}


# ---------------------------------------------------------------------------------------
# Texts and choice lists shared by the forms
# ---------------------------------------------------------------------------------------

BRAND = row("calculate", "brand", calculation="'Acme'")

REQUIRED = T(
    "Please answer this question.",
    "Proszę odpowiedzieć na to pytanie.",
    "Пожалуйста, ответьте на этот вопрос.",
    "请回答这个问题。",
)

NPS_LABEL = T(
    "How likely is it that you would recommend ${brand} to a friend or colleague?",
    "Jak bardzo prawdopodobne jest, że poleciłby Pan / poleciłaby Pani firmę ${brand} "
    "znajomemu lub współpracownikowi?",
    "Насколько вероятно, что вы порекомендуете ${brand} другу или коллеге?",
    "您有多大可能向朋友或同事推荐${brand}？",
)
NPS_HINT = T(
    "0 = not at all likely, 10 = extremely likely.",
    "0 – zupełnie nieprawdopodobne, 10 – bardzo prawdopodobne.",
    "0 — совершенно маловероятно, 10 — очень вероятно.",
    "0 = 完全不可能，10 = 极有可能。",
)
NPS_CONSTRAINT = ". >= 0 and . <= 10"
NPS_CONSTRAINT_MESSAGE = T(
    "Please enter a whole number from 0 to 10.",
    "Proszę podać liczbę całkowitą od 0 do 10.",
    "Введите целое число от 0 до 10.",
    "请输入0到10之间的整数。",
)
# blank (not answered, or a special answer) gives no group: a blank number compares as NaN
# in XPath, so without the first test a blank score would count as a detractor
NPS_GROUP = (
    "if(${nps} = '', '', "
    "if(${nps} >= 9, 'promoter', if(${nps} >= 7, 'passive', 'detractor')))"
)

END_NOTE = T(
    "That's all. Thank you very much for your time!",
    "To już wszystko. Bardzo dziękujemy za poświęcony czas!",
    "На этом всё. Большое спасибо за уделённое время!",
    "调查到此结束。非常感谢您抽出宝贵时间！",
)

YES_NO = [
    ("yes", T("Yes", "Tak", "Да", "是")),
    ("no", T("No", "Nie", "Нет", "否")),
]

SAT5 = [
    ("1", T("1 – Very dissatisfied", "1 – Zdecydowanie niezadowolony(-a)",
            "1 – Совершенно не удовлетворён(а)", "1 – 非常不满意")),
    ("2", T("2 – Dissatisfied", "2 – Raczej niezadowolony(-a)",
            "2 – Скорее не удовлетворён(а)", "2 – 不满意")),
    ("3", T("3 – Neither satisfied nor dissatisfied", "3 – Ani zadowolony(-a), ani niezadowolony(-a)",
            "3 – Нейтрально", "3 – 一般")),
    ("4", T("4 – Satisfied", "4 – Raczej zadowolony(-a)",
            "4 – Скорее удовлетворён(а)", "4 – 满意")),
    ("5", T("5 – Very satisfied", "5 – Zdecydowanie zadowolony(-a)",
            "5 – Полностью удовлетворён(а)", "5 – 非常满意")),
]
SAT5_HINT = T(
    "1 = very dissatisfied, 5 = very satisfied.",
    "1 – zdecydowanie niezadowolony(-a), 5 – zdecydowanie zadowolony(-a).",
    "1 — совершенно не удовлетворён(а), 5 — полностью удовлетворён(а).",
    "1 = 非常不满意，5 = 非常满意。",
)

RATING5 = [
    ("1", T("1 – Very poor", "1 – Bardzo źle", "1 – Очень плохо", "1 – 很差")),
    ("2", T("2 – Poor", "2 – Źle", "2 – Плохо", "2 – 差")),
    ("3", T("3 – Fair", "3 – Przeciętnie", "3 – Удовлетворительно", "3 – 一般")),
    ("4", T("4 – Good", "4 – Dobrze", "4 – Хорошо", "4 – 好")),
    ("5", T("5 – Excellent", "5 – Bardzo dobrze", "5 – Отлично", "5 – 很好")),
]

EASE5 = [
    ("1", T("1 – Very difficult", "1 – Bardzo trudno", "1 – Очень сложно", "1 – 非常困难")),
    ("2", T("2 – Difficult", "2 – Raczej trudno", "2 – Скорее сложно", "2 – 比较困难")),
    ("3", T("3 – Neither easy nor difficult", "3 – Ani łatwo, ani trudno",
            "3 – Ни сложно, ни легко", "3 – 一般")),
    ("4", T("4 – Easy", "4 – Raczej łatwo", "4 – Скорее легко", "4 – 比较容易")),
    ("5", T("5 – Very easy", "5 – Bardzo łatwo", "5 – Очень легко", "5 – 非常容易")),
]

AGREE7 = [
    ("1", T("1 – Strongly disagree", "1 – Zdecydowanie się nie zgadzam",
            "1 – Совершенно не согласен (не согласна)", "1 – 非常不同意")),
    ("2", T("2 – Disagree", "2 – Nie zgadzam się", "2 – Не согласен (не согласна)", "2 – 不同意")),
    ("3", T("3 – Somewhat disagree", "3 – Raczej się nie zgadzam",
            "3 – Скорее не согласен (не согласна)", "3 – 有点不同意")),
    ("4", T("4 – Neither agree nor disagree", "4 – Ani się zgadzam, ani nie zgadzam",
            "4 – Ни да, ни нет", "4 – 既不同意也不反对")),
    ("5", T("5 – Somewhat agree", "5 – Raczej się zgadzam",
            "5 – Скорее согласен (согласна)", "5 – 有点同意")),
    ("6", T("6 – Agree", "6 – Zgadzam się", "6 – Согласен (согласна)", "6 – 同意")),
    ("7", T("7 – Strongly agree", "7 – Zdecydowanie się zgadzam",
            "7 – Полностью согласен (согласна)", "7 – 非常同意")),
]


# ---------------------------------------------------------------------------------------
# 1. Relationship NPS
# ---------------------------------------------------------------------------------------

RELATIONSHIP_NPS = {
    "slug": "relationship_nps",
    "settings": {
        "form_id": "relationship_nps",
        "version": VERSION,
        "form_title": "Relationship NPS",
        "default_language": DEFAULT_LANGUAGE,
        # every answerable question accepts "don't know" and "refused" unless it says otherwise
        "special": "dont_know refused",
    },
    "survey": [
        BRAND,
        row("note", "intro", label=T(
            "Hello! This short survey is about your overall experience as a customer of ${brand}. "
            "It takes about 5 minutes, and your answers are confidential.",
            "Dzień dobry! Ta krótka ankieta dotyczy Pana/Pani ogólnych doświadczeń jako klienta "
            "firmy ${brand}. Zajmie około 5 minut, a odpowiedzi są poufne.",
            "Здравствуйте! Этот короткий опрос посвящён вашему общему опыту клиента компании "
            "${brand}. Он займёт около 5 минут, ваши ответы конфиденциальны.",
            "您好！这份简短的调查是关于您作为${brand}客户的整体体验，大约需要5分钟，"
            "您的回答将严格保密。",
        )),
        row("integer", "tenure",
            label=T(
                "For how many years have you been a customer of ${brand}?",
                "Od ilu lat jest Pan/Pani klientem firmy ${brand}?",
                "Сколько лет вы являетесь клиентом ${brand}?",
                "您成为${brand}的客户有多少年了？",
            ),
            hint=T(
                "Round to whole years; enter 0 for less than a year.",
                "Proszę zaokrąglić do pełnych lat; jeśli krócej niż rok, proszę wpisać 0.",
                "Округлите до целых лет; если меньше года, введите 0.",
                "请按整年计算；不满一年请填0。",
            ),
            required="yes", required_message=REQUIRED,
            constraint=". >= 0 and . <= 100",
            constraint_message=T(
                "The number of years must be between 0 and 100.",
                "Liczba lat musi mieścić się w przedziale od 0 do 100.",
                "Количество лет должно быть от 0 до 100.",
                "年数必须在0到100之间。",
            ),
            warning=". <= 40",
            warning_message=T(
                "More than 40 years as a customer is unusual. Please confirm with the respondent.",
                "Ponad 40 lat jako klient to nietypowo długo. Proszę potwierdzić z respondentem.",
                "Более 40 лет — необычно долгий срок. Пожалуйста, уточните у респондента.",
                "超过40年的客户年限不太常见，请与受访者确认。",
            )),
        row("integer", "nps", label=NPS_LABEL, hint=NPS_HINT,
            required="yes", required_message=REQUIRED,
            constraint=NPS_CONSTRAINT, constraint_message=NPS_CONSTRAINT_MESSAGE,
            cx_metric="nps"),
        row("calculate", "nps_group", calculation=NPS_GROUP),
        row("text", "promoter_value", relevant="${nps_group} = 'promoter'",
            label=T(
                "You gave ${brand} a ${nps}. What do you value most about ${brand}?",
                "Ocenił(a) Pan/Pani firmę ${brand} na ${nps}. Co najbardziej ceni Pan/Pani "
                "w firmie ${brand}?",
                "Вы поставили ${brand} оценку ${nps}. Что вы больше всего цените в ${brand}?",
                "您给${brand}打了${nps}分。您最看重${brand}的哪些方面？",
            )),
        row("text", "passive_to_ten", relevant="${nps_group} = 'passive'",
            label=T(
                "You gave ${brand} a ${nps}. What would ${brand} need to do to earn a 10 from you?",
                "Ocenił(a) Pan/Pani firmę ${brand} na ${nps}. Co firma ${brand} musiałaby zrobić, "
                "żeby otrzymać od Pana/Pani 10?",
                "Вы поставили ${brand} оценку ${nps}. Что ${brand} должна сделать, чтобы вы "
                "поставили 10?",
                "您给${brand}打了${nps}分。${brand}需要做些什么才能让您打10分？",
            )),
        row("text", "detractor_wrong", relevant="${nps_group} = 'detractor'",
            label=T(
                "We're sorry to hear that. What went wrong in your experience with ${brand}?",
                "Przykro nam to słyszeć. Co poszło nie tak w Pana/Pani kontaktach z firmą ${brand}?",
                "Нам жаль это слышать. Что пошло не так в вашем опыте с ${brand}?",
                "很遗憾听到这样的反馈。您在与${brand}打交道的过程中遇到了什么问题？",
            ),
            hint=T(
                "Record the answer verbatim.",
                "Proszę zapisać odpowiedź dosłownie.",
                "Запишите ответ дословно.",
                "请逐字记录回答。",
            ),
            required="yes",
            required_message=T(
                "Please record what went wrong, or mark the answer as refused.",
                "Proszę zapisać, co poszło nie tak, lub zaznaczyć odmowę odpowiedzi.",
                "Запишите, что пошло не так, или отметьте отказ от ответа.",
                "请记录出现的问题，或标记为拒绝回答。",
            )),
        row("begin group", "drivers", label=T(
            "Satisfaction with ${brand}",
            "Zadowolenie z firmy ${brand}",
            "Удовлетворённость компанией ${brand}",
            "对${brand}的满意度",
        )),
        row("select_one sat5", "sat_product", hint=SAT5_HINT,
            required="yes", required_message=REQUIRED, touchpoint="usage",
            label=T(
                "How satisfied are you with the quality of ${brand}'s products?",
                "Na ile jest Pan/Pani zadowolony(-a) z jakości produktów firmy ${brand}?",
                "Насколько вы удовлетворены качеством продуктов ${brand}?",
                "您对${brand}产品质量的满意程度如何？",
            )),
        row("select_one sat5", "sat_price", hint=SAT5_HINT,
            required="yes", required_message=REQUIRED, touchpoint="billing",
            label=T(
                "How satisfied are you with the price you pay, given what you get?",
                "Na ile jest Pan/Pani zadowolony(-a) z ceny w stosunku do tego, co Pan/Pani otrzymuje?",
                "Насколько вы удовлетворены соотношением цены и того, что вы получаете?",
                "考虑到您所获得的产品和服务，您对所付价格的满意程度如何？",
            )),
        row("select_one sat5", "sat_support",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "How satisfied are you with the customer support you have received?",
                "Na ile jest Pan/Pani zadowolony(-a) z obsługi klienta, z której Pan/Pani korzystał(a)?",
                "Насколько вы удовлетворены работой службы поддержки?",
                "您对所获得的客户支持的满意程度如何？",
            ),
            hint=T(
                "1 = very dissatisfied, 5 = very satisfied. If the customer has never contacted "
                "support, record \"don't know\".",
                "1 – zdecydowanie niezadowolony(-a), 5 – zdecydowanie zadowolony(-a). Jeśli klient "
                "nigdy nie kontaktował się z obsługą, proszę zaznaczyć «nie wiem».",
                "1 — совершенно не удовлетворён(а), 5 — полностью удовлетворён(а). Если клиент "
                "никогда не обращался в поддержку, отметьте «затрудняюсь ответить».",
                "1 = 非常不满意，5 = 非常满意。如果客户从未联系过客服，请记录为不知道。",
            )),
        row("select_one sat5", "sat_ease", hint=SAT5_HINT,
            required="yes", required_message=REQUIRED,
            label=T(
                "How satisfied are you with how easy it is to do business with ${brand}?",
                "Na ile jest Pan/Pani zadowolony(-a) z tego, jak łatwo załatwia się sprawy "
                "z firmą ${brand}?",
                "Насколько вы удовлетворены тем, насколько легко иметь дело с ${brand}?",
                "您对与${brand}打交道的便捷程度的满意程度如何？",
            )),
        end("end group"),
        row("select_multiple areas or_other", "improve_areas",
            required="yes", required_message=REQUIRED,
            label=T(
                "Which areas should ${brand} improve first? Choose up to three.",
                "Które obszary firma ${brand} powinna poprawić w pierwszej kolejności? "
                "Proszę wybrać maksymalnie trzy.",
                "Что ${brand} следует улучшить в первую очередь? Выберите не более трёх вариантов.",
                "您认为${brand}应优先改进哪些方面？最多选择三项。",
            ),
            constraint="count-selected(.) <= 3 and not(selected(., 'nothing') and count-selected(.) > 1)",
            constraint_message=T(
                "Choose at most three areas, and do not combine \"Nothing needs improving\" "
                "with other answers.",
                "Proszę wybrać najwyżej trzy obszary i nie łączyć odpowiedzi «Nic nie wymaga "
                "poprawy» z innymi.",
                "Выберите не более трёх вариантов; ответ «Ничего не нужно улучшать» нельзя "
                "сочетать с другими.",
                "最多选择三项；如选择无需改进，则不能再选择其他选项。",
            )),
        row("select_one areas", "improve_top",
            relevant="count-selected(${improve_areas}) > 1",
            choice_filter="selected(${improve_areas}, name)",
            required="yes", required_message=REQUIRED,
            label=T(
                "Of the areas you chose, which one matters most to you?",
                "Który z wybranych obszarów jest dla Pana/Pani najważniejszy?",
                "Какая из выбранных областей для вас важнее всего?",
                "在您选择的方面中，哪一项对您最重要？",
            )),
        row("select_one yes_no", "recontact", special="none",
            required="yes", required_message=REQUIRED,
            label=T(
                "May ${brand} contact you again to follow up on your answers?",
                "Czy firma ${brand} może skontaktować się z Panem/Panią ponownie w sprawie "
                "udzielonych odpowiedzi?",
                "Можно ли ${brand} связаться с вами ещё раз по поводу ваших ответов?",
                "${brand}是否可以就您的回答再次与您联系？",
            )),
        row("text", "recontact_phone", relevant="${recontact} = 'yes'", special="refused",
            personal="yes",
            required="yes", required_message=REQUIRED,
            label=T(
                "On which phone number may we contact you?",
                "Pod jakim numerem telefonu możemy się z Panem/Panią skontaktować?",
                "По какому номеру телефона с вами можно связаться?",
                "我们可以通过哪个电话号码与您联系？",
            ),
            hint=T(
                "Include the country code, e.g. +48 600 700 800.",
                "Proszę podać numer z kierunkowym kraju, np. +48 600 700 800.",
                "Укажите номер с кодом страны, например +7 912 345 67 89.",
                "请包括国家代码，例如 +86 138 0013 8000。",
            ),
            constraint="regex(., '^\\+?[0-9][0-9 ]{6,18}$')",
            constraint_message=T(
                "Enter a phone number using digits and spaces only, optionally starting with +.",
                "Proszę wpisać numer telefonu, używając tylko cyfr i spacji (opcjonalnie z + na "
                "początku).",
                "Введите номер телефона, используя только цифры и пробелы (в начале можно +).",
                "请输入电话号码，只能包含数字和空格，可以以+开头。",
            )),
        row("note", "end_note", label=END_NOTE),
    ],
    "choices": {
        "sat5": SAT5,
        "yes_no": YES_NO,
        "areas": [
            ("product_quality", T("Product quality", "Jakość produktów", "Качество продуктов", "产品质量")),
            ("price", T("Price", "Cena", "Цена", "价格")),
            ("support", T("Customer support", "Obsługa klienta", "Служба поддержки", "客户服务")),
            ("billing", T("Billing and invoices", "Rachunki i faktury", "Счета и оплата", "账单与发票")),
            ("delivery", T("Delivery times", "Terminy dostaw", "Сроки доставки", "配送时效")),
            ("digital", T("Website and app", "Strona internetowa i aplikacja", "Сайт и приложение",
                          "网站与应用")),
            ("communication", T("Communication and information", "Komunikacja i informacja",
                                "Коммуникация и информирование", "沟通与信息")),
            ("nothing", T("Nothing needs improving", "Nic nie wymaga poprawy",
                          "Ничего не нужно улучшать", "无需改进")),
            # or_other would add an untranslated "Other": listing it here translates the choice
            # (pyxform then does not add its own); the generated improve_areas_other text
            # question keeps pyxform's English label "Specify other."
            ("other", T("Other", "Inne", "Другое", "其他")),
        ],
    },
}


# ---------------------------------------------------------------------------------------
# 2. Post-call CSAT
# ---------------------------------------------------------------------------------------

POST_CALL_CSAT = {
    "slug": "post_call_csat",
    "settings": {
        "form_id": "post_call_csat",
        "version": VERSION,
        "form_title": "Post-call CSAT",
        "default_language": DEFAULT_LANGUAGE,
        # no specials unless a question lists them
        "special": "none",
    },
    "survey": [
        BRAND,
        row("note", "intro", label=T(
            "Thank you for taking part in this short survey about your recent call to "
            "${brand} customer service. It takes about 2 minutes.",
            "Dziękujemy za udział w krótkiej ankiecie dotyczącej Pana/Pani niedawnej rozmowy "
            "z obsługą klienta firmy ${brand}. Ankieta zajmie około 2 minut.",
            "Спасибо, что согласились пройти короткий опрос о вашем недавнем звонке в службу "
            "поддержки ${brand}. Он займёт около 2 минут.",
            "感谢您参与这项关于您最近致电${brand}客服的简短调查，大约需要2分钟。",
        )),
        row("select_one sat5", "csat", hint=SAT5_HINT,
            required="yes", required_message=REQUIRED,
            special="refused", cx_metric="csat", touchpoint="support",
            label=T(
                "Overall, how satisfied were you with your recent call to ${brand}?",
                "Ogólnie rzecz biorąc, na ile był(a) Pan/Pani zadowolony(-a) z ostatniej rozmowy "
                "z firmą ${brand}?",
                "В целом, насколько вы удовлетворены вашим недавним звонком в ${brand}?",
                "总体而言，您对最近一次致电${brand}的满意程度如何？",
            )),
        row("select_multiple low_reasons", "low_reason", relevant="${csat} <= 2",
            required="yes", required_message=REQUIRED,
            special="dont_know refused", touchpoint="support",
            label=T(
                "You rated the call ${csat} out of 5. What were the main reasons for this score? "
                "Select all that apply.",
                "Ocenił(a) Pan/Pani rozmowę na ${csat} w skali od 1 do 5. Jakie były główne "
                "powody tej oceny? Proszę wskazać wszystkie pasujące odpowiedzi.",
                "Вы оценили звонок на ${csat} из 5. Каковы основные причины такой оценки? "
                "Выберите все подходящие варианты.",
                "您给这次通话打了${csat}分（满分5分）。给出这个评分的主要原因是什么？"
                "请选择所有适用的选项。",
            )),
        row("text", "low_reason_other", relevant="selected(${low_reason}, 'other')",
            required="yes", required_message=REQUIRED,
            label=T("What other reason?", "Jaki inny powód?", "Какая другая причина?",
                    "其他什么原因？")),
        row("select_one yes_no", "first_contact",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "Was this your first contact with ${brand} about this issue?",
                "Czy był to Pana/Pani pierwszy kontakt z firmą ${brand} w tej sprawie?",
                "Это было ваше первое обращение в ${brand} по этому вопросу?",
                "这是您第一次就此问题联系${brand}吗？",
            )),
        row("integer", "prev_contacts", relevant="${first_contact} = 'no'",
            required="yes", required_message=REQUIRED,
            special="dont_know", touchpoint="support",
            label=T(
                "How many times had you contacted ${brand} about this issue before this call?",
                "Ile razy wcześniej kontaktował(a) się Pan/Pani z firmą ${brand} w tej sprawie?",
                "Сколько раз до этого звонка вы обращались в ${brand} по этому вопросу?",
                "在这次通话之前，您已就此问题联系过${brand}几次？",
            ),
            constraint=". >= 1 and . <= 20",
            constraint_message=T(
                "Enter a number from 1 to 20.",
                "Proszę podać liczbę od 1 do 20.",
                "Введите число от 1 до 20.",
                "请输入1到20之间的数字。",
            )),
        row("select_one resolved3", "resolved",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "Was your issue resolved during this call?",
                "Czy Pana/Pani sprawa została rozwiązana podczas tej rozmowy?",
                "Был ли ваш вопрос решён во время этого звонка?",
                "您的问题在这次通话中得到解决了吗？",
            ),
            warning="not(. = 'no' and ${csat} = '5')",
            warning_message=T(
                "The customer was very satisfied with the call although the issue was not "
                "resolved. Please check this with the customer.",
                "Klient był bardzo zadowolony z rozmowy, mimo że sprawa nie została rozwiązana. "
                "Proszę to potwierdzić z klientem.",
                "Клиент полностью удовлетворён звонком, хотя вопрос не решён. Пожалуйста, "
                "уточните это у клиента.",
                "客户对通话非常满意，但问题并未解决。请与客户核实。",
            )),
        # first-contact resolution: resolved completely on the first contact
        row("calculate", "fcr",
            calculation="if(${first_contact} = 'yes' and ${resolved} = 'yes', 'yes', 'no')"),
        row("begin group", "agent", label=T(
            "About the agent who helped you",
            "O konsultancie, który Panu/Pani pomagał",
            "Об операторе, который вам помогал",
            "关于为您服务的客服人员",
        )),
        row("select_one rating5", "agent_courtesy",
            required="yes", required_message=REQUIRED,
            special="dont_know", touchpoint="support",
            label=T(
                "How would you rate the agent's courtesy?",
                "Jak ocenia Pan/Pani uprzejmość konsultanta?",
                "Как вы оцениваете вежливость оператора?",
                "您如何评价客服人员的礼貌程度？",
            ),
            hint=T("1 = very poor, 5 = excellent.", "1 – bardzo źle, 5 – bardzo dobrze.",
                   "1 — очень плохо, 5 — отлично.", "1 = 很差，5 = 很好。")),
        row("select_one rating5", "agent_knowledge",
            required="yes", required_message=REQUIRED,
            special="dont_know", touchpoint="support",
            label=T(
                "How would you rate the agent's knowledge of your issue?",
                "Jak ocenia Pan/Pani wiedzę konsultanta na temat Pana/Pani sprawy?",
                "Как вы оцениваете знания оператора по вашему вопросу?",
                "您如何评价客服人员对您问题的了解程度？",
            ),
            hint=T("1 = very poor, 5 = excellent.", "1 – bardzo źle, 5 – bardzo dobrze.",
                   "1 — очень плохо, 5 — отлично.", "1 = 很差，5 = 很好。")),
        end("end group"),
        row("select_one yes_no", "callback",
            relevant="${csat} <= 3 or ${resolved} != 'yes'",
            required="yes", required_message=REQUIRED,
            label=T(
                "Would you like someone from ${brand} to call you back about this issue?",
                "Czy chciałby Pan / chciałaby Pani, żeby ktoś z firmy ${brand} oddzwonił "
                "w tej sprawie?",
                "Хотите ли вы, чтобы сотрудник ${brand} перезвонил вам по этому вопросу?",
                "您希望${brand}的工作人员就此问题给您回电吗？",
            )),
        row("select_one daypart", "callback_time", relevant="${callback} = 'yes'",
            required="yes", required_message=REQUIRED,
            label=T(
                "When is the best time to call you back?",
                "O jakiej porze najlepiej do Pana/Pani oddzwonić?",
                "Когда вам удобнее всего, чтобы вам перезвонили?",
                "什么时间给您回电最方便？",
            )),
        row("note", "end_note", label=T(
            "Thank you for your feedback. Goodbye!",
            "Dziękujemy za opinię. Do widzenia!",
            "Спасибо за ваш отзыв. До свидания!",
            "感谢您的反馈，再见！",
        )),
    ],
    "choices": {
        "sat5": SAT5,
        "yes_no": YES_NO,
        "rating5": RATING5,
        "low_reasons": [
            ("long_wait", T("I waited too long to get through", "Zbyt długo czekałem(-am) na połączenie",
                            "Слишком долго ждал(а) ответа оператора", "等待接通的时间太长")),
            ("transferred", T("I was transferred too many times",
                              "Byłem(-am) zbyt wiele razy przełączany(-a)",
                              "Меня слишком много раз переключали", "被转接的次数太多")),
            ("repeat_info", T("I had to repeat my information", "Musiałem(-am) powtarzać swoje dane",
                              "Пришлось повторять свои данные", "不得不重复提供信息")),
            ("not_resolved", T("My issue was not resolved", "Moja sprawa nie została rozwiązana",
                               "Мой вопрос не был решён", "我的问题没有得到解决")),
            ("agent_attitude", T("The agent was unfriendly", "Konsultant był nieuprzejmy",
                                 "Оператор был невежлив", "客服人员态度不友好")),
            ("agent_knowledge", T("The agent did not know enough",
                                  "Konsultant nie miał wystarczającej wiedzy",
                                  "Оператору не хватало знаний", "客服人员专业知识不足")),
            ("call_dropped", T("The call was cut off", "Połączenie zostało przerwane",
                               "Звонок прервался", "通话中断")),
            ("other", T("Other reason", "Inny powód", "Другая причина", "其他原因")),
        ],
        "resolved3": [
            ("yes", T("Yes, completely", "Tak, całkowicie", "Да, полностью", "是的，完全解决了")),
            ("partly", T("Partly", "Częściowo", "Частично", "部分解决")),
            ("no", T("No", "Nie", "Нет", "没有解决")),
        ],
        "daypart": [
            ("morning", T("Morning (8:00–12:00)", "Rano (8:00–12:00)", "Утром (8:00–12:00)",
                          "上午（8:00–12:00）")),
            ("afternoon", T("Afternoon (12:00–17:00)", "Po południu (12:00–17:00)",
                            "Днём (12:00–17:00)", "下午（12:00–17:00）")),
            ("evening", T("Evening (17:00–20:00)", "Wieczorem (17:00–20:00)",
                          "Вечером (17:00–20:00)", "傍晚（17:00–20:00）")),
            ("any", T("Any time", "O dowolnej porze", "В любое время", "任何时间")),
        ],
    },
}


# ---------------------------------------------------------------------------------------
# 3. Support CES (CES 2.0, 1-7)
# ---------------------------------------------------------------------------------------

SUPPORT_CES = {
    "slug": "support_ces",
    "settings": {
        "form_id": "support_ces",
        "version": VERSION,
        "form_title": "Support case CES",
        "default_language": DEFAULT_LANGUAGE,
        # every answerable question accepts "refused" unless it says otherwise
        "special": "refused",
    },
    "survey": [
        BRAND,
        row("note", "intro", label=T(
            "This short survey is about the support request you recently made to ${brand}. "
            "It takes about 3 minutes.",
            "Ta krótka ankieta dotyczy zgłoszenia, które niedawno skierował(a) Pan/Pani do firmy "
            "${brand}. Zajmie około 3 minut.",
            "Этот короткий опрос посвящён вашему недавнему обращению в службу поддержки ${brand}. "
            "Он займёт около 3 минут.",
            "这份简短的调查是关于您最近向${brand}提交的支持请求，大约需要3分钟。",
        )),
        row("select_one channels", "channel", special="none",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "How did you first contact ${brand} about this issue?",
                "W jaki sposób po raz pierwszy skontaktował(a) się Pan/Pani z firmą ${brand} "
                "w tej sprawie?",
                "Каким способом вы впервые обратились в ${brand} по этому вопросу?",
                "您第一次就此问题联系${brand}时使用的是什么方式？",
            )),
        # the channel's label in the interview's language, for piping
        row("calculate", "channel_label", calculation="jr:choice-name(${channel}, '${channel}')"),
        row("integer", "contacts", special="dont_know refused",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "Counting your first contact (${channel_label}), how many times in total did you "
                "have to contact ${brand} about this issue?",
                "Licząc pierwszy kontakt (${channel_label}), ile razy łącznie musiał(a) Pan/Pani "
                "kontaktować się z firmą ${brand} w tej sprawie?",
                "Считая первое обращение (${channel_label}), сколько всего раз вам пришлось "
                "обращаться в ${brand} по этому вопросу?",
                "包括第一次联系（${channel_label}）在内，您就此问题总共联系了${brand}多少次？",
            ),
            hint=T(
                "Count every call, e-mail, chat or visit about this issue.",
                "Proszę liczyć każdy telefon, e-mail, czat lub wizytę w tej sprawie.",
                "Учитывайте каждый звонок, письмо, чат или визит по этому вопросу.",
                "请计算就此问题的每一次电话、邮件、聊天或到访。",
            ),
            constraint=". >= 1 and . <= 50",
            constraint_message=T(
                "Enter a number from 1 to 50.",
                "Proszę podać liczbę od 1 do 50.",
                "Введите число от 1 до 50.",
                "请输入1到50之间的数字。",
            ),
            warning=". <= 5",
            warning_message=T(
                "More than 5 contacts for one issue is unusual. Please confirm the number with "
                "the customer.",
                "Ponad 5 kontaktów w jednej sprawie to nietypowo dużo. Proszę potwierdzić tę "
                "liczbę z klientem.",
                "Более 5 обращений по одному вопросу — необычно много. Пожалуйста, уточните "
                "число у клиента.",
                "同一问题联系超过5次并不常见，请与客户确认次数。",
            )),
        row("select_one yes_no", "resolved",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "Is your issue now fully resolved?",
                "Czy Pana/Pani sprawa jest już w pełni rozwiązana?",
                "Ваш вопрос уже полностью решён?",
                "您的问题现在已经完全解决了吗？",
            )),
        row("text", "open_issue", relevant="${resolved} = 'no'", touchpoint="support",
            label=T(
                "What still needs to be done to resolve it?",
                "Co jeszcze trzeba zrobić, aby ją rozwiązać?",
                "Что ещё нужно сделать, чтобы его решить?",
                "还需要做些什么才能解决？",
            )),
        row("select_one agree7", "ces",
            required="yes", required_message=REQUIRED,
            cx_metric="ces", touchpoint="support",
            label=T(
                "How much do you agree with the following statement: \"${brand} made it easy for "
                "me to handle my issue.\"",
                "Na ile zgadza się Pan/Pani z następującym stwierdzeniem: «Firma ${brand} ułatwiła "
                "mi załatwienie mojej sprawy»?",
                "Насколько вы согласны со следующим утверждением: «Компания ${brand} позволила "
                "мне легко решить мой вопрос»?",
                "您在多大程度上同意以下说法：${brand}让我能够轻松地处理我的问题。",
            ),
            hint=T(
                "1 = strongly disagree, 7 = strongly agree.",
                "1 – zdecydowanie się nie zgadzam, 7 – zdecydowanie się zgadzam.",
                "1 — совершенно не согласен (не согласна), 7 — полностью согласен (согласна).",
                "1 = 非常不同意，7 = 非常同意。",
            )),
        # CES 2.0 bands: 5-7 agree (easy), 4 neutral, 1-3 disagree (difficult)
        row("calculate", "ces_group",
            calculation="if(${ces} = '', '', if(${ces} >= 5, 'easy', "
                        "if(${ces} = 4, 'neutral', 'difficult')))"),
        row("select_multiple effort", "effort_drivers",
            relevant="${ces_group} = 'difficult' or ${ces_group} = 'neutral'",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "What made handling your issue harder than it should have been? "
                "Select all that apply.",
                "Co sprawiło, że załatwienie sprawy było trudniejsze, niż powinno? "
                "Proszę wskazać wszystkie pasujące odpowiedzi.",
                "Что сделало решение вашего вопроса сложнее, чем следовало бы? "
                "Выберите все подходящие варианты.",
                "是什么让处理您的问题比预期更费力？请选择所有适用的选项。",
            ),
            constraint="not(selected(., 'none') and count-selected(.) > 1)",
            constraint_message=T(
                "\"None of these\" cannot be combined with other answers.",
                "Odpowiedzi «Żadne z powyższych» nie można łączyć z innymi.",
                "Вариант «Ничего из перечисленного» нельзя сочетать с другими.",
                "如选择以上都没有，则不能再选择其他选项。",
            )),
        row("select_one effort", "effort_main",
            relevant="count-selected(${effort_drivers}) > 1",
            choice_filter="selected(${effort_drivers}, name)",
            required="yes", required_message=REQUIRED, touchpoint="support",
            label=T(
                "Which of these made it hardest?",
                "Co z tego najbardziej utrudniło sprawę?",
                "Что из этого мешало больше всего?",
                "其中哪一项最让您费力？",
            )),
        row("text", "easy_what", relevant="${ces_group} = 'easy'", touchpoint="support",
            label=T(
                "What did ${brand} do that made it easy for you?",
                "Co takiego zrobiła firma ${brand}, że było to dla Pana/Pani łatwe?",
                "Что именно сделала компания ${brand}, чтобы вам было легко?",
                "${brand}做了什么让您觉得处理起来很轻松？",
            )),
        row("select_one yes_no", "recontact", special="none",
            required="yes", required_message=REQUIRED,
            label=T(
                "May ${brand} contact you about your feedback on this case?",
                "Czy firma ${brand} może się z Panem/Panią skontaktować w sprawie tej opinii?",
                "Может ли ${brand} связаться с вами по поводу вашего отзыва об этом обращении?",
                "${brand}可以就您对此次服务的反馈与您联系吗？",
            )),
        row("note", "end_note", label=END_NOTE),
    ],
    "choices": {
        "yes_no": YES_NO,
        "agree7": AGREE7,
        "channels": [
            ("phone", T("Phone", "Telefon", "Телефон", "电话")),
            ("email", T("E-mail", "E-mail", "Электронная почта", "电子邮件")),
            ("chat", T("Chat on the website", "Czat na stronie internetowej", "Чат на сайте",
                       "网站在线聊天")),
            ("web_form", T("Contact form", "Formularz kontaktowy", "Форма обратной связи",
                           "在线表单")),
            ("app", T("Mobile app", "Aplikacja mobilna", "Мобильное приложение", "手机应用")),
            ("social", T("Social media", "Media społecznościowe", "Социальные сети", "社交媒体")),
            ("store", T("In a store", "W sklepie", "В магазине", "门店")),
        ],
        "effort": [
            ("repeat_info", T("I had to repeat information",
                              "Musiałem(-am) powtarzać te same informacje",
                              "Приходилось повторять одну и ту же информацию",
                              "我不得不重复提供信息")),
            ("transferred", T("I was passed between people or departments",
                              "Byłem(-am) odsyłany(-a) między osobami lub działami",
                              "Меня переводили от сотрудника к сотруднику или между отделами",
                              "我在不同人员或部门之间被来回转接")),
            ("long_wait", T("I had to wait too long", "Musiałem(-am) zbyt długo czekać",
                            "Пришлось слишком долго ждать", "等待时间太长")),
            ("channel_switch", T("I had to switch channels (e.g. from chat to phone)",
                                 "Musiałem(-am) zmienić kanał kontaktu (np. z czatu na telefon)",
                                 "Пришлось сменить канал связи (например, с чата на телефон)",
                                 "我不得不更换联系渠道（例如从在线聊天转为电话）")),
            ("follow_up", T("I had to follow up myself to get an answer",
                            "Musiałem(-am) sam(a) upominać się o odpowiedź",
                            "Приходилось самому (самой) добиваться ответа",
                            "我不得不自己反复跟进才得到答复")),
            ("hard_to_find", T("It was hard to find how to contact support",
                               "Trudno było znaleźć sposób kontaktu z obsługą",
                               "Было сложно найти, как связаться с поддержкой",
                               "很难找到联系客服的方式")),
            ("unclear", T("The answers were unclear or contradictory",
                          "Odpowiedzi były niejasne lub sprzeczne",
                          "Ответы были непонятными или противоречивыми",
                          "答复不清楚或相互矛盾")),
            ("none", T("None of these", "Żadne z powyższych", "Ничего из перечисленного",
                       "以上都没有")),
        ],
    },
}


# ---------------------------------------------------------------------------------------
# 4. Customer-journey key moments
# ---------------------------------------------------------------------------------------

# the stage of the current repeat instance: the position-th selected touchpoint
TP_CODE = "selected-at(${touchpoints}, position(..)-1)"

JOURNEY_KEY_MOMENTS = {
    "slug": "journey_key_moments",
    "settings": {
        "form_id": "journey_key_moments",
        "version": VERSION,
        "form_title": "Customer journey: key moments",
        "default_language": DEFAULT_LANGUAGE,
        # no settings default: only questions that list specials accept them
    },
    "survey": [
        BRAND,
        row("note", "intro", label=T(
            "In this survey we will go through the key moments of your journey as a ${brand} "
            "customer, one stage at a time.",
            "W tej ankiecie omówimy po kolei najważniejsze etapy Pana/Pani doświadczeń jako "
            "klienta firmy ${brand}.",
            "В этом опросе мы поочерёдно обсудим ключевые этапы вашего пути клиента ${brand}.",
            "在本次调查中，我们将逐一回顾您作为${brand}客户所经历的关键环节。",
        )),
        row("select_multiple stages", "touchpoints",
            required="yes", required_message=T(
                "Please choose at least one stage.",
                "Proszę wybrać co najmniej jeden etap.",
                "Выберите хотя бы один этап.",
                "请至少选择一个环节。",
            ),
            label=T(
                "In the past 12 months, which of these stages have you gone through with ${brand}? "
                "Select all that apply.",
                "Które z tych etapów przeszedł Pan / przeszła Pani z firmą ${brand} w ciągu "
                "ostatnich 12 miesięcy? Proszę wskazać wszystkie pasujące odpowiedzi.",
                "Какие из этих этапов взаимодействия с ${brand} вы прошли за последние 12 месяцев? "
                "Выберите все подходящие варианты.",
                "在过去12个月里，您与${brand}经历了以下哪些环节？请选择所有适用的选项。",
            )),
        # one repeat instance per selected stage (a named calculate rather than an expression
        # in repeat_count, which would make pyxform add a generated "tp_count" node)
        row("calculate", "n_touchpoints", calculation="count-selected(${touchpoints})"),
        row("begin repeat", "tp", repeat_count="${n_touchpoints}",
            label=T("Stage", "Etap", "Этап", "环节")),
        row("calculate", "tp_code", calculation=TP_CODE),
        row("calculate", "tp_label",
            calculation=f"jr:choice-name({TP_CODE}, '${{touchpoints}}')"),
        row("note", "tp_intro", touchpoint="dynamic", label=T(
            "Now let's talk about this stage: ${tp_label}.",
            "Porozmawiajmy teraz o etapie: ${tp_label}.",
            "Теперь поговорим об этапе «${tp_label}».",
            "现在我们来谈谈${tp_label}这个环节。",
        )),
        row("select_one sat5", "tp_sat", hint=SAT5_HINT,
            required="yes", required_message=REQUIRED,
            special="dont_know", cx_metric="csat", touchpoint="dynamic",
            label=T(
                "How satisfied were you with this stage: ${tp_label}?",
                "Na ile był(a) Pan/Pani zadowolony(-a) z etapu «${tp_label}»?",
                "Насколько вы удовлетворены этапом «${tp_label}»?",
                "您对${tp_label}这个环节的满意程度如何？",
            )),
        row("select_one ease5", "tp_effort",
            required="yes", required_message=REQUIRED,
            special="dont_know", cx_metric="ces", touchpoint="dynamic",
            label=T(
                "How easy was it to deal with ${brand} at this stage (${tp_label})?",
                "Jak łatwo było załatwiać sprawy z firmą ${brand} na etapie «${tp_label}»?",
                "Насколько легко было взаимодействовать с ${brand} на этапе «${tp_label}»?",
                "在${tp_label}环节，与${brand}打交道有多容易？",
            ),
            hint=T("1 = very difficult, 5 = very easy.", "1 – bardzo trudno, 5 – bardzo łatwo.",
                   "1 — очень сложно, 5 — очень легко.", "1 = 非常困难，5 = 非常容易。")),
        row("text", "tp_issue", relevant="${tp_sat} <= 2 or ${tp_effort} <= 2",
            touchpoint="dynamic",
            label=T(
                "What went wrong at this stage (${tp_label})?",
                "Co poszło nie tak na etapie «${tp_label}»?",
                "Что пошло не так на этапе «${tp_label}»?",
                "在${tp_label}环节出了什么问题？",
            )),
        end("end repeat"),
        row("select_one stages", "best_moment",
            relevant="${n_touchpoints} > 1",
            choice_filter="selected(${touchpoints}, name)",
            required="yes", required_message=REQUIRED,
            label=T(
                "Which of these stages went best for you?",
                "Który z tych etapów przebiegł według Pana/Pani najlepiej?",
                "Какой из этих этапов прошёл для вас лучше всего?",
                "您认为哪个环节体验最好？",
            )),
        row("select_one stages", "worst_moment",
            relevant="${n_touchpoints} > 1",
            choice_filter="selected(${touchpoints}, name)",
            required="yes", required_message=REQUIRED,
            label=T(
                "And which stage went worst?",
                "A który etap przebiegł najgorzej?",
                "А какой этап прошёл хуже всего?",
                "哪个环节体验最差？",
            ),
            constraint=". != ${best_moment}",
            constraint_message=T(
                "Choose a different stage from the one that went best.",
                "Proszę wybrać inny etap niż ten, który przebiegł najlepiej.",
                "Выберите этап, отличный от того, который прошёл лучше всего.",
                "请选择与体验最好的环节不同的环节。",
            )),
        row("integer", "nps", label=NPS_LABEL, hint=NPS_HINT,
            required="yes", required_message=REQUIRED, special="refused",
            constraint=NPS_CONSTRAINT, constraint_message=NPS_CONSTRAINT_MESSAGE,
            cx_metric="nps"),
        row("calculate", "nps_group", calculation=NPS_GROUP),
        row("text", "nps_reason", relevant="${nps} != ''",
            label=T(
                "What is the main reason for your score of ${nps}?",
                "Jaki jest główny powód, dla którego dał(a) Pan/Pani ocenę ${nps}?",
                "Какова главная причина вашей оценки ${nps}?",
                "您打${nps}分的主要原因是什么？",
            )),
        row("note", "end_note", label=END_NOTE),
    ],
    "choices": {
        "stages": [
            ("discovery", T("Discovery and choice", "Poszukiwanie i wybór oferty",
                            "Поиск и выбор", "了解与选择")),
            ("purchase", T("Purchase", "Zakup", "Покупка", "购买")),
            ("onboarding", T("Onboarding and setup", "Rozpoczęcie korzystania i konfiguracja",
                             "Подключение и настройка", "开通与设置")),
            ("usage", T("Everyday use", "Codzienne korzystanie", "Повседневное использование",
                        "日常使用")),
            ("billing", T("Billing and payments", "Rachunki i płatności", "Счета и оплата",
                          "账单与付款")),
            ("support", T("Customer support", "Obsługa klienta", "Служба поддержки", "客户服务")),
            ("renewal", T("Renewal", "Przedłużenie umowy", "Продление договора", "续约")),
        ],
        "sat5": SAT5,
        "ease5": EASE5,
    },
}

FORMS = [RELATIONSHIP_NPS, POST_CALL_CSAT, SUPPORT_CES, JOURNEY_KEY_MOMENTS]


# ---------------------------------------------------------------------------------------
# Checks and writing
# ---------------------------------------------------------------------------------------

_REF = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_SMART_QUOTES = re.compile("[\u2018\u2019\u201c\u201d]")


def _check_text(where: str, text: object) -> None:
    """A translated text has all four languages, none empty, and pipes the same ${refs}."""
    if not isinstance(text, dict) or set(text) != set(LANGS):
        raise ValueError(f"{where}: want T(en, pl, ru, zh), got {text!r}")
    refs = sorted(_REF.findall(text["en"]))
    for code, value in text.items():
        if not value.strip():
            raise ValueError(f"{where}: empty {code} text")
        if _SMART_QUOTES.search(value):
            # pyxform turns these into ASCII quotes, so „…” would come out as „…"
            raise ValueError(f"{where}: {code} has a curly quote (use «…» or rephrase)")
        if sorted(_REF.findall(value)) != refs:
            raise ValueError(f"{where}: {code} pipes {sorted(_REF.findall(value))}, en pipes {refs}")


def _check_form(form: dict) -> None:
    names: set[str] = set()
    for r in form["survey"]:
        name = r.get("name", "")
        if name:
            if name in names:
                raise ValueError(f"{form['slug']}: duplicate name {name}")
            names.add(name)
        for col in TRANSLATED & set(r):
            _check_text(f"{form['slug']}.{name}.{col}", r[col])
        if "warning_message" in r and "warning" not in r:
            raise ValueError(f"{form['slug']}.{name}: warning_message without warning")
        parts = str(r["type"]).split()
        if parts[0] in ("select_one", "select_multiple") and parts[1] not in form["choices"]:
            raise ValueError(f"{form['slug']}.{name}: no choice list {parts[1]}")
    for list_name, choices in form["choices"].items():
        seen = set()
        for name, label in choices:
            if name in seen:
                raise ValueError(f"{form['slug']}: duplicate choice {list_name}/{name}")
            seen.add(name)
            _check_text(f"{form['slug']}.choices.{list_name}.{name}", label)


def _header(ws, values: list[str]) -> None:
    ws.append(values)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _widths(ws, widths: dict[str, int]) -> None:
    for idx, cell in enumerate(ws[1], start=1):
        col = cell.value.split("::")[0]
        letter = openpyxl.utils.get_column_letter(idx)
        ws.column_dimensions[letter].width = widths.get(col, 16)
        if col in TRANSLATED:
            for c in ws[letter][1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")


def _expand(columns: list[str]) -> list[tuple[str, str | None]]:
    """(column, language code or None) for each written column."""
    out: list[tuple[str, str | None]] = []
    for col in columns:
        if col in TRANSLATED:
            out.extend((col, code) for code in LANGS)
        else:
            out.append((col, None))
    return out


def _heading(col: str, code: str | None) -> str:
    return f"{col}::{LANGS[code]}" if code else col


def build_workbook(form: dict) -> openpyxl.Workbook:
    _check_form(form)
    wb = openpyxl.Workbook()

    survey = wb.active
    survey.title = "survey"
    used = [c for c in SURVEY_COLUMNS if any(c in r for r in form["survey"])]
    cols = _expand(used)
    _header(survey, [_heading(c, code) for c, code in cols])
    for r in form["survey"]:
        survey.append([
            (r.get(c) or {}).get(code, "") if code else r.get(c, "")  # type: ignore[union-attr]
            for c, code in cols
        ])
    _widths(survey, {"type": 30, "name": 18, "label": 48, "hint": 36, "relevant": 34,
                     "constraint": 34, "warning": 24, "calculation": 44, "choice_filter": 30,
                     "constraint_message": 36, "warning_message": 36, "required_message": 28})

    choices = wb.create_sheet("choices")
    _header(choices, ["list_name", "name"] + [_heading("label", code) for code in LANGS])
    for list_name, items in form["choices"].items():
        for name, label in items:
            choices.append([list_name, name] + [label[code] for code in LANGS])
    _widths(choices, {"list_name": 14, "name": 18, "label": 36})

    settings = wb.create_sheet("settings")
    s_cols = [c for c in SETTINGS_COLUMNS if c in form["settings"]]
    _header(settings, s_cols)
    settings.append([form["settings"][c] for c in s_cols])
    _widths(settings, {"form_title": 32, "default_language": 18, "special": 20})
    return wb


_FIXED_DATE = (2026, 11, 25, 0, 0, 0)
_FIXED_ISO = "2026-11-25T00:00:00Z"


def _deterministic(data: bytes) -> bytes:
    """The same workbook with fixed document timestamps and zip dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rf"\g<1>{_FIXED_ISO}\g<3>", text)
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def write_form(form: dict) -> Path:
    wb = build_workbook(form)
    buf = io.BytesIO()
    wb.save(buf)
    folder = HERE / form["slug"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{form['slug']}.xlsx"
    path.write_bytes(_deterministic(buf.getvalue()))
    return path


def main(argv: list[str]) -> int:
    wanted = set(argv)
    unknown = wanted - {f["slug"] for f in FORMS}
    if unknown:
        print(f"unknown form(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for form in FORMS:
        if wanted and form["slug"] not in wanted:
            continue
        path = write_form(form)
        print(path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
