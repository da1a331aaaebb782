"""Inbox actions of the admin UI: assign, close and reopen (the partner API's own handlers),
and internal notes, which only agents ever see."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.admin import fragments
from app.api.principal import Principal
from app.api.schemas import Id, Strict, Timestamp
from app.api.surfaces import internal as surface
from app.api.v1.conversations import declare_actions
from app.models.base import isoformat
from app.services.inbox import threads

declare_actions(surface, html=fragments.thread_changed_html)


class NoteIn(Strict):
    body: str = Field(min_length=1, max_length=threads.NOTE_MAX_LENGTH,
                      description="The note; never sent to the contact.")


class NoteOut(BaseModel):
    id: Id
    object: Literal["note"]
    conversation_id: Id
    author_id: Id
    body: str
    created_at: Timestamp


@surface.endpoint("/conversations/<id>/notes", "POST", summary="Add an internal note",
                  tags=("Conversations",), body=NoteIn, response=NoteOut, status=201,
                  html=fragments.thread_changed_html)
def add_note(principal: Principal, body: NoteIn, id: str):  # noqa: A002
    """Post a note into the thread for the team: never sent, never in `/api/v1` messages."""
    note = threads.add_note(principal.partner_id, principal.environment, id,
                            principal.user_id, body.body)
    return {"id": note.id, "object": "note", "conversation_id": note.conversation_id,
            "author_id": note.actor_id, "body": note.body,
            "created_at": isoformat(note.created_at)}
