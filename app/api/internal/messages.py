"""`POST /messages/send_and_confirm`: the reply composer's send, which waits for the outcome.

The send commits with its idempotency record like any call; then the endpoint's `finish`
step waits, outside any transaction, for the worker: 200 with the message once it is sent,
delivered or failed, 202 with it still queued or sending when INTERNAL_SEND_CONFIRM_SECONDS
(default 10, counted from the start of the call) run out. The stored idempotency response
is the one known at commit, 202 with the queued message: a double submit replays that.

The inbox's composer posts here as a form: htmx gets the message's line (which keeps polling
itself while the message is queued or sending) and a fresh composer; without JavaScript the
post redirects back to the thread.
"""

from __future__ import annotations

import time

from flask import Response, current_app, g, json
from pydantic import Field

from app.admin import fragments
from app.api.principal import Principal
from app.api.schemas import (
    Id,
    MessageOut,
    Strict,
)
from app.api.surfaces import internal as surface
from app.services.inbox import inbox
from app.services.messaging.objects import message_to_api


class SendAndConfirm(Strict):
    conversation_id: Id
    text: str | None = Field(None, min_length=1,
                             description="The reply, sent on the conversation's channel.")
    subject: str | None = Field(None, description="Email conversations only: the subject line.")
    title: str | None = Field(None, description="Push conversations only: the title.")
    template_id: Id | None = Field(None, description="WhatsApp: send this template instead "
                                                     "of text (outside the 24-hour window).")
    variables: dict[str, str] | None = Field(None, description="The template's variables.")


# A reply goes on its conversation's channel to an address validated when it was stored, and
# names no `from`: of the send's problems it meets only the text's, the template's and the
# wallet's; the conversation or template may be unknown, or the conversation closed.
REPLY_ERRORS = ("not_found", "text_too_long", "missing_template_variables",
                "unknown_template_variables", "insufficient_funds", "conflict")


def _confirm(principal: Principal, response: Response) -> Response:
    """Wait (bounded) for the worker's outcome and answer with the message as it then is."""
    message_id = json.loads(response.get_data())["id"]
    outcome = inbox.wait_for_outcome(principal.partner_id, principal.environment, message_id,
                                     g.confirm_deadline)
    status = 202 if outcome.status in inbox.PENDING else 200
    return Response(json.dumps(message_to_api(outcome)), status=status,
                    mimetype="application/json")


@surface.endpoint("/messages/send_and_confirm", "POST", summary="Reply and wait",
                  tags=("Messages",), body=SendAndConfirm, response=MessageOut, status=202,
                  also=(200,), errors=REPLY_ERRORS, finish=_confirm,
                  html=fragments.message_sent_html)
def send_and_confirm(principal: Principal, body: SendAndConfirm):
    """Reply on a conversation, then wait (bounded) for the worker to report the outcome."""
    seconds = float(current_app.config["INTERNAL_SEND_CONFIRM_SECONDS"])
    g.confirm_deadline = time.monotonic() + seconds
    message = inbox.reply(principal.partner_id, principal.environment, body.conversation_id,
                          body.text, body.subject, title=body.title,
                          template_id=body.template_id, variables=body.variables)
    return message_to_api(message)
