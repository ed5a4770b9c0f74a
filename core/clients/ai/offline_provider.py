"""The provider used when no OPENAI_API_KEY is set: every text is the task's deterministic offline draft built
from the user's own words, and every picture is a generated card. Both are labelled as offline."""
from __future__ import annotations

import hashlib
import io
import textwrap
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from core.clients.ai.base import AIUsage, ProviderOffline, T, normalize_locale, offline_notice

if TYPE_CHECKING:
    from PIL import ImageFont

CARD_LABEL = {"ru": "⚙ офлайн-картинка · ИИ не подключён", "en": "⚙ offline picture · no AI configured"}
DEFAULT_CARD_SIZE = (1024, 1024)
MAX_CARD_SIDE = 2048

# Warm and calm colour pairs; the title's hash picks one, so the same scene always gets the same card.
PALETTES = [
    ((255, 183, 94), (237, 100, 166)),
    ((67, 206, 162), (24, 90, 157)),
    ((250, 208, 196), (255, 154, 158)),
    ((161, 196, 253), (194, 233, 251)),
    ((255, 236, 210), (252, 182, 159)),
    ((132, 250, 176), (143, 211, 244)),
    ((246, 211, 101), (253, 160, 133)),
    ((150, 230, 161), (212, 252, 121)),
]


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib, covers Cyrillic); Pillow's own font if it is missing."""
    from PIL import ImageFont

    try:
        import matplotlib

        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)
    except (ImportError, OSError):
        return ImageFont.load_default(size=size)


def _parse_size(size: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in size.lower().split("x", 1))
    except ValueError:
        return DEFAULT_CARD_SIZE
    if not (64 <= width <= MAX_CARD_SIDE and 64 <= height <= MAX_CARD_SIDE):
        return DEFAULT_CARD_SIZE
    return width, height


def render_picture_card(title: str, *, size: str = "1024x1024", locale: str = "ru") -> bytes:
    """A PNG card: a vertical gradient, the scene's title wrapped in the middle and an "offline" label."""
    # Pillow (~3 MiB) only when a card is drawn: the offline provider also serves every text feature.
    from PIL import Image, ImageDraw

    width, height = _parse_size(size)
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    top, bottom = PALETTES[digest[0] % len(PALETTES)]
    gradient = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        gradient.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    card = gradient.resize((width, height))
    draw = ImageDraw.Draw(card)

    title_font = _font(max(18, width // 14), bold=True)
    lines = textwrap.wrap(title.strip() or "…", width=18, max_lines=6, placeholder="…")
    line_height = title_font.size * 1.25 if hasattr(title_font, "size") else 24
    y = (height - line_height * len(lines)) / 2
    for line in lines:
        draw.text((width / 2 + 3, y + 3), line, font=title_font, fill=(0, 0, 0, 90), anchor="ma")
        draw.text((width / 2, y), line, font=title_font, fill=(255, 255, 255), anchor="ma")
        y += line_height

    label_font = _font(max(12, width // 40))
    draw.text((width / 2, height - height // 14), CARD_LABEL[normalize_locale(locale)], font=label_font,
              fill=(255, 255, 255), anchor="ms")
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=False)
    return out.getvalue()


class OfflineProvider:
    name = "offline"
    model = "offline-draft"
    image_model = "offline-card"
    is_offline = True

    async def complete_structured(
        self,
        messages: list[dict[str, str]],
        schema: type[T],
        *,
        feature: str,
        timeout: float,
        locale: str,
        offline_draft: Callable[[], T],
    ) -> tuple[T, AIUsage]:
        draft = schema.model_validate(offline_draft().model_dump())
        labelled = draft.model_copy(update={"generated_by": "offline", "notice": offline_notice(locale)})
        return labelled, AIUsage(self.name, self.model)

    async def generate_image(self, prompt: str, *, size: str, title: str, locale: str, timeout: float) -> bytes:
        return render_picture_card(title or prompt[:80], size=size, locale=locale)

    async def transcribe(self, audio: bytes, *, filename: str, locale: str, timeout: float) -> tuple[str, AIUsage]:
        raise ProviderOffline("the offline provider cannot hear voice notes")
