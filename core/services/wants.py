"""Wants: the three exercises ("I want" stream, "I am 40", reverse questions), their completion and the AI analysis.

A user has at most one draft. Every change goes to that draft; when there is none, a change is 409
WANTS_RAW_IMMUTABLE if the user has a completed record (start a new round with `create_raw`) and 404
WANTS_DRAFT_NOT_FOUND otherwise. The stream's deadline is stored, so a timer that ran out while nobody was
listening is still honoured: `close_expired_streams` (the scheduler, every tick) closes such streams and owes each
writer a "time's up" notice, which the scheduler claims (`claim_stream_notices`) and settles (`stream_notice_sent`);
an append after the deadline is kept and closes the stream, and its answer is the writer's notice.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from core.clients.ai.base import AIOutput, AITask
from core.clock import Clock
from core.db.engine import Database
from core.db.models import User, WantsAnalysis, WantsRaw
from core.db.models.wants import WANTS_COMPLETED, WANTS_DRAFT
from core.errors import Conflict, NotFound, Unprocessable
from core.prompts import wants_analysis as texts
from core.prompts import wording
from core.repositories.wants import WantsRepository
from core.services.ai import AIService
from core.services.areas import AreaService
from core.services.gamification import GamificationEvent, GamificationService

STREAM_TIMER_SECONDS = 600
# A sender holding a "time's up" notice has this long to settle it before another sender may take it over.
STREAM_NOTICE_LEASE = timedelta(minutes=2)
STREAM_PREVIEW_CHARS = 500
MAX_CHUNK_CHARS = 50_000
MAX_STREAM_CHARS = 200_000
MAX_FUTURE_ME_CHARS = 200_000
MAX_REVERSE_CHARS = 20_000
# What the AI reads of each text; the rest of a very long free-write adds cost, not insight.
AI_INPUT_CHARS = 30_000
STOP_WORDS = frozenset({"стоп", "stop"})
REVERSE_FIELDS = ("raw_envy", "raw_regrets", "raw_what_to_do_5y")


# ---- the AI task -----------------------------------------------------------------------------------------------

class WantsTheme(BaseModel):
    title: str
    evidence: str


class AreaWants(BaseModel):
    area_id: str
    wants: list[str]


class FocusSuggestion(BaseModel):
    area_id: str
    reason: str


class WantsAnalysisOutput(AIOutput):
    themes: list[WantsTheme]
    top_wants_by_area: list[AreaWants]
    contradictions: list[str]
    suggested_focus: list[FocusSuggestion]
    summary: str


_WANT_PREFIX = re.compile(r"^(?:[-•*\d.)\s]+)?(?:я\s+)?(?:очень\s+)?(?:хочу|хотел[аи]?\s+бы|i\s+want(?:\s+to)?|"
                          r"i(?:'d| would)\s+like(?:\s+to)?)\s+", re.IGNORECASE)


def split_wants(stream: str) -> list[str]:
    """The separate wants in a free-write: one per line or sentence, without the "I want" in front."""
    wants: list[str] = []
    seen: set[str] = set()
    for piece in re.split(r"[\n;.!?]+", stream):
        want = _WANT_PREFIX.sub("", piece.strip()).strip(" ,-—–")
        key = want.lower()
        if len(want) >= 3 and key not in seen:
            seen.add(key)
            wants.append(want[:200])
    return wants


def offline_wants_analysis(inputs: dict[str, Any], locale: str) -> WantsAnalysisOutput:
    """Sort the user's own wants into areas by keywords, count their words, compare envy and regrets with wants."""
    t = texts.OFFLINE_TEXTS[locale]
    areas: list[dict[str, str]] = inputs["areas"]
    titles = {area["id"]: area["title"] for area in areas}
    wants = split_wants(inputs["stream"])

    by_area: dict[str, list[str]] = {area["id"]: [] for area in areas}
    for want in wants:
        for area_id in texts.areas_of(want, areas):
            by_area[area_id].append(want)
    ranked = sorted((area_id for area_id in by_area if by_area[area_id]),
                    key=lambda area_id: (-len(by_area[area_id]), list(titles).index(area_id)))

    all_text = "\n".join(str(inputs[k] or "") for k in ("stream", "future_me", "envy", "regrets", "what_to_do_5y"))
    top_words = texts.recurring_words(all_text, locale)
    themes = [WantsTheme(title=word, evidence=t["theme_evidence"].format(times=wording.times(count, locale)))
              for word, count in top_words]

    contradictions: list[str] = []
    for area_id in texts.areas_of(inputs["envy"] or "", areas):
        if not by_area[area_id]:
            contradictions.append(t["envy_gap"].format(area=titles[area_id]))
    for area_id in texts.areas_of(inputs["regrets"] or "", areas):
        if len(by_area[area_id]) <= 1:
            contradictions.append(t["regret_gap"].format(area=titles[area_id]))

    five_years = wording.shortened(inputs["what_to_do_5y"] or "", 300)
    summary = t["summary"].format(
        count=len(wants), wants_word=texts.wants_word(len(wants), locale),
        areas=", ".join(titles[a] for a in ranked[:3]) or t["summary_empty_areas"],
    ) + (t["summary_themes"].format(themes=", ".join(word for word, _ in top_words)) if top_words else "") + (
        t["summary_five_years"].format(five_years=five_years.rstrip(".")) if five_years else "")
    return WantsAnalysisOutput(
        themes=themes,
        top_wants_by_area=[AreaWants(area_id=a, wants=by_area[a][:5]) for a in ranked],
        contradictions=contradictions,
        suggested_focus=[FocusSuggestion(area_id=a, reason=_focus_reason(by_area[a], locale)) for a in ranked[:3]],
        summary=summary,
    )


def _focus_reason(wants: list[str], locale: str) -> str:
    t = texts.OFFLINE_TEXTS[locale]
    if len(wants) == 1:
        return t["focus_one"].format(want=wants[0])
    return t["focus_many"].format(count=len(wants), wants_word=texts.wants_word(len(wants), locale), want=wants[0])


WANTS_ANALYSIS_TASK: AITask[WantsAnalysisOutput] = AITask(
    feature="wants_analysis",
    output=WantsAnalysisOutput,
    prompt=texts.PROMPT,
    offline=offline_wants_analysis,
)


def _keep_known_areas(output: WantsAnalysisOutput, area_ids: set[str]) -> WantsAnalysisOutput:
    """The model may invent an area id; what it says about unknown areas is dropped, not shown."""
    return output.model_copy(update={
        "top_wants_by_area": [item for item in output.top_wants_by_area if item.area_id in area_ids],
        "suggested_focus": [item for item in output.suggested_focus if item.area_id in area_ids],
    })


# ---- results ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StreamState:
    raw_id: uuid.UUID
    stream_started_at: datetime | None
    stream_deadline_at: datetime | None
    stream_completed_at: datetime | None
    stream_timer_seconds: int
    remaining_seconds: int | None
    is_completed: bool


@dataclass(frozen=True)
class StreamAppendResult:
    raw_id: uuid.UUID
    is_completed: bool
    raw_wants_stream_preview: str
    stream_chars: int
    stream_deadline_at: datetime | None
    remaining_seconds: int | None


@dataclass(frozen=True)
class StreamNotice:
    """The "time's up" notice owed to the writer of a stream the timer closed."""

    raw_id: uuid.UUID
    user_id: uuid.UUID
    wants_saved: int


@dataclass(frozen=True)
class WantsChecklist:
    """What the checklist shows: the round in progress, and whether the latest analysis reads the last round."""

    progress: WantsProgress
    analyzed: bool
    has_analysis: bool


@dataclass(frozen=True)
class WantsProgress:
    raw_id: uuid.UUID | None
    status: str | None
    stream_started: bool
    stream_completed: bool
    stream_started_at: datetime | None
    stream_deadline_at: datetime | None
    stream_completed_at: datetime | None
    stream_remaining_seconds: int | None
    stream_chars: int
    future_me_chars: int
    future_me_completed: bool
    future_me_completed_at: datetime | None
    reverse_envy_filled: bool
    reverse_regrets_filled: bool
    reverse_what_to_do_5y_filled: bool
    reverse_completed: bool
    reverse_completed_at: datetime | None
    ready_to_complete: bool
    missing: list[str]
    has_completed_before: bool


@dataclass(frozen=True)
class AnalysisResult:
    analysis: WantsAnalysis
    gamification_event: GamificationEvent | None


def _filled(value: str | None) -> bool:
    return bool(value and value.strip())


def missing_for_completion(raw: WantsRaw) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    if not _filled(raw.raw_wants_stream):
        missing["raw_wants_stream"] = ["Write the \"I want\" stream first"]
    if not _filled(raw.future_me):
        missing["future_me"] = ["Write the \"I am 40\" text first"]
    for name in REVERSE_FIELDS:
        if not _filled(getattr(raw, name)):
            missing[name] = ["Answer this reverse question"]
    return missing


def split_stop_word(text: str) -> tuple[str, bool]:
    """(text to keep, whether the writer said stop): `стоп`/`stop` alone, or as the last line."""
    lines = text.strip().splitlines()
    if lines and lines[-1].strip().strip(".!").strip().lower() in STOP_WORDS:
        return "\n".join(lines[:-1]).strip(), True
    return text.strip(), False


# ---- the service -----------------------------------------------------------------------------------------------

class WantsService:
    def __init__(self, db: Database, clock: Clock, ai: AIService, areas: AreaService,
                 gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.areas = areas
        self.gamification = gamification

    # -- draft --

    async def create_raw(self, user_id: uuid.UUID) -> WantsRaw:
        """The user's draft, created when there is none (a double submit returns the same draft)."""
        async with self.db.read() as session:
            draft = await WantsRepository(session).draft(user_id)
        if draft is not None:
            return draft
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                return WantsRepository(session).add(WantsRaw(user_id=user_id, status=WANTS_DRAFT,
                                                             created_at=now, updated_at=now))
        except IntegrityError:
            async with self.db.read() as session:
                draft = await WantsRepository(session).draft(user_id)
            if draft is None:
                raise
            return draft

    async def get_draft(self, user_id: uuid.UUID) -> WantsRaw:
        async with self.db.read() as session:
            draft = await WantsRepository(session).draft(user_id)
        if draft is None:
            raise _draft_not_found()
        return draft

    async def _draft_for_change(self, session, user_id: uuid.UUID) -> WantsRaw:
        repo = WantsRepository(session)
        draft = await repo.draft(user_id, for_update=True)
        if draft is not None:
            return draft
        if await repo.has_completed(user_id):
            raise Conflict("WANTS_RAW_IMMUTABLE",
                           "These wants are completed and cannot be changed; start a new round with POST /wants/raw.")
        raise _draft_not_found()

    def _touch(self, raw: WantsRaw) -> None:
        raw.updated_at = self.clock.now()

    # -- the "I want" stream --

    def _remaining(self, raw: WantsRaw) -> int | None:
        if raw.stream_started_at is None or raw.stream_completed_at is not None or raw.stream_deadline_at is None:
            return None
        return max(0, int((raw.stream_deadline_at - self.clock.now()).total_seconds()))

    def _stream_state(self, raw: WantsRaw) -> StreamState:
        return StreamState(raw_id=raw.id, stream_started_at=raw.stream_started_at,
                           stream_deadline_at=raw.stream_deadline_at, stream_completed_at=raw.stream_completed_at,
                           stream_timer_seconds=STREAM_TIMER_SECONDS, remaining_seconds=self._remaining(raw),
                           is_completed=raw.stream_completed_at is not None)

    async def start_stream(self, user_id: uuid.UUID) -> StreamState:
        """Start the 10-minute timer. Starting a running stream, or one finished with text in it, changes nothing;
        a stream whose timer ran out before a single word was written starts afresh (it holds nothing to keep)."""
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            ended_empty = raw.stream_completed_at is not None and not (raw.raw_wants_stream or "").strip()
            if raw.stream_started_at is None or ended_empty:
                now = self.clock.now()
                raw.stream_started_at = now
                raw.stream_deadline_at = now + timedelta(seconds=STREAM_TIMER_SECONDS)
                raw.stream_completed_at = None
                raw.stream_notice_due_at = None  # "time's up" for the empty run would now be about the new one
                self._touch(raw)
        return self._stream_state(raw)

    async def append_stream(self, user_id: uuid.UUID, text: str) -> StreamAppendResult:
        """Add a thought. `стоп`/`stop` ends the stream; so does writing after the timer ran out (the text is kept).
        Appending to a finished stream is 409 WANTS_STREAM_FINISHED."""
        _check_chunk(text)
        kept, stopped = split_stop_word(text)
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            if raw.stream_completed_at is not None:
                raise Conflict("WANTS_STREAM_FINISHED", "The stream is finished; its text can no longer be added to.")
            now = self.clock.now()
            if raw.stream_started_at is None:
                raw.stream_started_at = now
                raw.stream_deadline_at = now + timedelta(seconds=STREAM_TIMER_SECONDS)
            if kept:
                combined = f"{raw.raw_wants_stream}\n{kept}" if raw.raw_wants_stream else kept
                if len(combined) > MAX_STREAM_CHARS:
                    raise _too_long("text", MAX_STREAM_CHARS)
                raw.raw_wants_stream = combined
            if stopped or (raw.stream_deadline_at is not None and now >= raw.stream_deadline_at):
                raw.stream_completed_at = now
            self._touch(raw)
        return StreamAppendResult(
            raw_id=raw.id, is_completed=raw.stream_completed_at is not None,
            raw_wants_stream_preview=raw.raw_wants_stream[-STREAM_PREVIEW_CHARS:],
            stream_chars=len(raw.raw_wants_stream), stream_deadline_at=raw.stream_deadline_at,
            remaining_seconds=self._remaining(raw),
        )

    async def finish_stream(self, user_id: uuid.UUID) -> StreamState:
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            if raw.stream_completed_at is None:
                now = self.clock.now()
                raw.stream_started_at = raw.stream_started_at or now
                raw.stream_deadline_at = raw.stream_deadline_at or now
                raw.stream_completed_at = now
                self._touch(raw)
        return self._stream_state(raw)

    async def stream_remaining(self, user_id: uuid.UUID) -> int | None:
        """Seconds left on the user's running stream timer (0 when it ran out but is not closed yet);
        None when no stream is running."""
        async with self.db.read() as session:
            draft = await WantsRepository(session).draft(user_id)
        return None if draft is None else self._remaining(draft)

    async def close_expired_streams(self, now: datetime | None = None) -> list[uuid.UUID]:
        """Close every stream whose timer ran out and owe each writer a "time's up" notice; the ids of their users.
        Safe to run after a restart and from two processes at once (each stream is closed and owed once)."""
        now = now or self.clock.now()
        async with self.db.transaction() as session:
            expired = await WantsRepository(session).expired_streams(now)
            for raw in expired:
                raw.stream_completed_at = raw.stream_deadline_at
                raw.stream_notice_due_at = now
                self._touch(raw)
        return [raw.user_id for raw in expired]

    async def claim_stream_notices(self, now: datetime | None = None, *, limit: int = 100) -> list[StreamNotice]:
        """The "time's up" notices owed by now, each taken for this caller alone: until `stream_notice_sent`
        settles it, a notice is owed again after STREAM_NOTICE_LEASE (a sender that died meanwhile is replaced)."""
        now = now or self.clock.now()
        async with self.db.transaction() as session:
            repo = WantsRepository(session)
            due = await repo.stream_notices_due(now, limit)
            held = [raw for raw in due if await repo.hold_stream_notice(raw.id, now, now + STREAM_NOTICE_LEASE)]
        return [StreamNotice(raw.id, raw.user_id, len(split_wants(raw.raw_wants_stream))) for raw in held]

    async def stream_notice_sent(self, raw_id: uuid.UUID) -> None:
        """The writer was told, or cannot be (no chat, blocked bot): the notice is no longer owed."""
        async with self.db.transaction() as session:
            await WantsRepository(session).clear_stream_notice(raw_id)

    # -- "I am 40" --

    async def set_future_me(self, user_id: uuid.UUID, text: str) -> WantsRaw:
        text = text.strip()
        if not text:
            raise _empty_text()
        if len(text) > MAX_FUTURE_ME_CHARS:
            raise _too_long("text", MAX_FUTURE_ME_CHARS)
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            raw.future_me = text
            self._touch(raw)
        return raw

    async def append_future_me(self, user_id: uuid.UUID, text: str) -> WantsRaw:
        _check_chunk(text)
        text = text.strip()
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            combined = f"{raw.future_me}\n{text}" if raw.future_me else text
            if len(combined) > MAX_FUTURE_ME_CHARS:
                raise _too_long("text", MAX_FUTURE_ME_CHARS)
            raw.future_me = combined
            self._touch(raw)
        return raw

    async def finish_future_me(self, user_id: uuid.UUID) -> WantsRaw:
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            if raw.future_me_completed_at is None:
                raw.future_me_completed_at = self.clock.now()
                self._touch(raw)
        return raw

    # -- reverse questions --

    async def update_reverse(self, user_id: uuid.UUID, answers: dict[str, str | None]) -> WantsRaw:
        """Save any of the three answers; `reverse_completed_at` is set once all three are filled."""
        unknown = set(answers) - set(REVERSE_FIELDS)
        if unknown:
            raise Unprocessable(fields={name: ["Unknown field"] for name in sorted(unknown)})
        too_long = [name for name, value in answers.items() if value and len(value) > MAX_REVERSE_CHARS]
        if too_long:
            raise Unprocessable("WANTS_TEXT_TOO_LONG", f"Each answer is at most {MAX_REVERSE_CHARS} characters.",
                                fields={name: [f"At most {MAX_REVERSE_CHARS} characters"] for name in too_long})
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            for name, value in answers.items():
                setattr(raw, name, (value or "").strip() or None)
            all_filled = all(_filled(getattr(raw, name)) for name in REVERSE_FIELDS)
            if all_filled and raw.reverse_completed_at is None:
                raw.reverse_completed_at = self.clock.now()
            elif not all_filled:
                raw.reverse_completed_at = None
            self._touch(raw)
        return raw

    # -- progress and completion --

    async def progress(self, user_id: uuid.UUID) -> WantsProgress:
        async with self.db.read() as session:
            repo = WantsRepository(session)
            raw = await repo.draft(user_id)
            has_completed = await repo.has_completed(user_id)
        if raw is None:
            return WantsProgress(
                raw_id=None, status=None, stream_started=False, stream_completed=False, stream_started_at=None,
                stream_deadline_at=None, stream_completed_at=None, stream_remaining_seconds=None, stream_chars=0,
                future_me_chars=0, future_me_completed=False, future_me_completed_at=None,
                reverse_envy_filled=False, reverse_regrets_filled=False, reverse_what_to_do_5y_filled=False,
                reverse_completed=False, reverse_completed_at=None, ready_to_complete=False,
                missing=["raw_wants_stream", "future_me", *REVERSE_FIELDS], has_completed_before=has_completed,
            )
        missing = missing_for_completion(raw)
        return WantsProgress(
            raw_id=raw.id, status=raw.status,
            stream_started=raw.stream_started_at is not None, stream_completed=raw.stream_completed_at is not None,
            stream_started_at=raw.stream_started_at, stream_deadline_at=raw.stream_deadline_at,
            stream_completed_at=raw.stream_completed_at, stream_remaining_seconds=self._remaining(raw),
            stream_chars=len(raw.raw_wants_stream), future_me_chars=len(raw.future_me),
            future_me_completed=raw.future_me_completed_at is not None,
            future_me_completed_at=raw.future_me_completed_at,
            reverse_envy_filled=_filled(raw.raw_envy), reverse_regrets_filled=_filled(raw.raw_regrets),
            reverse_what_to_do_5y_filled=_filled(raw.raw_what_to_do_5y),
            reverse_completed=raw.reverse_completed_at is not None, reverse_completed_at=raw.reverse_completed_at,
            ready_to_complete=not missing, missing=list(missing), has_completed_before=has_completed,
        )

    async def checklist(self, user_id: uuid.UUID) -> WantsChecklist:
        progress = await self.progress(user_id)
        latest_analysis = await self.latest_analysis(user_id)
        analyzed = False
        if progress.raw_id is None and progress.has_completed_before:
            completed, _total = await self.history(user_id, page=1, page_size=1)
            analyzed = bool(latest_analysis and completed and latest_analysis.raw_id == completed[0].id)
        return WantsChecklist(progress, analyzed=analyzed, has_analysis=latest_analysis is not None)

    async def complete(self, user_id: uuid.UUID) -> WantsRaw:
        """Finalize the draft: 422 WANTS_RAW_NOT_READY with `fields` naming every missing text."""
        async with self.db.transaction() as session:
            raw = await self._draft_for_change(session, user_id)
            missing = missing_for_completion(raw)
            if missing:
                raise Unprocessable("WANTS_RAW_NOT_READY", "Some exercises are not done yet.", fields=missing)
            now = self.clock.now()
            raw.stream_started_at = raw.stream_started_at or now
            raw.stream_deadline_at = raw.stream_deadline_at or now
            raw.stream_completed_at = raw.stream_completed_at or now
            raw.future_me_completed_at = raw.future_me_completed_at or now
            raw.reverse_completed_at = raw.reverse_completed_at or now
            raw.status = WANTS_COMPLETED
            raw.completed_at = now
            self._touch(raw)
        return raw

    # -- reading completed records --

    async def get_raw(self, user_id: uuid.UUID, raw_id: uuid.UUID) -> WantsRaw:
        async with self.db.read() as session:
            raw = await WantsRepository(session).completed_by_id(user_id, raw_id)
        if raw is None:
            raise _raw_not_found()
        return raw

    async def history(self, user_id: uuid.UUID, *, page: int, page_size: int) -> tuple[list[WantsRaw], int]:
        async with self.db.read() as session:
            return await WantsRepository(session).completed_page(user_id, offset=(page - 1) * page_size,
                                                                 limit=page_size)

    # -- analysis --

    async def analyze(self, user: User) -> AnalysisResult:
        """AI analysis of the latest completed record (one "text" unit); saved, and returned with its XP event."""
        async with self.db.read() as session:
            raw = await WantsRepository(session).latest_completed(user.id)
        if raw is None:
            raise _raw_not_found("Complete the wants exercises before asking for an analysis.")
        areas = await self.areas.active_areas()
        inputs = {
            "areas": [{"id": area.id, "title": area.title(user.locale)} for area in areas],
            "stream": raw.raw_wants_stream[:AI_INPUT_CHARS],
            "future_me": raw.future_me[:AI_INPUT_CHARS],
            "envy": (raw.raw_envy or "")[:AI_INPUT_CHARS],
            "regrets": (raw.raw_regrets or "")[:AI_INPUT_CHARS],
            "what_to_do_5y": (raw.raw_what_to_do_5y or "")[:AI_INPUT_CHARS],
        }
        output = await self.ai.run(WANTS_ANALYSIS_TASK, user=user, inputs=inputs, error_prefix="WANTS")
        output = _keep_known_areas(output, {area.id for area in areas})
        async with self.db.transaction() as session:
            analysis = WantsRepository(session).add_analysis(WantsAnalysis(
                id=uuid.uuid4(), user_id=user.id, raw_id=raw.id, payload=output.model_dump(mode="json"),
                generated_by=output.generated_by, created_at=self.clock.now(),
            ))
            event = await self.gamification.award(session, user_id=user.id, reason="wants_analyzed",
                                                  ref=str(raw.id))
        return AnalysisResult(analysis=analysis, gamification_event=event)

    async def latest_analysis(self, user_id: uuid.UUID) -> WantsAnalysis | None:
        async with self.db.read() as session:
            return await WantsRepository(session).latest_analysis(user_id)


def _check_chunk(text: str) -> None:
    if not text or not text.strip():
        raise _empty_text()
    if len(text) > MAX_CHUNK_CHARS:
        raise _too_long("text", MAX_CHUNK_CHARS)


def _empty_text() -> Unprocessable:
    return Unprocessable("VALIDATION_ERROR", "The text is empty.", fields={"text": ["Write at least one character"]})


def _too_long(field: str, limit: int) -> Unprocessable:
    return Unprocessable("WANTS_TEXT_TOO_LONG", f"The text is too long (at most {limit} characters).",
                         fields={field: [f"At most {limit} characters in total"]})


def _draft_not_found() -> NotFound:
    return NotFound("WANTS_DRAFT_NOT_FOUND", "There is no wants draft; create one with POST /wants/raw.")


def _raw_not_found(message: str = "Wants record not found.") -> NotFound:
    return NotFound("WANTS_RAW_NOT_FOUND", message)
