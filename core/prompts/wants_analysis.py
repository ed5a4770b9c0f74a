"""Wants analysis: the prompt and the words the offline draft uses to sort wants into life areas."""
from core.clients.ai.base import Prompt

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
    "health": ("здоров", "спорт", "сон", "спать", "бег", "тело", "вес", "питан", "йог", "энерг", "врач", "зал",
               "health", "sport", "sleep", "run", "body", "weight", "food", "yoga", "energy", "fit", "gym"),
    "career": ("работ", "карьер", "бизнес", "проект", "професс", "компан", "должност", "дело", "клиент",
               "work", "job", "career", "business", "project", "company", "promotion", "startup", "client"),
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

# Words too common to be a theme.
STOP_WORDS = frozenset("""
я хочу хотел хотела чтобы и в во на с со к у о об от до по за из для не но а что как это мой моя мои моё мое
быть был была было были есть еще ещё уже так же бы ли то или его её ее их мне меня себе себя свой свою своё
очень всё все всегда когда где там тут который которая которые больше меньше много мало год лет года
i want wanted to the a an and or of in on at for with my me is be am are was were it that this have has
would like more less very all always when where there here which really also just so as by from into
""".split())

OFFLINE_TEXTS = {
    "ru": {
        "theme_evidence": "встречается {count} раз(а)",
        "focus_reason": "Здесь больше всего ваших желаний: {count}.",
        "envy_gap": "Вы завидуете в сфере «{area}», но в потоке желаний её почти нет — стоит проверить, ваше ли это.",
        "regret_gap": "Сожаления касаются сферы «{area}», а желаний о ней мало — возможно, её стоит поднять выше.",
        "summary": ("Вы записали {wants} желаний. Чаще всего они о сферах: {areas}. Главные слова: {themes}. "
                    "Ваш ответ о пяти годах: «{five_years}»."),
        "summary_empty_areas": "ни одна сфера не выделяется",
        "summary_no_themes": "—",
    },
    "en": {
        "theme_evidence": "appears {count} time(s)",
        "focus_reason": "Most of your wants are here: {count}.",
        "envy_gap": "You feel envy about \"{area}\", yet it hardly appears in your wants — check whether it is yours.",
        "regret_gap": "Your regrets touch \"{area}\", yet few wants are about it — it may deserve more room.",
        "summary": ("You wrote down {wants} wants. Most are about: {areas}. Key words: {themes}. "
                    "Your answer about five years: \"{five_years}\"."),
        "summary_empty_areas": "no area stands out",
        "summary_no_themes": "—",
    },
}
