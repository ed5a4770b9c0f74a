"""The AI allowance in sight: how many AI requests are left this month and when they renew."""
from __future__ import annotations

from aiogram.utils.i18n import ngettext
from babel.dates import format_date, format_skeleton

from core.services.quotas import Allowance


def renewal_date(allowance: Allowance, locale: str) -> str:
    """`January 1` / `1 января`; with the year when the renewal falls in the next one (a January renewal)."""
    if allowance.renews_on.month != 1:
        return format_skeleton("MMMMd", allowance.renews_on, locale=locale)
    return format_date(allowance.renews_on, format="long", locale=locale)


def allowance_line(allowance: Allowance, locale: str) -> str:
    return ngettext("🤖 {left} AI request of {limit} left this month; they renew on {date}",
                    "🤖 {left} AI requests of {limit} left this month; they renew on {date}",
                    allowance.left).format(left=allowance.left, limit=allowance.limit,
                                           date=renewal_date(allowance, locale))
