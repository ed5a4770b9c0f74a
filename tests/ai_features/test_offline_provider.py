"""The offline provider: deterministic drafts from the user's own words, visibly labelled, and picture cards."""
from __future__ import annotations

import io

from PIL import Image

from core.clients.ai.base import Prompt
from core.clients.ai.offline_provider import OfflineProvider, render_picture_card
from core.clients.ai.openai_provider import strict_json_schema
from core.services.future_story import FutureStoryOutput
from core.services.wants import WANTS_ANALYSIS_TASK, WantsAnalysisOutput, offline_wants_analysis, split_wants

AREAS = [{"id": "health", "title": "Здоровье"}, {"id": "career", "title": "Карьера"},
         {"id": "pets", "title": "Питомцы"}]
INPUTS = {
    "areas": AREAS,
    "stream": "Я хочу бегать по утрам\nхочу повышение на работе; хочу завести питомца. Хочу бегать по утрам",
    "future_me": "Мне 40, я здоров",
    "envy": "Завидую коллегам с карьерой",
    "regrets": "Жалею, что не занимался спортом",
    "what_to_do_5y": "Путешествовал бы",
}


def test_split_wants_strips_i_want_and_duplicates():
    assert split_wants(INPUTS["stream"]) == ["бегать по утрам", "повышение на работе", "завести питомца"]


def test_offline_analysis_is_deterministic_and_uses_the_users_words():
    first = offline_wants_analysis(INPUTS, "ru")
    assert first == offline_wants_analysis(INPUTS, "ru")
    by_area = {item.area_id: item.wants for item in first.top_wants_by_area}
    assert by_area == {"health": ["бегать по утрам"], "career": ["повышение на работе"],
                       "pets": ["завести питомца"]}  # a custom area is matched by its title
    assert "Путешествовал бы" in first.summary
    assert any("Здоровье" in c for c in first.contradictions)  # regrets about health, one want only


async def test_offline_provider_labels_every_answer_in_the_users_language():
    provider = OfflineProvider()
    for locale, word in (("ru", "Офлайн"), ("en", "Offline")):
        result, usage = await provider.complete_structured(
            WANTS_ANALYSIS_TASK.prompt.render(INPUTS, locale), WantsAnalysisOutput, feature="wants_analysis",
            timeout=1, locale=locale, offline_draft=lambda locale=locale: offline_wants_analysis(INPUTS, locale))
        assert result.generated_by == "offline" and word in result.notice
        assert usage.provider == "offline" and usage.prompt_tokens == 0


def test_picture_card_is_a_deterministic_png_with_the_requested_size():
    card = render_picture_card("Утренняя пробежка у моря", size="512x512", locale="ru")
    assert card == render_picture_card("Утренняя пробежка у моря", size="512x512", locale="ru")
    assert card != render_picture_card("Another scene", size="512x512", locale="ru")
    picture = Image.open(io.BytesIO(card))
    assert picture.format == "PNG" and picture.size == (512, 512)
    assert Image.open(io.BytesIO(render_picture_card("x", size="99999x1"))).size == (1024, 1024)


def test_prompt_renders_lists_as_json_and_fails_on_a_missing_input():
    prompt = Prompt(version="t/1", system={"ru": "s", "en": "s"}, user={"ru": "{items}", "en": "{items}"})
    assert prompt.render({"items": ["а", "b"]}, "de")[1]["content"] == '[\n "а",\n "b"\n]'
    try:
        prompt.render({}, "ru")
    except KeyError:
        pass
    else:
        raise AssertionError("a missing input must fail loudly")


def test_user_text_with_braces_is_not_treated_as_a_template():
    messages = WANTS_ANALYSIS_TASK.prompt.render({**INPUTS, "stream": "хочу {future_me} и {0}"}, "ru")
    assert "хочу {future_me} и {0}" in messages[1]["content"]


def test_strict_schema_closes_every_object_and_hides_provenance():
    schema = strict_json_schema(FutureStoryOutput)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"]) == {
        "full_text_3y", "full_text_5y", "by_area_3y", "by_area_5y", "images"}
    for definition in schema["$defs"].values():
        assert definition["additionalProperties"] is False
        assert set(definition["required"]) == set(definition["properties"])
