"""`POST /messages/send_and_confirm`: the reply composer's send, which waits for the outcome.

The send is committed by the pipeline's unit of work (with its idempotency record) before
anything can be confirmed, so the wait runs after that commit (`tx.after_commit`) and then
completes the response the handler built: 200 with the message once it is sent, delivered
or failed, 202 with it still queued or sending when INTERNAL_SEND_CONFIRM_SECONDS (default
10, counted from the start of the handler) run out. The stored idempotency response is the
one known at commit, 202 with the queued message: a double submit replays that.
"""

from __future__ import annotations

import functools
import time

from flask import Response, current_app, json
from pydantic import Field

from app.api.internal import bp, surface
from app.api.principal import Principal
from app.api.schemas import Id, Strict
from app.api.v1.messages import SEND_ERRORS, MessageOut
from app.services import inbox, messages, tx

DEFAULT_CONFIRM_SECONDS = 10


class SendAndConfirm(Strict):
    conversation_id: Id
    text: str = Field(min_length=1, description="The reply, sent on the conversation's channel.")
    subject: str | None = Field(None, description="Email conversations only: the subject line.")


def _confirm(response: Response, principal: Principal, message_id: str,
             deadline: float) -> None:
    try:
        outcome = inbox.wait_for_outcome(principal.partner_id, principal.environment,
                                         message_id, deadline)
    except Exception:  # noqa: BLE001 - the send is committed: answer the 202 already built
        current_app.logger.exception("send_and_confirm: waiting for %s failed", message_id)
        return
    response.set_data(json.dumps(messages.message_to_api(outcome)))
    response.status_code = 202 if outcome.status in inbox.PENDING else 200


@surface.endpoint(bp, "/messages/send_and_confirm", "POST", summary="Reply and wait",
                  tags=("Messages",), body=SendAndConfirm, response=MessageOut, status=200,
                  errors=(*SEND_ERRORS, "conflict"))
def send_and_confirm(principal: Principal, body: SendAndConfirm):
    """Reply on a conversation, then wait (bounded) for the worker to report the outcome."""
    seconds = float(current_app.config.get("INTERNAL_SEND_CONFIRM_SECONDS",
                                           DEFAULT_CONFIRM_SECONDS))
    deadline = time.monotonic() + seconds
    message = inbox.reply(principal.partner_id, principal.environment, body.conversation_id,
                          body.text, body.subject)
    response = Response(json.dumps(messages.message_to_api(message)), status=202,
                        mimetype="application/json")
    tx.after_commit(functools.partial(_confirm, response, principal, message.id, deadline))
    return response
