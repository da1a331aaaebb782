"""Push notifications to agents' phones, on the `push` queue."""

from __future__ import annotations

from rq import get_current_job

from app.services.mobile import push as agent_push

queue = "push"


def push_notification(user_id: str, environment: str, kind: str, object_id: str) -> str:
    """Notify each of the user's devices in `environment` of a message or an assignment.

    A transient failure raises, so RQ's Retry runs the job again; the devices already reached
    are kept in the job's meta and skipped then, so no phone gets the notification twice.
    """
    job = get_current_job()
    reached = set(job.meta.get("reached", ())) if job is not None else set()
    outcome = agent_push.deliver(user_id, environment, kind, object_id, skip=reached)
    if job is not None and outcome.sent:
        job.meta["reached"] = sorted(reached | set(outcome.sent))
        job.save_meta()
    if outcome.transient:
        raise agent_push.PushRetry(f"{len(outcome.transient)} device(s) failed transiently")
    return outcome.summary()
