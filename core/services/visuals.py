"""Visuals: pictures for the scenes (image keys) of a future story, stored per user with random file names and
served only to their owner — by Bearer token, or by a signed link that expires (for <img> tags).

Paths are built only from the asset's user id and its random file name, never from anything a client sends.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User, VisualAsset
from core.errors import BadRequest, Forbidden, NotFound
from core.repositories.story import StoryRepository
from core.security import constant_time_equals
from core.services.ai import AIService
from core.services.gamification import GamificationEvent, GamificationService

log = logging.getLogger("mechta.visuals")

STORY_IMAGES_DIR = "story_images"
FILE_NAME_PATTERN = re.compile(r"^[0-9a-f]{32}\.png$")
SIGNED_URL_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class VisualResult:
    asset: VisualAsset
    gamification_event: GamificationEvent | None


def _new_file_name() -> str:
    return f"{secrets.token_hex(16)}.png"


class VisualsService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, ai: AIService,
                 gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.ai = ai
        self.gamification = gamification

    # -- files --

    def path_of(self, asset: VisualAsset) -> Path:
        if not FILE_NAME_PATTERN.fullmatch(asset.file_name):
            raise ValueError(f"unexpected file name for asset {asset.id}")
        return Path(self.settings.uploads_dir) / str(uuid.UUID(str(asset.user_id))) / STORY_IMAGES_DIR / asset.file_name

    def _write(self, asset: VisualAsset, data: bytes) -> Path:
        path = self.path_of(asset)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete %s", path, exc_info=True)

    # -- signed links --

    def _signature(self, asset_id: uuid.UUID, expires: int) -> str:
        message = f"visual:{asset_id}:{expires}".encode()
        key = self.settings.jwt_secret_key.get_secret_value().encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def signed_url(self, asset: VisualAsset) -> str:
        expires = int(self.clock.now().timestamp()) + SIGNED_URL_TTL_SECONDS
        return (f"{self.settings.effective_public_base_url}/api/v1/visuals/files/{asset.id}"
                f"?exp={expires}&sig={self._signature(asset.id, expires)}")

    # -- use cases --

    async def generate_story_image(self, user: User, story_id: uuid.UUID, image_key: str) -> VisualResult:
        """Make a picture for one scene of the user's story (one "image" unit, given back on any failure)."""
        async with self.db.read() as session:
            story = await StoryRepository(session).story(user.id, story_id)
        if story is None:
            raise NotFound("VISUALS_STORY_NOT_FOUND", "Story not found.")
        scene = story.images.get(image_key) if isinstance(story.images, dict) else None
        if not isinstance(scene, dict):
            raise NotFound("VISUALS_IMAGE_KEY_NOT_FOUND", "This story has no scene with this image_key.")
        prompt = str(scene.get("dall_e_prompt") or "").strip()
        if not prompt:
            raise BadRequest("VISUALS_PROMPT_MISSING", "This scene has no picture prompt.")
        title = str(scene.get("title") or image_key)
        png = await self.ai.image(user=user, prompt=prompt, title=title, error_prefix="VISUALS")
        now = self.clock.now()
        asset = VisualAsset(id=uuid.uuid4(), user_id=user.id, story_id=story.id, image_key=image_key,
                            prompt=prompt, file_name=_new_file_name(), created_at=now, updated_at=now)
        path = self._write(asset, png)
        try:
            async with self.db.transaction() as session:
                StoryRepository(session).add(asset)
                event = await self.gamification.award(session, user_id=user.id, reason="story_image_created",
                                                      ref=str(asset.id))
        except BaseException:
            self._remove(path)
            raise
        return VisualResult(asset=asset, gamification_event=event)

    async def gallery(self, user_id: uuid.UUID, story_id: uuid.UUID) -> list[VisualAsset]:
        async with self.db.read() as session:
            repo = StoryRepository(session)
            if await repo.story(user_id, story_id) is None:
                raise NotFound("VISUALS_STORY_NOT_FOUND", "Story not found.")
            return await repo.gallery(user_id, story_id)

    async def regenerate(self, user: User, asset_id: uuid.UUID) -> VisualAsset:
        """A new picture for the same scene under a new random file name; the old file is deleted."""
        async with self.db.read() as session:
            asset = await StoryRepository(session).asset(user.id, asset_id)
        if asset is None:
            raise _asset_not_found()
        png = await self.ai.image(user=user, prompt=asset.prompt, title=asset.image_key, error_prefix="VISUALS")
        fresh = VisualAsset(id=asset.id, user_id=asset.user_id, story_id=asset.story_id, image_key=asset.image_key,
                            prompt=asset.prompt, file_name=_new_file_name())
        new_path = self._write(fresh, png)
        try:
            async with self.db.transaction() as session:
                current = await StoryRepository(session).asset(user.id, asset_id, for_update=True)
                if current is None:
                    raise _asset_not_found()
                old_path = self.path_of(current)
                current.file_name = fresh.file_name
                current.updated_at = self.clock.now()
        except BaseException:
            self._remove(new_path)
            raise
        self._remove(old_path)
        return current

    async def file_for_owner(self, user_id: uuid.UUID, asset_id: uuid.UUID) -> Path:
        async with self.db.read() as session:
            asset = await StoryRepository(session).asset(user_id, asset_id)
        return self._existing_file(asset)

    async def file_for_signed_link(self, asset_id: uuid.UUID, expires: int, signature: str) -> Path:
        if not constant_time_equals(signature, self._signature(asset_id, expires)):
            raise Forbidden("VISUALS_LINK_INVALID", "This picture link is not valid.")
        if expires < int(self.clock.now().timestamp()):
            raise Forbidden("VISUALS_LINK_EXPIRED", "This picture link has expired; ask for the gallery again.")
        async with self.db.read() as session:
            asset = await StoryRepository(session).asset_by_id(asset_id)
        return self._existing_file(asset)

    async def read_file(self, user_id: uuid.UUID, asset_id: uuid.UUID) -> bytes:
        """The picture's PNG bytes for its owner (the bot sends these)."""
        return (await self.file_for_owner(user_id, asset_id)).read_bytes()

    def _existing_file(self, asset: VisualAsset | None) -> Path:
        if asset is None:
            raise _asset_not_found()
        path = self.path_of(asset)
        if not path.is_file():
            raise _asset_not_found()
        return path


def _asset_not_found() -> NotFound:
    return NotFound("VISUALS_ASSET_NOT_FOUND", "Picture not found.")
