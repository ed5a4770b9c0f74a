"""Russian that sounds written in Russian: «Мечта» speaks of herself in the feminine, a number next to a noun takes
the noun's plural form (ngettext), numbers and places follow the person's language, and the glossary's terms hold
(docs/glossary.md)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from aiogram.utils.i18n import I18n
from babel.messages.pofile import read_po
from icalendar import Calendar

from bot.i18n import LOCALES_DIR, create_i18n
from bot.render import goals as goals_render
from bot.render import rituals as rituals_render
from bot.render.profile import match_place
from bot.rituals.texts import streak_line
from core.clients.ai.base import OFFLINE_NOTICE
from core.clients.ai.offline_provider import CARD_LABEL
from core.services.auth import _MAILS
from core.services.calendar.ics import PLANNED_BY, PRODUCT_NAME, build_feed
from core.services.gamification import ACHIEVEMENTS
from core.services.timezones import ZoneMatch
from tests.bot.conftest import BotWorld, with_button
from tests.bot.test_onboarding import reach_time_zone_question
from tests.bot.test_wheel import onboarded, score_areas, score_question

# Past-tense and short forms the bot would use of itself, in the masculine. Each is masculine whoever says it, so
# any hit is a wrong voice unless the subject is someone else — and no text has needed that exception so far.
MASCULINE_SELF = re.compile(
    r"(?<![\w-])(понял|нашёл|нашел|остановился|смог|сохранил|подготовил|получил|записал|удалил|знал|составил|"
    r"написал|успел|увидел|подобрал|нарисовал|убрал|забыл|прочитал|отправил|рад|сам)(?![\w-])", re.IGNORECASE)
# Words that are masculine only when the bot says them of itself ("я готов"; "черновик готов" is fine), and any
# past tense right after «я» ("я это записал").
MASCULINE_AFTER_I = re.compile(
    r"(?<![\w-])я\s+(?:[\w-]+\s+){0,2}?(?:[\w-]+л(?:ся)?|готов|должен|уверен|один)(?![\w-])", re.IGNORECASE)

# Placeholders that count things; a measure (a score, a level, a page or question number, a percentage) is not a
# count and needs no plural form.
COUNT = (r"(?:\{(?:count|n|chars|length|limit|days|minutes|answered|total|done|planned|obtained|mornings|evenings|xp)"
         r"\}|%\(\w+\)[ds]|%d)")
UNITS = r"(?:of|из|XP|min|мин|to|in|—)"  # words that may follow a count without being its noun
PLURAL_DODGES = {
    "a label with a bare count («Шагов: 5»)": re.compile(r"[^\W\d_]\s*[:—]\s*" + COUNT + r"(?!\s*[^\W\d_])"),
    "a count before a noun in a text without plural forms": re.compile(COUNT + r"\s+(?!" + UNITS + r"\b)[^\W\d_]{2,}"),
    "a bare «N из M» / “N of M”": re.compile(COUNT + r"\s+(?:of|из)\s+(?:" + COUNT + r"|\d+)"),
    "a count in brackets («Запланировать (3)»)": re.compile(r"\(" + COUNT + r"\)"),
}
# The one tally that stays as it is: the heading of the achievements list reads like a page counter.
TALLIES = {"<b>Achievements</b> · {obtained} of {total}"}


def catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=locale)


def russian_texts() -> list[str]:
    """Every Russian form the bot can send (all plural forms) and the Russian texts of core that reach people."""
    texts = []
    for message in catalog("ru"):
        if message.id:
            texts += list(message.string) if isinstance(message.string, tuple) else [message.string]
    texts += [OFFLINE_NOTICE["ru"], CARD_LABEL["ru"], *_MAILS["verification"]["ru"], *_MAILS["password_reset"]["ru"],
              PRODUCT_NAME["ru"], PLANNED_BY["ru"]]
    texts += [text for achievement in ACHIEVEMENTS for text in (achievement.title("ru"), achievement.description("ru"))]
    return texts


def masculine_self_references(text: str) -> list[str]:
    return [match.group(0) for pattern in (MASCULINE_SELF, MASCULINE_AFTER_I) for match in pattern.finditer(text)]


def plural_dodges(text: str) -> list[str]:
    return [name for name, pattern in PLURAL_DODGES.items() if pattern.search(text)]


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n()


@pytest.mark.parametrize("text", ["Не совсем понял. Вот что я умею:", "Не понял время.", "Не нашёл «Тверь».",
                                  "Хорошо, остановился.", "когда время выйдет, я закрою поток сам",
                                  "Я это записал.", "Я рад познакомиться снова."])
def test_the_masculine_voice_is_caught(text: str) -> None:
    assert masculine_self_references(text)


@pytest.mark.parametrize("text", ["Не совсем поняла. Вот что я умею:", "Не нашла «Тверь».", "Хорошо, остановилась.",
                                  "я закрою поток сама", "Я это записала.", "✅ Черновик готов.",
                                  "блок должен заканчиваться позже"])
def test_the_feminine_voice_and_other_subjects_pass(text: str) -> None:
    assert masculine_self_references(text) == []


def test_mechta_speaks_of_herself_in_the_feminine_everywhere() -> None:
    found = {text: masculine_self_references(text) for text in russian_texts() if masculine_self_references(text)}

    assert found == {}


@pytest.mark.parametrize("text", ["✅ Steps done: {done} of {planned}", "Wants saved: {count}.",
                                  "✨ I have {count} goals to suggest.", "📅 Plan the chosen steps ({count})",
                                  "Сохранено желаний: {count}.", "отвечено сфер — {answered} из {total}"])
def test_a_plural_dodge_is_caught(text: str) -> None:
    assert plural_dodges(text)


def test_no_count_meets_a_noun_outside_a_plural_entry() -> None:
    dodges = {}
    for locale in ("en", "ru"):
        for message in catalog(locale):
            if not message.id or isinstance(message.id, tuple) or message.id in TALLIES:
                continue
            for text in (message.id, message.string):
                if plural_dodges(text):
                    dodges[text] = plural_dodges(text)

    assert dodges == {}


def test_every_russian_plural_entry_has_the_three_forms_of_the_language() -> None:
    po = catalog("ru")

    assert po.num_plurals == 3 and "n % 10 == 1 && n % 100 != 11" in po.plural_expr
    assert all(len(message.string) == 3 and len(set(message.string)) > 1
               for message in po if isinstance(message.id, tuple) and "{" in message.id[0])


# Words the glossary (docs/glossary.md) replaced, with the term the texts use instead.
NOT_IN_THE_GLOSSARY = {
    r"(?<![\w/])AI(?!\w)": "ИИ",
    r"колес\w* баланса": "колесо жизни",
    r"недельн\w* обзор": "обзор недели",
    r"анализ\w* (?:своих )?желаний": "разбор желаний",
}


def test_the_russian_texts_use_the_glossary_and_one_product_name() -> None:
    texts = russian_texts()

    for pattern, term in NOT_IN_THE_GLOSSARY.items():
        assert [text for text in texts if re.search(pattern, text, re.IGNORECASE)] == [], term
    # The one Latin name is the one Google's permissions page shows, quoted as such.
    assert [text for text in texts if "Mechta" in text and "в списке Google" not in text] == []


def say(i18n: I18n, locale: str, render, *args) -> str:
    with i18n.context(), i18n.use_locale(locale):
        return render(*args)


@pytest.mark.parametrize(("count", "russian", "english"), [
    (1, "в нём 1 шаг.", "saved: 1 step."), (3, "в нём 3 шага.", "saved: 3 steps."),
    (5, "в нём 5 шагов.", "saved: 5 steps."), (11, "в нём 11 шагов.", "saved: 11 steps."),
    (21, "в нём 21 шаг.", "saved: 21 steps."), (1234, "в нём 1\xa0234 шага.", "saved: 1,234 steps."),
])
def test_a_saved_plan_counts_its_steps_like_a_person(i18n: I18n, count: int, russian: str, english: str) -> None:
    assert russian in say(i18n, "ru", goals_render.plan_saved_text, count, None, "ru")
    assert english in say(i18n, "en", goals_render.plan_saved_text, count, None, "en")


@pytest.mark.parametrize(("days", "russian"), [(1, "🔥 1 день подряд"), (2, "🔥 2 дня подряд"), (12, "🔥 12 дней подряд"),
                                               (22, "🔥 22 дня подряд")])
def test_a_streak_is_said_in_days(i18n: I18n, days: int, russian: str) -> None:
    assert say(i18n, "ru", streak_line, days) == russian


def test_a_week_summary_counts_rituals_and_steps_and_writes_the_mood_with_a_comma(i18n: I18n) -> None:
    entries = [SimpleNamespace(type="morning"), SimpleNamespace(type="evening"), SimpleNamespace(type="evening")]
    overview = SimpleNamespace(week_start=date(2026, 6, 1), week_end=date(2026, 6, 7), entries=entries,
                               steps_done=[SimpleNamespace(title="Пробежка")],
                               steps_planned=[SimpleNamespace(), SimpleNamespace(), SimpleNamespace(),
                                              SimpleNamespace(), SimpleNamespace()],
                               mood_by_day={date(2026, 6, 1): 6, date(2026, 6, 2): 5})
    empty = SimpleNamespace(**{**vars(overview), "steps_done": [], "steps_planned": [], "mood_by_day": {}})

    text = say(i18n, "ru", rituals_render.week_summary, overview, "ru")

    assert "🌅 1 утренний ритуал · 🌙 2 вечерних ритуала" in text
    assert "✅ Выполнен 1 шаг из 5" in text and "😊 Среднее настроение: 5,5" in text
    assert "из 0" not in say(i18n, "ru", rituals_render.week_summary, empty, "ru")


def _moment(hour: int) -> datetime:
    return datetime(2026, 6, 1, hour, tzinfo=UTC)


def zone(time_zone: str, city: str | None = None, typed: str | None = None) -> ZoneMatch:
    return ZoneMatch(time_zone, "", _moment(12), city=city, typed=typed)


@pytest.mark.parametrize(("match", "locale", "place"), [
    (zone("Europe/Moscow", "Moscow", "москва"), "ru", "Москва"),
    (zone("Europe/Moscow", "Moscow", "Moscow"), "ru", "Москва"),
    (zone("Europe/Moscow", "Moscow", "Москва"), "en", "Moscow"),
    (zone("Europe/Moscow", "Kazan", "казань"), "ru", "Казань (часовой пояс: Москва)"),
    (zone("Asia/Novosibirsk"), "ru", "Новосибирск"),
    (zone("America/New_York"), "ru", "Нью-Йорк"),
])
def test_a_time_zone_is_named_in_the_persons_language(i18n: I18n, match: ZoneMatch, locale: str, place: str) -> None:
    assert say(i18n, locale, match_place, match) == place


async def test_a_russian_wheel_writes_its_average_and_change_with_a_comma(running: BotWorld) -> None:
    chat, _user = await onboarded(running, "ru")
    first = await running.say(chat, "/wheel", score_question(1))
    await score_areas(running, chat, first, [5, 6, 5, 6, 5, 6, 5, 6])
    photo = await running.reply(chat, lambda view: view["photo_url"] is not None, after_id=first["id"])

    running.container.clock.advance(days=1)
    second = await running.say(chat, "/wheel", score_question(1))
    await score_areas(running, chat, second, [6] * 8)
    again = await running.reply(chat, lambda view: view["photo_url"] is not None, after_id=second["id"])

    assert photo["caption"] == "🎡 Ваше колесо жизни · в среднем 5,5"
    assert again["caption"] == "🎡 Ваше колесо жизни · в среднем 6 (▲0,5)"


def test_the_calendar_feed_speaks_the_language_of_its_owner() -> None:
    block = SimpleNamespace(id="b1", all_day=False, start_at=_moment(9), end_at=_moment(10), title="Пробежка",
                            description=PLANNED_BY["en"], location=None, remote_updated_at=None,
                            updated_at=_moment(8), status="confirmed", busy=True)

    russian = Calendar.from_ical(build_feed([block], locale="ru", time_zone="Europe/Moscow", now=_moment(8)))
    english = Calendar.from_ical(build_feed([block], locale="en", time_zone="Europe/Moscow", now=_moment(8)))

    assert str(russian["X-WR-CALNAME"]) == "Мечта" and str(russian["PRODID"]).endswith("//RU")
    assert str(russian.walk("VEVENT")[0]["DESCRIPTION"]) == "Запланировано в «Мечте»"
    assert str(english["X-WR-CALNAME"]) == "Mechta" and str(english.walk("VEVENT")[0]["DESCRIPTION"]) == (
        "Planned by Mechta")


@pytest.mark.parametrize(("typed", "place"), [("Москва", "— Москва. Верно?"), ("moscow", "— Москва. Верно?"),
                                              ("казань", "— Казань (часовой пояс: Москва). Верно?")])
async def test_the_time_zone_is_confirmed_with_the_place_in_russian(running: BotWorld, typed: str, place: str) -> None:
    chat = running.user("ru")
    await reach_time_zone_question(running, chat, "ru")

    confirm = await running.say(chat, typed, with_button(":tz_confirm:"))

    assert place in confirm["text"] and "Europe/Moscow" not in confirm["text"] and ", RU" not in confirm["text"]
