"""The bare baseline for bench/api.py: FastAPI with nothing of Mechta's, served by the same uvicorn command line.

`GET /hello` answers a small envelope-shaped JSON; `POST /echo` validates a life-wheel-like body with pydantic and
sends it back, so the write baseline parses and validates JSON like the real endpoint.
"""
from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()


class WheelLike(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, int]
    note: str | None = None
    area_notes: dict[str, str] = Field(default_factory=dict)


@app.get("/hello")
async def hello() -> dict:
    return {"ok": True, "result": {"hello": "world"}}


@app.post("/echo")
async def echo(body: WheelLike) -> WheelLike:
    return body
