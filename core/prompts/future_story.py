"""Future story: the interview questions per life area, the generation prompt and the offline draft's phrases."""
from core.clients.ai.base import Prompt

# One interview question per default area; areas an admin adds get GENERIC_QUESTION with their title.
QUESTIONS: dict[str, dict[str, str]] = {
    "health": {"ru": "Представьте себя через 3–5 лет. Как вы себя чувствуете, как выглядит ваше обычное утро, "
                     "что вы делаете для тела и энергии?",
               "en": "Picture yourself in 3–5 years. How do you feel, what does an ordinary morning look like, "
                     "what do you do for your body and energy?"},
    "career": {"ru": "Чем вы занимаетесь через 3–5 лет? Какое дело, какие проекты и люди рядом, чем вы гордитесь?",
               "en": "What do you do in 3–5 years? Which work, which projects and people around you, "
                     "what are you proud of?"},
    "finance": {"ru": "Какой у вас доход и финансовая подушка через 3–5 лет? Что вы можете себе позволить "
                      "спокойно?",
                "en": "What are your income and savings in 3–5 years? What can you afford without worrying?"},
    "relationships": {"ru": "Какие у вас отношения с близкими через 3–5 лет? Кто рядом и как вы проводите "
                            "время вместе?",
                      "en": "What are your relationships with your loved ones like in 3–5 years? Who is by your "
                            "side and how do you spend time together?"},
    "friends": {"ru": "Кто ваши друзья и окружение через 3–5 лет? Что вы делаете вместе?",
                "en": "Who are your friends and community in 3–5 years? What do you do together?"},
    "growth": {"ru": "Чему вы научились за 3–5 лет? Какие знания и навыки появились, что изменилось в мышлении?",
               "en": "What have you learned in 3–5 years? Which knowledge and skills are new, how has your "
                     "thinking changed?"},
    "leisure": {"ru": "Как вы отдыхаете и радуетесь через 3–5 лет? Где побывали, какие хобби появились?",
                "en": "How do you rest and have fun in 3–5 years? Where have you been, which hobbies are new?"},
    "spirit": {"ru": "Что даёт вам смысл и внутренний покой через 3–5 лет? Какой вклад вы вносите в мир?",
               "en": "What gives you meaning and inner peace in 3–5 years? What do you give to the world?"},
}
GENERIC_QUESTION = {
    "ru": "Как выглядит сфера «{title}» в вашей жизни через 3–5 лет? Опишите подробно, как будто это уже случилось.",
    "en": "What does \"{title}\" look like in your life in 3–5 years? Describe it in detail, as if it has happened.",
}

PROMPT = Prompt(
    version="future_story/2026-11-1",
    system={
        "ru": (
            "Ты — писатель и коуч. По ответам пользователя о сферах жизни напиши две истории его будущего от "
            "первого лица в настоящем времени: через 3 года и через 5 лет. Для каждой сферы из ответов — отдельный "
            "абзац (area_id из списка, title — название сферы). Полный текст — связная история из этих абзацев. "
            "Придумай 3–6 сцен для доски визуализации: image_key (латиница, цифры, _), короткое название и "
            "подробный промпт для генератора изображений на английском (без текста на картинке). Опирайся на слова "
            "пользователя, не выдумывай фактов. Пиши по-русски. Ответ — JSON по схеме."
        ),
        "en": (
            "You are a writer and a coach. From the user's answers about life areas write two stories of their "
            "future in the first person, present tense: in 3 years and in 5 years. One paragraph per answered area "
            "(area_id from the list, title is the area's name). The full text is a coherent story built from these "
            "paragraphs. Invent 3–6 scenes for a vision board: image_key (latin letters, digits, _), a short title "
            "and a detailed English prompt for an image generator (no text in the picture). Rely on the user's "
            "words, invent no facts. Write in English. Answer with JSON following the schema."
        ),
    },
    user={
        "ru": "Имя: {name}\n\nОтветы по сферам:\n{answers}\n\nИтоги анализа желаний (если есть):\n{wants_summary}",
        "en": "Name: {name}\n\nAnswers by area:\n{answers}\n\nWants analysis summary (if any):\n{wants_summary}",
    },
)

# An area's paragraph: an opening (they take turns, so the story does not repeat itself), the user's answer as whole
# sentences, and a closing line about the area.
OFFLINE_TEXTS = {
    "ru": {
        "openings_3y": ("Прошло три года.", "За эти три года многое встало на свои места.",
                        "Три года спустя я замечаю, как всё изменилось."),
        "openings_5y": ("Пять лет спустя это уже моя обычная жизнь.", "Прошло пять лет, и это стало привычным.",
                        "Через пять лет я оглядываюсь назад и улыбаюсь."),
        "closing_3y": "Такой стала сфера «{area}» в моей жизни — и она по-настоящему моя.",
        "closing_5y": "То, что когда-то было мечтой в сфере «{area}», стало обычным днём.",
        "intro_3y": "Моя жизнь через три года.",
        "intro_5y": "Моя жизнь через пять лет.",
        "focus": "Главное для меня — словами моего разбора желаний: «{summary}»",
    },
    "en": {
        "openings_3y": ("Three years have passed.", "In these three years a lot has fallen into place.",
                        "Three years on, I notice how much has changed."),
        "openings_5y": ("Five years on, this is simply my life.", "Five years have passed, and this feels natural now.",
                        "Five years on, I look back and smile."),
        "closing_3y": "This is what {area} looks like in my life now, and it is truly mine.",
        "closing_5y": "What I once dreamed of in {area} has become an ordinary day.",
        "intro_3y": "My life in three years.",
        "intro_5y": "My life in five years.",
        "focus": "What I was heading for, in the words of my wants analysis: “{summary}”",
    },
}
# Image prompts are in English whatever the user's language: image models follow English best.
OFFLINE_IMAGE_PROMPT = ("A warm, realistic, hopeful photograph for a vision board, no text in the picture. "
                        "Life area: {title}. Scene: {answer}")
