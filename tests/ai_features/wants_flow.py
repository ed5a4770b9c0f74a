"""Drive the wants exercises over HTTP, shared by the wants, story and AI tests."""
from __future__ import annotations

import httpx

from tests.helpers import ok_result

STREAM_LINES = [
    "Я хочу бегать марафон и высыпаться",
    "Хочу свой бизнес с командой",
    "Хочу путешествовать к морю каждый год",
    "Хочу больше времени с семьёй и детьми",
]


async def complete_wants(api: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    ok_result(await api.post("/api/v1/wants/raw", headers=headers))
    ok_result(await api.post("/api/v1/wants/stream/start", headers=headers))
    for line in STREAM_LINES:
        ok_result(await api.post("/api/v1/wants/stream/append", headers=headers, json={"text": line}))
    ok_result(await api.post("/api/v1/wants/stream/append", headers=headers, json={"text": "стоп"}))
    ok_result(await api.put("/api/v1/wants/future-me", headers=headers,
                            json={"text": "Мне 40. Я живу у моря, у меня своя компания и крепкое здоровье."}))
    ok_result(await api.post("/api/v1/wants/future-me/finish", headers=headers))
    ok_result(await api.put("/api/v1/wants/reverse", headers=headers, json={
        "raw_envy": "Завидую друзьям, которые путешествуют",
        "raw_regrets": "Буду жалеть, что мало времени провёл с семьёй",
        "raw_what_to_do_5y": "Строил бы компанию и учил языки",
    }))
    return ok_result(await api.post("/api/v1/wants/complete", headers=headers))
