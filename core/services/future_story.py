"""Future story: an interview (one question per active life area), then an AI story of life in 3 and 5 years with
paragraphs by area and scenes for pictures; the user can rewrite either horizon.

Unknown or inactive areas are 400 FUTURE_STORY_INVALID_AREA (the area id is input, not a resource of the user).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from core.clients.ai.base import AIOutput, AITask, normalize_locale
from core.clock import Clock
from core.db.engine import Database
from core.db.models import Area, FutureStory, FutureStoryDraft, User
from core.errors import BadRequest, NotFound
from core.prompts import future_story as texts
from core.prompts.wording import as_sentences
from core.repositories.story import StoryRepository
from core.repositories.wants import WantsRepository
from core.services.ai import AIService
from core.services.areas import AreaService
from core.services.gamification import GamificationEvent, GamificationService

HORIZONS = ("3y", "5y")
MAX_ANSWER_CHARS = 10_000
MAX_QUESTION_CHARS = 1_000
MAX_STORY_CHARS = 50_000
MAX_PARAGRAPH_CHARS = 10_000
MAX_IMAGES = 8
IMAGE_KEY_PATTERN = re.compile(r"^[a-z0-9_-]{1,40}$")


# ---- the AI task -----------------------------------------------------------------------------------------------

class AreaParagraph(BaseModel):
    area_id: str
    title: str
    paragraph: str


class StoryImage(BaseModel):
    image_key: str
    title: str
    dall_e_prompt: str


class FutureStoryOutput(AIOutput):
    full_text_3y: str
    full_text_5y: str
    by_area_3y: list[AreaParagraph]
    by_area_5y: list[AreaParagraph]
    images: list[StoryImage]


def offline_future_story(inputs: dict[str, Any], locale: str) -> FutureStoryOutput:
    """The user's own answers, arranged into two horizons as a small paragraph per answered area, with one picture
    scene per answered area."""
    t = texts.OFFLINE_TEXTS[locale]
    answers: list[dict[str, str]] = inputs["answers"]

    def paragraph(horizon: str, index: int, answer: dict[str, str]) -> AreaParagraph:
        openings = t[f"openings_{horizon}"]
        text = " ".join([openings[index % len(openings)], as_sentences(answer["answer"]),
                         t[f"closing_{horizon}"].format(area=answer["title"])])
        return AreaParagraph(area_id=answer["area_id"], title=answer["title"], paragraph=text)

    by_3y = [paragraph("3y", index, a) for index, a in enumerate(answers)]
    by_5y = [paragraph("5y", index, a) for index, a in enumerate(answers)]
    summary = " ".join(str(inputs.get("wants_summary") or "").split())
    closing = [t["focus"].format(summary=summary)] if summary else []

    def full(intro: str, paragraphs: list[AreaParagraph]) -> str:
        return "\n\n".join([intro, *(f"{p.title}. {p.paragraph}" for p in paragraphs), *closing])

    images = [StoryImage(image_key=a["area_id"], title=f"{a['title']}: {_shorten(a['answer'], 60)}",
                         dall_e_prompt=texts.OFFLINE_IMAGE_PROMPT.format(title=a["title_en"],
                                                                         answer=_shorten(a["answer"], 600)))
              for a in answers[:MAX_IMAGES]]
    return FutureStoryOutput(full_text_3y=full(t["intro_3y"], by_3y), full_text_5y=full(t["intro_5y"], by_5y),
                             by_area_3y=by_3y, by_area_5y=by_5y, images=images)


FUTURE_STORY_TASK: AITask[FutureStoryOutput] = AITask(
    feature="future_story",
    output=FutureStoryOutput,
    prompt=texts.PROMPT,
    offline=offline_future_story,
)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def image_key_of(raw: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "_", raw.strip().lower()).strip("_")[:40]


def _paragraphs(items: list[AreaParagraph], areas: dict[str, Area], locale: str) -> list[dict[str, str]]:
    """Only known areas, titled as the area is named, each paragraph bounded."""
    return [{"area_id": item.area_id, "title": areas[item.area_id].title(locale),
             "paragraph": item.paragraph.strip()[:MAX_PARAGRAPH_CHARS]}
            for item in items if item.area_id in areas and item.paragraph.strip()]


def _images(items: list[StoryImage]) -> dict[str, dict[str, str]]:
    images: dict[str, dict[str, str]] = {}
    for item in items:
        key = image_key_of(item.image_key)
        if key and key not in images and len(images) < MAX_IMAGES:
            images[key] = {"title": _shorten(item.title, 200), "dall_e_prompt": item.dall_e_prompt.strip()[:4000]}
    return images


# ---- results ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoryQuestion:
    area_id: str
    title: str
    emoji: str
    question: str


@dataclass(frozen=True)
class StoryResult:
    story: FutureStory
    gamification_event: GamificationEvent | None


def question_for(area: Area, locale: str) -> str:
    locale = normalize_locale(locale)
    known = texts.QUESTIONS.get(area.id)
    return known[locale] if known else texts.GENERIC_QUESTION[locale].format(title=area.title(locale))


class FutureStoryService:
    def __init__(self, db: Database, clock: Clock, ai: AIService, areas: AreaService,
                 gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.areas = areas
        self.gamification = gamification

    async def questions(self, locale: str) -> list[StoryQuestion]:
        """One question per active area, in wheel order."""
        return [StoryQuestion(area_id=area.id, title=area.title(locale), emoji=area.emoji,
                              question=question_for(area, locale))
                for area in await self.areas.active_areas()]

    async def _active_area(self, area_id: str) -> Area:
        for area in await self.areas.active_areas():
            if area.id == area_id:
                return area
        raise BadRequest("FUTURE_STORY_INVALID_AREA", "There is no active life area with this id.",
                         fields={"area_id": ["Unknown or inactive area"]})

    async def save_draft(self, user: User, area_id: str, answer: str, question: str | None = None) -> FutureStoryDraft:
        """Upsert the answer for one area; the question defaults to ours in the user's language."""
        area = await self._active_area(area_id)
        answer = answer.strip()
        if not answer:
            raise BadRequest("VALIDATION_ERROR", "The answer is empty.", fields={"answer": ["Write an answer"]})
        question = (question or "").strip()[:MAX_QUESTION_CHARS] or question_for(area, user.locale)
        now = self.clock.now()
        for attempt in range(2):
            try:
                async with self.db.transaction() as session:
                    repo = StoryRepository(session)
                    draft = await repo.draft(user.id, area.id)
                    if draft is None:
                        draft = repo.add(FutureStoryDraft(user_id=user.id, area_id=area.id, question=question,
                                                          answer=answer[:MAX_ANSWER_CHARS], created_at=now,
                                                          updated_at=now))
                    else:
                        draft.question, draft.answer, draft.updated_at = question, answer[:MAX_ANSWER_CHARS], now
                return draft
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def drafts(self, user_id: uuid.UUID) -> list[FutureStoryDraft]:
        """The saved answers of active areas, in wheel order (the bot resumes the interview from these)."""
        order = {area.id: index for index, area in enumerate(await self.areas.active_areas())}
        async with self.db.read() as session:
            drafts = await StoryRepository(session).drafts(user_id)
        return sorted((d for d in drafts if d.area_id in order), key=lambda d: order[d.area_id])

    async def generate(self, user: User) -> StoryResult:
        """AI story from the answers (and the latest wants analysis); one "text" unit; saved as a new story."""
        areas = await self.areas.active_areas()
        by_id = {area.id: area for area in areas}
        drafts = [d for d in await self.drafts(user.id) if d.answer.strip()]
        if not drafts:
            raise BadRequest("FUTURE_STORY_DRAFT_EMPTY", "Answer at least one interview question first.")
        async with self.db.read() as session:
            analysis = await WantsRepository(session).latest_analysis(user.id)
        locale = normalize_locale(user.locale)
        inputs = {
            "name": user.name,
            "answers": [{"area_id": d.area_id, "title": by_id[d.area_id].title(locale),
                         "title_en": by_id[d.area_id].title_en, "question": d.question, "answer": d.answer}
                        for d in drafts],
            "wants_summary": (analysis.payload.get("summary") or "") if analysis else "",
        }
        output = await self.ai.run(FUTURE_STORY_TASK, user=user, inputs=inputs, error_prefix="FUTURE_STORY")
        now = self.clock.now()
        async with self.db.transaction() as session:
            story = StoryRepository(session).add(FutureStory(
                id=uuid.uuid4(), user_id=user.id,
                full_text_3y=output.full_text_3y.strip()[:MAX_STORY_CHARS],
                full_text_5y=output.full_text_5y.strip()[:MAX_STORY_CHARS],
                by_area_3y=_paragraphs(output.by_area_3y, by_id, locale),
                by_area_5y=_paragraphs(output.by_area_5y, by_id, locale),
                images=_images(output.images), generated_by=output.generated_by, created_at=now, updated_at=now,
            ))
            event = await self.gamification.award(session, user_id=user.id, reason="future_story_created",
                                                  ref=str(story.id))
        return StoryResult(story=story, gamification_event=event)

    async def latest(self, user_id: uuid.UUID) -> FutureStory | None:
        async with self.db.read() as session:
            return await StoryRepository(session).latest_story(user_id)

    async def update_horizon(self, user: User, horizon: str, full_text: str,
                             by_area: list[dict[str, str]]) -> FutureStory:
        """Replace the 3y or 5y text and paragraphs of the latest story."""
        if horizon not in HORIZONS:
            raise BadRequest("FUTURE_STORY_INVALID_HORIZON", "The horizon must be \"3y\" or \"5y\".",
                             fields={"horizon": ["Use 3y or 5y"]})
        full_text = full_text.strip()
        if not full_text:
            raise BadRequest("VALIDATION_ERROR", "The story text is empty.", fields={"full_text": ["Write the story"]})
        known = {area.id: area for area in await self.areas.list(include_inactive=True)}
        unknown = sorted({item["area_id"] for item in by_area} - set(known))
        if unknown:
            raise BadRequest("FUTURE_STORY_INVALID_AREA", "Unknown life area in by_area.",
                             fields={"by_area": [f"Unknown area: {area_id}" for area_id in unknown]})
        paragraphs = [{"area_id": item["area_id"], "title": (item.get("title") or "").strip()
                       or known[item["area_id"]].title(user.locale), "paragraph": item["paragraph"].strip()}
                      for item in by_area]
        async with self.db.transaction() as session:
            story = await StoryRepository(session).latest_story(user.id, for_update=True)
            if story is None:
                raise NotFound("FUTURE_STORY_NOT_FOUND", "There is no story yet; generate one first.")
            if horizon == "3y":
                story.full_text_3y, story.by_area_3y = full_text, paragraphs
            else:
                story.full_text_5y, story.by_area_5y = full_text, paragraphs
            story.updated_at = self.clock.now()
        return story
