"""The StandardResponse envelope (seed 001 §1): every success and every error has this shape."""
from __future__ import annotations

import math
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from starlette.responses import Response

T = TypeVar("T")

request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    return request_id_var.get() or str(uuid.uuid4())


class Pagination(BaseModel):
    page: int
    page_size: int
    total: int
    total_pages: int
    has_next: bool
    has_prev: bool

    @classmethod
    def of(cls, *, page: int, page_size: int, total: int) -> Pagination:
        pages = math.ceil(total / page_size) if page_size else 0
        return cls(page=page, page_size=page_size, total=total, total_pages=pages,
                   has_next=page < pages, has_prev=page > 1)


class Meta(BaseModel):
    request_id: str
    timestamp: datetime
    pagination: Pagination | None = None


class ErrorBody(BaseModel):
    code: str
    http_code: int
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, list[str]] = Field(default_factory=dict)


def _meta(pagination: Pagination | None = None) -> Meta:
    return Meta(request_id=current_request_id(), timestamp=datetime.now(UTC), pagination=pagination)


class Envelope(BaseModel, Generic[T]):
    ok: bool
    result: T | None = None
    error: ErrorBody | None = None
    meta: Meta

    @classmethod
    def success(cls, result: Any = None, pagination: Pagination | None = None) -> Envelope[Any]:
        return cls(ok=True, result=result, error=None, meta=_meta(pagination))

    @classmethod
    def failure(cls, error: ErrorBody) -> Envelope[Any]:
        return cls(ok=False, result=None, error=error, meta=_meta())


class Success(BaseModel):
    success: bool = True


class Page(BaseModel, Generic[T]):
    items: list[T]


def envelope_response(result: Any = None, *, pagination: Pagination | None = None, status_code: int = 200) -> Response:
    """The success envelope as a finished response: serialized once by pydantic, without FastAPI validating it again
    against the route's `response_model` (which still documents it). For results the service already validated."""
    body = Envelope.success(result, pagination).model_dump_json(by_alias=True)
    return Response(body, status_code=status_code, media_type="application/json")
