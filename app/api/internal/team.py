"""The console's team, templates and canned replies (partner admins only)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.admin import presenters
from app.api.internal.keys import require_admin
from app.api.principal import Principal
from app.api.schemas import Strict
from app.api.surfaces import internal as surface
from app.api.v1.templates import TemplateCreate
from app.errors import ApiError
from app.services.inbox import canned
from app.services.messaging import templates
from app.services.tenancy import team

Role = Literal["admin", "agent"]


class Invite(Strict):
    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(None, max_length=200)
    role: Role = "agent"


class RoleChange(Strict):
    role: Role


class CannedIn(Strict):
    title: str = Field(min_length=1, max_length=canned.TITLE_MAX)
    body: str = Field(min_length=1, max_length=canned.BODY_MAX)


@surface.endpoint("/team/invitations", "POST", summary="Invite a team member",
                  tags=("Team",), body=Invite, status=201, errors=("conflict",),
                  html=presenters.back(lambda a: f"Invitation sent to {a['email']}."))
def invite(principal: Principal, body: Invite):
    """Add an agent or admin; they choose a password through the emailed link."""
    require_admin(principal)
    user, _link = team.invite(principal.partner_id, body.email, body.role, name=body.name)
    return team.to_api(user)


@surface.endpoint("/team/<id>/role", "POST", summary="Change a member's role",
                  tags=("Team",), body=RoleChange, errors=("conflict",),
                  html=presenters.back("Role changed."))
def change_role(principal: Principal, body: RoleChange, id: str):  # noqa: A002
    """Make a member an admin or an agent."""
    require_admin(principal)
    return team.to_api(team.change_role(principal.partner_id, id, body.role))


@surface.endpoint("/team/<id>/deactivate", "POST", summary="Deactivate a member",
                  tags=("Team",), errors=("conflict",),
                  html=presenters.back("Deactivated: they can no longer sign in."))
def deactivate(principal: Principal, id: str):  # noqa: A002
    """Sign a member out for good (their history stays)."""
    require_admin(principal)
    if id == principal.user_id:
        raise ApiError("conflict", "You cannot deactivate yourself.", param="id")
    return team.to_api(team.set_active(principal.partner_id, id, False))


@surface.endpoint("/team/<id>/reactivate", "POST", summary="Reactivate a member",
                  tags=("Team",), html=presenters.back("Reactivated."))
def reactivate(principal: Principal, id: str):  # noqa: A002
    """Let a deactivated member sign in again."""
    require_admin(principal)
    return team.to_api(team.set_active(principal.partner_id, id, True))


@surface.endpoint("/templates", "POST", summary="Add a template", tags=("Templates",),
                  body=TemplateCreate, status=201, errors=("conflict",),
                  html=presenters.back(lambda a: f"Template {a['name']} added."))
def create_template(principal: Principal, body: TemplateCreate):
    """Add a message template (WhatsApp templates become the composer's choices)."""
    require_admin(principal)
    created = templates.create(principal.partner_id, principal.environment, name=body.name,
                               language=body.language, channel=body.channel, body=body.body)
    return templates.to_api(created)


@surface.endpoint("/templates/<id>/delete", "POST", summary="Delete a template",
                  tags=("Templates",), html=presenters.back("Template deleted."))
def delete_template(principal: Principal, id: str):  # noqa: A002
    """Remove a template."""
    require_admin(principal)
    return templates.delete(principal.partner_id, principal.environment, id)


@surface.endpoint("/canned_replies", "POST", summary="Add a canned reply",
                  tags=("Canned replies",), body=CannedIn, status=201, errors=("conflict",),
                  html=presenters.back("Canned reply saved."))
def create_canned(principal: Principal, body: CannedIn):
    """Add a canned reply for the team's composer."""
    require_admin(principal)
    reply = canned.save(principal.partner_id, principal.environment, body.title, body.body)
    return {"id": reply.id, "object": "canned_reply", "title": reply.title}


@surface.endpoint("/canned_replies/<id>", "POST", summary="Edit a canned reply",
                  tags=("Canned replies",), body=CannedIn, errors=("conflict",),
                  html=presenters.back("Canned reply saved."))
def edit_canned(principal: Principal, body: CannedIn, id: str):  # noqa: A002
    """Change a canned reply's title or text."""
    require_admin(principal)
    reply = canned.save(principal.partner_id, principal.environment, body.title, body.body, id)
    return {"id": reply.id, "object": "canned_reply", "title": reply.title}


@surface.endpoint("/canned_replies/<id>/delete", "POST", summary="Delete a canned reply",
                  tags=("Canned replies",), html=presenters.back("Canned reply deleted."))
def delete_canned(principal: Principal, id: str):  # noqa: A002
    """Remove a canned reply."""
    require_admin(principal)
    return {"id": canned.delete(principal.partner_id, principal.environment, id),
            "object": "canned_reply", "deleted": True}
