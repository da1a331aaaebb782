import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_conversations_channel_type_0 import ListConversationsChannelType0
from ...models.list_conversations_status_type_0 import ListConversationsStatusType0
from ...models.list_response_conversation_out import ListResponseConversationOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListConversationsStatusType0 | None | Unset = UNSET,
    channel: ListConversationsChannelType0 | None | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    assignee_id: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
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
    elif isinstance(status, ListConversationsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_channel: None | str | Unset
    if isinstance(channel, Unset):
        json_channel = UNSET
    elif isinstance(channel, ListConversationsChannelType0):
        json_channel = channel.value
    else:
        json_channel = channel
    params["channel"] = json_channel

    json_contact_id: None | str | Unset
    if isinstance(contact_id, Unset):
        json_contact_id = UNSET
    else:
        json_contact_id = contact_id
    params["contact_id"] = json_contact_id

    json_assignee_id: None | str | Unset
    if isinstance(assignee_id, Unset):
        json_assignee_id = UNSET
    else:
        json_assignee_id = assignee_id
    params["assignee_id"] = json_assignee_id

    json_updated_since: None | str | Unset
    if isinstance(updated_since, Unset):
        json_updated_since = UNSET
    elif isinstance(updated_since, datetime.datetime):
        json_updated_since = updated_since.isoformat()
    else:
        json_updated_since = updated_since
    params["updated_since"] = json_updated_since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/conversations",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseConversationOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseConversationOut.from_dict(response.json())

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
) -> Response[ListResponseConversationOut | Problem]:
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
    status: ListConversationsStatusType0 | None | Unset = UNSET,
    channel: ListConversationsChannelType0 | None | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    assignee_id: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseConversationOut | Problem]:
    """List conversations

     The environment's conversations, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListConversationsStatusType0 | None | Unset):
        channel (ListConversationsChannelType0 | None | Unset):
        contact_id (None | str | Unset):
        assignee_id (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseConversationOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        contact_id=contact_id,
        assignee_id=assignee_id,
        updated_since=updated_since,
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
    status: ListConversationsStatusType0 | None | Unset = UNSET,
    channel: ListConversationsChannelType0 | None | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    assignee_id: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
) -> ListResponseConversationOut | Problem | None:
    """List conversations

     The environment's conversations, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListConversationsStatusType0 | None | Unset):
        channel (ListConversationsChannelType0 | None | Unset):
        contact_id (None | str | Unset):
        assignee_id (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseConversationOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        contact_id=contact_id,
        assignee_id=assignee_id,
        updated_since=updated_since,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListConversationsStatusType0 | None | Unset = UNSET,
    channel: ListConversationsChannelType0 | None | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    assignee_id: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseConversationOut | Problem]:
    """List conversations

     The environment's conversations, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListConversationsStatusType0 | None | Unset):
        channel (ListConversationsChannelType0 | None | Unset):
        contact_id (None | str | Unset):
        assignee_id (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseConversationOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        channel=channel,
        contact_id=contact_id,
        assignee_id=assignee_id,
        updated_since=updated_since,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    status: ListConversationsStatusType0 | None | Unset = UNSET,
    channel: ListConversationsChannelType0 | None | Unset = UNSET,
    contact_id: None | str | Unset = UNSET,
    assignee_id: None | str | Unset = UNSET,
    updated_since: datetime.datetime | None | Unset = UNSET,
) -> ListResponseConversationOut | Problem | None:
    """List conversations

     The environment's conversations, newest first, with filters.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        status (ListConversationsStatusType0 | None | Unset):
        channel (ListConversationsChannelType0 | None | Unset):
        contact_id (None | str | Unset):
        assignee_id (None | str | Unset):
        updated_since (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseConversationOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            channel=channel,
            contact_id=contact_id,
            assignee_id=assignee_id,
            updated_since=updated_since,
        )
    ).parsed
