"""Every /api/v1 router, in the order they appear in the docs. Add a feature's router here."""
from fastapi import APIRouter

API_V1_ROUTERS: list[APIRouter] = []
