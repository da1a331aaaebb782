import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_messages_channel_type_0 import ListMessagesChannelType0
from ...models.list_messages_direction_type_0 import ListMessagesDirectionType0
from ...models.list_messages_status_type_0 import ListMessagesStatusType0
from ...models.list_response_message_out import ListResponseMessageOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListMessagesStatusType0 | None | Unset = UNSET,
    channel: ListMessagesChannelType0 | None | Unset = UNSET,
    conversation_id: None | str | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    direction: ListMessagesDirectionType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListMessagesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_channel: None | str | Unset
    if isinstance(channel, Unset):
        json_channel = UNSET
    elif isinstance(channel, ListMessagesChannelType0):
        json_channel = channel.value
    else:
        json_channel = channel
    params["channel"] = json_channel

    json_conversation_id: None | str | Unset
    if isinstance(conversation_id, Unset):
        json_conversation_id = UNSET
    else:
        json_conversation_id = conversation_id
    params["conversation_id"] = json_conversation_id

    json_contact_id: None | str | Unset
    if isinstance(contact_id, Unset):
        json_contact_id = UNSET
    else:
        json_contact_id = contact_id
    params["contact_id"] = json_contact_id

    json_direction: None | str | Unset
    if isinstance(direction, Unset):
        json_direction = UNSET
    elif isinstance(direction, ListMessagesDirectionType0):
        json_direction = direction.value
    else:
        json_direction = direction
    params["direction"] = json_direction

    json_created_gte: None | str | Unset
    if isinstance(created_gte, Unset):
        json_created_gte = UNSET
    elif isinstance(created_gte, datetime.datetime):
        json_created_gte = created_gte.isoformat()
    else:
        json_created_gte = created_gte
    params["created_gte"] = json_created_gte

    json_created_lte: None | str | Unset
    if isinstance(created_lte, Unset):
        json_created_lte = UNSET
    elif isinstance(created_lte, datetime.datetime):
        json_created_lte = created_lte.isoformat()
    else:
        json_created_lte = created_lte
    params["created_lte"] = json_created_lte

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/messages",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseMessageOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseMessageOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ListResponseMessageOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListMessagesStatusType0 | None | Unset = UNSET,
    channel: ListMessagesChannelType0 | None | Unset = UNSET,
    conversation_id: None | str | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    direction: ListMessagesDirectionType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseMessageOut | Problem]:
    """List messages

     The environment's messages, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListMessagesStatusType0 | None | Unset):
        channel (ListMessagesChannelType0 | None | Unset):
        conversation_id (None | str | Unset):
        contact_id (None | str | Unset):
        direction (ListMessagesDirectionType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseMessageOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        conversation_id=conversation_id,
        contact_id=contact_id,
        direction=direction,
        created_gte=created_gte,
        created_lte=created_lte,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListMessagesStatusType0 | None | Unset = UNSET,
    channel: ListMessagesChannelType0 | None | Unset = UNSET,
    conversation_id: None | str | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    direction: ListMessagesDirectionType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> ListResponseMessageOut | Problem | None:
    """List messages

     The environment's messages, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListMessagesStatusType0 | None | Unset):
        channel (ListMessagesChannelType0 | None | Unset):
        conversation_id (None | str | Unset):
        contact_id (None | str | Unset):
        direction (ListMessagesDirectionType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseMessageOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        conversation_id=conversation_id,
        contact_id=contact_id,
        direction=direction,
        created_gte=created_gte,
        created_lte=created_lte,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListMessagesStatusType0 | None | Unset = UNSET,
    channel: ListMessagesChannelType0 | None | Unset = UNSET,
    conversation_id: None | str | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    direction: ListMessagesDirectionType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseMessageOut | Problem]:
    """List messages

     The environment's messages, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListMessagesStatusType0 | None | Unset):
        channel (ListMessagesChannelType0 | None | Unset):
        conversation_id (None | str | Unset):
        contact_id (None | str | Unset):
        direction (ListMessagesDirectionType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseMessageOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        conversation_id=conversation_id,
        contact_id=contact_id,
        direction=direction,
        created_gte=created_gte,
        created_lte=created_lte,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListMessagesStatusType0 | None | Unset = UNSET,
    channel: ListMessagesChannelType0 | None | Unset = UNSET,
    conversation_id: None | str | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    direction: ListMessagesDirectionType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> ListResponseMessageOut | Problem | None:
    """List messages

     The environment's messages, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListMessagesStatusType0 | None | Unset):
        channel (ListMessagesChannelType0 | None | Unset):
        conversation_id (None | str | Unset):
        contact_id (None | str | Unset):
        direction (ListMessagesDirectionType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseMessageOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            channel=channel,
            conversation_id=conversation_id,
            contact_id=contact_id,
            direction=direction,
            created_gte=created_gte,
            created_lte=created_lte,
        )
    ).parsed
