from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_out import BatchOut
from ...models.problem import Problem
from ...models.send_messages import SendMessages
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SendMessages,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/messages/batch",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> BatchOut | Problem | None:
    if response.status_code == 207:
        response_207 = BatchOut.from_dict(response.json())

        return response_207

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Problem.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[BatchOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SendMessages,
    idempotency_key: str | Unset = UNSET,
) -> Response[BatchOut | Problem]:
    """Send messages in a batch

     Send up to 1,000 messages in one call (207 Multi-Status, one result per message).

        Each message is checked, priced and charged exactly as `POST /messages` would, in order;
        a refused message (422, or 402 when the balance left for it is short) writes nothing and
        does not stop the others. One Idempotency-Key covers the whole batch. When no message is
        accepted the call itself is refused (nothing is stored for its key): with the first
        message's status and code, and `errors` naming every refusal as `messages.<index>.<field>`.

    Args:
        idempotency_key (str | Unset):
        body (SendMessages):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SendMessages,
    idempotency_key: str | Unset = UNSET,
) -> BatchOut | Problem | None:
    """Send messages in a batch

     Send up to 1,000 messages in one call (207 Multi-Status, one result per message).

        Each message is checked, priced and charged exactly as `POST /messages` would, in order;
        a refused message (422, or 402 when the balance left for it is short) writes nothing and
        does not stop the others. One Idempotency-Key covers the whole batch. When no message is
        accepted the call itself is refused (nothing is stored for its key): with the first
        message's status and code, and `errors` naming every refusal as `messages.<index>.<field>`.

    Args:
        idempotency_key (str | Unset):
        body (SendMessages):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SendMessages,
    idempotency_key: str | Unset = UNSET,
) -> Response[BatchOut | Problem]:
    """Send messages in a batch

     Send up to 1,000 messages in one call (207 Multi-Status, one result per message).

        Each message is checked, priced and charged exactly as `POST /messages` would, in order;
        a refused message (422, or 402 when the balance left for it is short) writes nothing and
        does not stop the others. One Idempotency-Key covers the whole batch. When no message is
        accepted the call itself is refused (nothing is stored for its key): with the first
        message's status and code, and `errors` naming every refusal as `messages.<index>.<field>`.

    Args:
        idempotency_key (str | Unset):
        body (SendMessages):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SendMessages,
    idempotency_key: str | Unset = UNSET,
) -> BatchOut | Problem | None:
    """Send messages in a batch

     Send up to 1,000 messages in one call (207 Multi-Status, one result per message).

        Each message is checked, priced and charged exactly as `POST /messages` would, in order;
        a refused message (422, or 402 when the balance left for it is short) writes nothing and
        does not stop the others. One Idempotency-Key covers the whole batch. When no message is
        accepted the call itself is refused (nothing is stored for its key): with the first
        message's status and code, and `errors` naming every refusal as `messages.<index>.<field>`.

    Args:
        idempotency_key (str | Unset):
        body (SendMessages):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
