"""Reference data: the eight default life areas (seeded by the first migration)."""
from __future__ import annotations

from datetime import datetime

DEFAULT_AREAS = [
    # id, title_ru, title_en, emoji, description_ru, description_en
    ("health", "Здоровье", "Health", "💪", "Тело, сон, питание, энергия", "Body, sleep, food, energy"),
    ("career", "Карьера и дело", "Career & work", "💼", "Работа, проекты, профессиональный рост",
     "Work, projects, professional growth"),
    ("finance", "Финансы", "Finance", "💰", "Доход, сбережения, свобода в деньгах",
     "Income, savings, freedom with money"),
    ("relationships", "Семья и любовь", "Family & love", "❤️", "Партнёр, дети, родители", "Partner, children, parents"),
    ("friends", "Друзья и окружение", "Friends & community", "🤝", "Друзья, круг общения, сообщество",
     "Friends, circle, community"),
    ("growth", "Развитие", "Personal growth", "📚", "Учёба, навыки, новые знания", "Learning, skills, new knowledge"),
    ("leisure", "Отдых и радость", "Leisure & joy", "🎨", "Хобби, путешествия, впечатления",
     "Hobbies, travel, experiences"),
    ("spirit", "Смысл и душа", "Meaning & spirit", "🌿", "Ценности, внутренний покой, вклад в мир",
     "Values, inner peace, giving back"),
]


def default_area_rows(now: datetime) -> list[dict]:
    return [
        {"id": area_id, "title_ru": ru, "title_en": en, "emoji": emoji, "description_ru": dru, "description_en": den,
         "order_index": index, "is_active": True, "created_at": now, "updated_at": now}
        for index, (area_id, ru, en, emoji, dru, den) in enumerate(DEFAULT_AREAS)
    ]
