"""Shapes of the data-rights endpoints: the export document and the account deletion."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.security import PASSWORD_MAX_LENGTH
from core.services.data_rights import DeletionSummary


class DeleteMeRequest(BaseModel):
    """The current password, or nothing when the access token comes from a sign-in of the last five minutes."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, max_length=PASSWORD_MAX_LENGTH)


class DeletionResult(BaseModel):
    deleted: dict[str, int] = Field(description="Rows deleted per kind (goals, steps, journal_entries, ...)")
    files_deleted: int = Field(description="Uploaded files removed (story pictures)")
    sessions_ended: int
    google: Literal["revoked", "revoke_failed", "not_connected"] = Field(
        description="The Google Calendar grant: revoked at Google, Google did not confirm (remove Mechta at "
                    "myaccount.google.com/permissions), or none was connected")
    leftovers: list[str] = Field(description="What could not be cleaned right away (files, redis); it is logged")

    @classmethod
    def of(cls, summary: DeletionSummary) -> DeletionResult:
        return cls(deleted=summary.deleted, files_deleted=summary.files, sessions_ended=summary.sessions_ended,
                   google=summary.google, leftovers=list(summary.leftovers))


ExportDocument = dict[str, Any]
