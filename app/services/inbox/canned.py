"""Writing the team's canned replies (the inbox's composer reads them, see `threads`)."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import ApiError
from app.extensions import db
from app.models import CannedReply
from app.services import tx
from app.services.inbox.threads import canned_reply

TITLE_MAX = 120
BODY_MAX = 4000


def save(partner_id: str, environment: str, title: str, body: str,
         reply_id: str | None = None) -> CannedReply:
    """Create a canned reply, or change one (`reply_id`); titles are unique per team."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ApiError("missing_field", "A canned reply needs a title and a text.",
                       param="title" if not title else "body")
    clash = db.session.scalar(select(CannedReply.id).where(
        CannedReply.partner_id == partner_id, CannedReply.environment == environment,
        CannedReply.title == title[:TITLE_MAX]))
    if clash is not None and clash != reply_id:
        raise ApiError("conflict", f"A canned reply titled {title!r} exists.", param="title")
    if reply_id is None:
        reply = CannedReply(partner_id=partner_id, environment=environment)
        db.session.add(reply)
    else:
        reply = canned_reply(partner_id, environment, reply_id)
    reply.title, reply.body = title[:TITLE_MAX], body[:BODY_MAX]
    tx.commit()
    return reply


def delete(partner_id: str, environment: str, reply_id: str) -> str:
    """Remove a canned reply."""
    db.session.delete(canned_reply(partner_id, environment, reply_id))
    tx.commit()
    return reply_id
