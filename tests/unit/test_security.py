"""Password policy, token codec, Telegram initData verification and the failure limiter."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
import pytest

from core.cache import MemoryCache, RedisCache
from core.errors import TooManyRequests
from core.security import (
    ACCESS,
    InitDataError,
    TokenCodec,
    password_problems,
    telegram_user_of,
    verify_telegram_init_data,
)
from core.services.auth import FailureLimiter
from tests.conftest import TEST_REDIS_URL

BOT_TOKEN = "123456:ABC-DEF"


def _signed(fields: dict[str, str], bot_token: str = BOT_TOKEN) -> str:
    data_check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()})


@pytest.mark.parametrize("password", ["abcdefg1", "Пароль2025", "x" * 127 + "1"])
def test_acceptable_passwords(password: str) -> None:
    assert password_problems(password) == []


@pytest.mark.parametrize("password, count", [("", 3), ("abc1", 1), ("abcdefgh", 1), ("12345678", 1),
                                             ("a1" * 65, 1)])
def test_refused_passwords_name_every_problem(password: str, count: int) -> None:
    assert len(password_problems(password)) == count


def test_token_codec_trusts_the_given_clock_not_the_wall_clock() -> None:
    codec = TokenCodec("s" * 40)
    future = datetime.now(UTC) + timedelta(days=3)
    token = codec.encode(subject=uuid.uuid4(), token_type=ACCESS, session_id=uuid.uuid4(), now=future,
                         ttl=timedelta(minutes=15))
    assert codec.decode(token, now=future + timedelta(minutes=14))["type"] == ACCESS
    with pytest.raises(jwt.ExpiredSignatureError):
        codec.decode(token, now=future + timedelta(minutes=15))


def test_init_data_fields_come_back_once_the_hash_matches() -> None:
    fields = {"auth_date": "1700000000", "user": json.dumps({"id": 42, "first_name": "A"}), "signature": "abc"}
    verified = verify_telegram_init_data(_signed(fields), BOT_TOKEN)
    assert verified == fields
    assert telegram_user_of(verified)["id"] == 42


@pytest.mark.parametrize("init_data", [
    "", "hash=", "a=1&a=2&hash=00", "=&&", "auth_date=1&hash=" + "0" * 64,
])
def test_malformed_or_unsigned_init_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataError):
        verify_telegram_init_data(init_data, BOT_TOKEN)


def test_init_data_signed_for_another_bot_is_refused() -> None:
    with pytest.raises(InitDataError):
        verify_telegram_init_data(_signed({"auth_date": "1"}, "999:OTHER"), BOT_TOKEN)


@pytest.mark.parametrize("user", ["", "not json", json.dumps({"first_name": "A"}), json.dumps({"id": "42"}),
                                  json.dumps({"id": True}), json.dumps([1])])
def test_init_data_user_needs_a_numeric_id(user: str) -> None:
    with pytest.raises(InitDataError):
        telegram_user_of({"user": user})


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator:
    if request.param == "memory":
        yield MemoryCache()
        return
    prefix = f"mechta-test:limiter:{uuid.uuid4().hex}:"
    redis = RedisCache(TEST_REDIS_URL, prefix)
    try:
        yield redis
    finally:
        keys = [k async for k in redis.redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis.redis.delete(*keys)
        await redis.close()


async def test_limiter_locks_a_key_after_the_last_allowed_failure(cache) -> None:
    limiter = FailureLimiter(cache, max_failures=3, window_seconds=600)
    for _ in range(2):
        await limiter.record_failure("k")
    await limiter.ensure_allowed("k")
    await limiter.record_failure("k")
    with pytest.raises(TooManyRequests) as raised:
        await limiter.ensure_allowed("other", "k")
    assert 0 < raised.value.retry_after <= 600
    assert raised.value.headers["Retry-After"] == str(raised.value.retry_after)
    await limiter.ensure_allowed("other")


async def test_limiter_clear_forgets_earlier_failures(cache) -> None:
    limiter = FailureLimiter(cache, max_failures=2, window_seconds=600)
    await limiter.record_failure("k")
    await limiter.clear("k")
    await limiter.record_failure("k")
    await limiter.ensure_allowed("k")
