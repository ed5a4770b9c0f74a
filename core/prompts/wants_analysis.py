"""Wants analysis: the prompt and the words the offline draft uses to sort wants into life areas."""
import re
from collections import Counter

from core.clients.ai.base import Prompt
from core.prompts.wording import ru_plural

PROMPT = Prompt(
    version="wants_analysis/2026-11-1",
    system={
        "ru": (
            "Ты — бережный коуч по жизненному планированию. Пользователь сделал три упражнения: «Поток „Я хочу“» "
            "(свободное письмо), «Мне 40» (письмо из будущего) и три обратных вопроса (зависть, сожаления, что "
            "делать 5 лет). Найди в его словах главные темы, самые важные желания по сферам жизни, противоречия "
            "между желаниями и предложи, на чём сфокусироваться. Опирайся только на его слова, не выдумывай. "
            "Используй только id сфер из списка. Пиши по-русски, тепло и конкретно. Ответ — JSON по схеме."
        ),
        "en": (
            "You are a gentle life-planning coach. The user did three exercises: an \"I want\" free-write stream, "
            "\"I am 40\" (a letter from the future) and three reverse questions (envy, regrets, what to do for "
            "5 years). Find the main themes in their words, the most important wants per life area, contradictions "
            "between wants, and suggest where to focus. Rely only on their words, invent nothing. Use only the area "
            "ids from the list. Write in English, warmly and concretely. Answer with JSON following the schema."
        ),
    },
    user={
        "ru": (
            "Сферы жизни (id и название):\n{areas}\n\n"
            "Поток «Я хочу»:\n{stream}\n\n"
            "«Мне 40»:\n{future_me}\n\n"
            "Кому я завидую и в чём:\n{envy}\n\n"
            "О чём я буду жалеть:\n{regrets}\n\n"
            "Что бы я делал(а) 5 лет, если бы всё получилось:\n{what_to_do_5y}"
        ),
        "en": (
            "Life areas (id and title):\n{areas}\n\n"
            "\"I want\" stream:\n{stream}\n\n"
            "\"I am 40\":\n{future_me}\n\n"
            "Whom I envy and for what:\n{envy}\n\n"
            "What I would regret:\n{regrets}\n\n"
            "What I would do for 5 years if everything worked out:\n{what_to_do_5y}"
        ),
    },
)

# Word stems that place a want in one of the default areas; areas an admin adds are matched by their title.
AREA_STEMS: dict[str, tuple[str, ...]] = {
    "health": ("здоров", "спорт", "сон", "спать", "высп", "высып", "бег", "тело", "вес", "питан", "йог",
               "энерг", "врач", "зал",
               "health", "sport", "sleep", "run", "body", "weight", "food", "yoga", "energy", "fit", "gym"),
    "career": ("работ", "карьер", "бизнес", "проект", "професс", "компан", "должност", "дело", "клиент", "студи",
               "work", "job", "career", "business", "project", "company", "promotion", "startup", "client", "studio"),
    "finance": ("деньг", "доход", "зарабат", "финанс", "сбереж", "инвест", "квартир", "дом", "машин", "долг",
                "money", "income", "earn", "financ", "saving", "invest", "house", "home", "car", "debt", "salary"),
    "relationships": ("семь", "муж", "жена", "дет", "ребен", "ребён", "родител", "любов", "партн", "брак", "мам",
                      "пап", "family", "husband", "wife", "child", "kid", "parent", "love", "partner", "marri",
                      "mom", "dad"),
    "friends": ("друз", "друг", "подруг", "общени", "сообществ", "окружени", "команд",
                "friend", "community", "people", "circle", "team", "network"),
    "growth": ("учит", "учёб", "учеб", "язык", "курс", "навык", "книг", "читат", "развит", "образован",
               "learn", "study", "language", "course", "skill", "book", "read", "growth", "educat", "degree"),
    "leisure": ("путешеств", "отдых", "хобби", "море", "поездк", "музык", "рисова", "танц", "игр", "страны",
                "travel", "vacation", "holiday", "hobby", "sea", "trip", "music", "paint", "dance", "game",
                "countr"),
    "spirit": ("смысл", "душ", "покой", "медитац", "помога", "благотвор", "ценност", "вер", "гармони",
               "meaning", "soul", "peace", "meditat", "help", "charity", "value", "faith", "harmony", "purpose"),
}

# Words too common to be a theme: pronouns, linking words, quantifiers and vague adjectives.
_STOP_WORDS_TEXT = """
я хочу хотел хотела хотелось хочется чтобы и в во на с со к у о об от до по за из для не но а что как это мой
моя мои моё мое моего моей моих моим быть был была было были буду будет будем есть еще ещё уже так же бы ли то
или его её ее их мне меня себе себя свой свою своё свои своего своей своих очень всё все всех всего всегда
когда где там тут который которая которое которые больше меньше более много мало год лет года каждый каждая
каждое каждую каждого каждой каждые день дня маленький маленькая маленькое маленькую маленьким маленьком
небольшой небольшую большой большую большое этот эта эти этого этой этих тот та те того такой такая такие
такое самый самая самое можно нужно надо могу мочь просто тоже также потом снова даже только чем чтоб если бы
хотя ведь вот i want wants wanted to the a an and or of in on at for with my me is be am are was were it that
this these those have has had would could should will like more less most very all always when where there
here which really also just so as by from into every each small little big some much many other than then them
they their your about after before again only even still well being make made want able over such what while
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

OFFLINE_TEXTS = {
    "ru": {
        "theme_evidence": "встречается {times}",
        "focus_one": "Об этой сфере одно ваше желание: «{want}».",
        "focus_many": "Об этой сфере {count} {wants_word}, например «{want}».",
        "envy_gap": "Вы завидуете в сфере «{area}», но в потоке желаний её почти нет — стоит проверить, ваше ли это.",
        "regret_gap": "Сожаления касаются сферы «{area}», а желаний о ней мало — возможно, её стоит поднять выше.",
        "summary": "Вы записали {count} {wants_word}. Чаще всего они о сферах: {areas}.",
        "summary_themes": " Главные слова: {themes}.",
        "summary_five_years": " Ваш ответ о пяти годах: «{five_years}».",
        "summary_empty_areas": "ни одна сфера не выделяется",
    },
    "en": {
        "theme_evidence": "appears {times}",
        "focus_one": "One of your wants is about this area: “{want}”.",
        "focus_many": "{count} of your wants are about this area, for example “{want}”.",
        "envy_gap": "You feel envy about \"{area}\", yet it hardly appears in your wants — check whether it is yours.",
        "regret_gap": "Your regrets touch \"{area}\", yet few wants are about it — it may deserve more room.",
        "summary": "You wrote down {count} {wants_word}. Most are about: {areas}.",
        "summary_themes": " Key words: {themes}.",
        "summary_five_years": " Your answer about five years: \"{five_years}\".",
        "summary_empty_areas": "no area stands out",
    },
}


def wants_word(count: int, locale: str) -> str:
    if locale == "en":
        return "want" if count == 1 else "wants"
    return ru_plural(count, "желание", "желания", "желаний")


WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
MAX_THEMES = 5


def recurring_words(text: str, locale: str) -> list[tuple[str, int]]:
    """The words of `text` that come up more than once, counted over their forms (гитара, гитаре, гитару: one
    word, by its Snowball stem), most frequent first, each shown in its most used form; stop words and words
    shorter than four letters left out. A word said once is no theme."""
    import snowballstemmer  # here, not at import: only offline drafts count words

    stemmer = snowballstemmer.stemmer("english" if locale == "en" else "russian")
    words = [w for w in WORD.findall(text.lower()) if len(w) >= 4 and w not in STOP_WORDS]
    forms: dict[str, Counter[str]] = {}
    for word, stem in zip(words, stemmer.stemWords(words), strict=True):
        forms.setdefault(stem, Counter())[word] += 1
    counted = [(min(seen, key=lambda form: (-seen[form], len(form), form)), seen.total()) for seen in forms.values()]
    recurring = [(word, count) for word, count in counted if count > 1]
    return sorted(recurring, key=lambda item: (-item[1], item[0]))[:MAX_THEMES]


def _area_stems(area: dict[str, str]) -> tuple[str, ...]:
    stems = AREA_STEMS.get(area["id"])
    if stems:
        return stems
    return tuple(word[:5] for word in WORD.findall(area["title"].lower()) if len(word) >= 4)


def areas_of(text: str, areas: list[dict[str, str]]) -> list[str]:
    """The ids of the areas a text is about, in the order of `areas`: a word starting with one of an area's stems
    (an area an admin added is matched by the words of its title)."""
    words = WORD.findall(text.lower())
    return [area["id"] for area in areas
            if any(word.startswith(stem) for stem in _area_stems(area) for word in words)]
