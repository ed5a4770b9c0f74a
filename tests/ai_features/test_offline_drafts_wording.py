"""Offline drafts read as useful text in both languages: goals from the user's own words, a concrete step cascade,
plural forms in the wants analysis, whole sentences in the future story."""
from __future__ import annotations

from core.prompts.goals import offline_goals
from core.prompts.steps import offline_steps
from core.prompts.wants_analysis import areas_of
from core.prompts.wording import goal_title, times
from core.services.future_story import offline_future_story
from core.services.wants import offline_wants_analysis
from tests.ai_features.wants_flow import complete_wants
from tests.helpers import ok_result, signed_in

AREAS = [{"id": "health", "title": "Health"}, {"id": "career", "title": "Career"},
         {"id": "finance", "title": "Finance"}, {"id": "growth", "title": "Growth"},
         {"id": "leisure", "title": "Leisure & joy"}]
STREAM = ("I want a small house by the sea\nI want to learn Spanish and travel to Valencia\n"
          "I want to wake up rested and run in the park")
WANTS_INPUTS = {"areas": AREAS, "stream": STREAM, "future_me": "I am 40 and I paint every day.",
                "envy": "My friend who moved abroad and started a studio", "regrets": "Never painted",
                "what_to_do_5y": "Open a small painting studio"}


def _goals_inputs(locale: str, **overrides):
    inputs = {"areas": AREAS, "wheel": {"health": 6, "career": 7, "finance": 3, "growth": 5, "leisure": 3},
              "wants": offline_wants_analysis(WANTS_INPUTS, locale).model_dump(),
              "wants_raw": {"what_to_do_5y": "Open a small painting studio", "envy": WANTS_INPUTS["envy"],
                            "wants": []},
              "story": None, "story_answers": [{"area_id": "health", "answer": "I run every morning and feel strong"}],
              "area_ids": [], "horizons": ["3m", "1y", "3y", "5y"], "max_goals": 6}
    return {**inputs, **overrides}


def test_goals_lead_with_the_users_words_then_fill_uncovered_low_wheel_areas():
    goals = offline_goals(_goals_inputs("en"), "en").goals

    assert [(g.title, g.area_id, g.horizon) for g in goals] == [
        ("Open a small painting studio", "career", "5y"),
        ("Have a small house by the sea", "leisure", "1y"),
        ("Wake up rested and run in the park", "health", "1y"),
        ("Learn Spanish and travel to Valencia", "growth", "1y"),
        ("I run every morning and feel strong", "health", "3y"),
        ("Finance: from 3 to 5", "finance", "1y"),  # leisure (also 3) is covered by the house by the sea
    ]
    assert "studio" in goals[0].why and "within 5 years" in goals[0].metric
    assert len({g.title.casefold() for g in goals}) == len(goals)


def test_goals_keep_the_cap_and_the_area_limit():
    capped = offline_goals(_goals_inputs("ru", max_goals=2), "ru").goals
    only_health = offline_goals(_goals_inputs("ru", area_ids=["health"]), "ru").goals

    assert [g.title for g in capped] == ["Open a small painting studio", "A small house by the sea"]
    assert [g.title for g in only_health] == ["Wake up rested and run in the park",
                                              "I run every morning and feel strong"]
    assert {g.area_id for g in only_health} == {"health"}


def test_a_want_is_phrased_as_a_goal():
    assert goal_title("I'd like to open a studio.", "en") == "Open a studio"
    assert goal_title("хочу выучить испанский", "ru") == "Выучить испанский"


def test_a_goal_title_leaves_its_horizon_to_the_horizon_field():
    assert goal_title("Через 5 лет хочу жить у моря и работать на себя", "ru") == "Жить у моря и работать на себя"
    assert goal_title("через год я хочу пробежать марафон", "ru") == "Пробежать марафон"
    assert goal_title("In five years I want to run a studio", "en") == "Run a studio"
    assert goal_title("In 5 years, a house by the sea", "en") == "Have a house by the sea"
    assert goal_title("Через дорогу построить дом", "ru") == "Через дорогу построить дом"


def test_steps_are_concrete_and_carry_no_level_prefix():
    for locale, first_step in (("en", "First step towards “Learn Spanish” (20 min): pick a course"),
                               ("ru", "Первый шаг к «Learn Spanish» (20 мин): выбрать курс")):
        steps = offline_steps({"window_start": "2026-06-01", "load_detail": {"minutes_per_day": 20},
                               "goals": [{"id": "g", "title": "Learn Spanish", "metric": "B1 exam",
                                          "horizon": "1y", "area_id": None}]}, locale).steps

        assert steps[0].title == "Learn Spanish — B1 exam"
        assert steps[-1].title.startswith(first_step)
        assert not any(s.title.split(":")[0] in {"Year", "Quarter", "Month", "Week", "Today", "Год", "Сегодня"}
                       for s in steps)


def test_wants_analysis_uses_plural_forms_and_skips_stop_words():
    assert [times(n, "ru") for n in (1, 2, 5, 11, 22)] == ["1 раз", "2 раза", "5 раз", "11 раз", "22 раза"]
    assert [times(n, "en") for n in (1, 2, 7)] == ["once", "twice", "7 times"]
    english = offline_wants_analysis(WANTS_INPUTS, "en")
    russian = offline_wants_analysis(WANTS_INPUTS, "ru")

    assert not {t.title for t in english.themes} & {"every", "small", "more", "that"}
    assert "(s)" not in " ".join(t.evidence for t in english.themes)
    assert english.summary.startswith("You wrote down 3 wants.")
    assert russian.summary.startswith("Вы записали 3 желания.")
    reasons = [f.reason for f in english.suggested_focus]
    assert "One of your wants is about this area: “wake up rested and run in the park”." in reasons


def test_story_paragraphs_are_whole_sentences_in_both_languages():
    answers = [{"area_id": "health", "title": "Health", "title_en": "Health", "question": "?",
                "answer": "I run every morning and feel strong"},
               {"area_id": "career", "title": "Career", "title_en": "Career", "question": "?",
                "answer": "руковожу студией\nклиенты приходят сами"}]
    for locale in ("en", "ru"):
        story = offline_future_story({"answers": answers, "wants_summary": ""}, locale)
        for paragraph in story.by_area_3y + story.by_area_5y:
            assert paragraph.paragraph.endswith(".")
        assert "I run every morning and feel strong. " in story.by_area_3y[0].paragraph
        assert "Руковожу студией. Клиенты приходят сами. " in story.by_area_5y[1].paragraph
        assert story.by_area_3y[0].paragraph.split(". ")[0] != story.by_area_3y[1].paragraph.split(". ")[0]


async def test_generated_goals_use_the_five_year_answer_and_the_interview_answers(api, container):
    _user, headers = await signed_in(container)
    await complete_wants(api, headers)
    ok_result(await api.post("/api/v1/wants/analyze", headers=headers))
    ok_result(await api.post("/api/v1/future-story/draft", headers=headers,
                             json={"area_id": "spirit", "answer": "Каждое утро медитирую десять минут"}))

    goals = ok_result(await api.post("/api/v1/goals/generate", headers=headers, json={"limits": {"max_goals": 10}}))

    titles = [g["title"] for g in goals["goals"]]
    assert titles[0] == "Строил бы компанию и учил языки" and goals["goals"][0]["horizon"] == "5y"
    assert "Бегать марафон и высыпаться" in titles
    assert "Каждое утро медитирую десять минут" in titles


def test_wants_themes_are_words_that_come_up_again_in_any_form():
    inputs = {"areas": AREAS, "stream": "Хочу научиться играть на гитаре\nХочу жить у моря",
              "future_me": "Мне 40. Я живу у моря, по утрам бегаю, вечером играю на гитаре.",
              "envy": "Подруге, которая играет на гитару в группе", "regrets": "Бросила музыку",
              "what_to_do_5y": "Жить у моря и работать на себя"}

    russian = offline_wants_analysis(inputs, "ru")

    # гитаре, гитару: one word in two forms; играть, играю, играет: one word, shown in its shortest form;
    # бегаю, вечером, музыку: said once, no theme.
    assert [(t.title, t.evidence) for t in russian.themes] == [
        ("гитаре", "встречается 3 раза"), ("играю", "встречается 3 раза"), ("моря", "встречается 3 раза"),
        ("жить", "встречается 2 раза")]
    assert "Главные слова: гитаре, играю, моря, жить." in russian.summary


def test_wants_without_a_recurring_word_have_no_themes_and_no_key_words_sentence():
    inputs = {**WANTS_INPUTS, "stream": "I want a garden", "future_me": "", "envy": "", "regrets": "",
              "what_to_do_5y": ""}

    english = offline_wants_analysis(inputs, "en")

    assert english.themes == []
    assert english.summary == "You wrote down 1 want. Most are about: no area stands out."


def test_wanting_more_sleep_is_about_health():
    assert areas_of("Хочу наконец выспаться", AREAS) == ["health"]
    assert areas_of("Хочу высыпаться", AREAS) == ["health"]
