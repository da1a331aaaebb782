import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_events_type_type_0 import ListEventsTypeType0
from ...models.list_response_event_out import ListResponseEventOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    type_: ListEventsTypeType0 | None | Unset = UNSET,
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

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, ListEventsTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    params["type"] = json_type_

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
        "url": "/api/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseEventOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseEventOut.from_dict(response.json())

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
) -> Response[ListResponseEventOut | Problem]:
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
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseEventOut | Problem]:
    """List events

     The environment's events, newest first: what was (or will be) sent to webhooks.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        type_ (ListEventsTypeType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseEventOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        type_=type_,
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
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> ListResponseEventOut | Problem | None:
    """List events

     The environment's events, newest first: what was (or will be) sent to webhooks.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        type_ (ListEventsTypeType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseEventOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        type_=type_,
        created_gte=created_gte,
        created_lte=created_lte,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> Response[ListResponseEventOut | Problem]:
    """List events

     The environment's events, newest first: what was (or will be) sent to webhooks.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        type_ (ListEventsTypeType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseEventOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        type_=type_,
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
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
) -> ListResponseEventOut | Problem | None:
    """List events

     The environment's events, newest first: what was (or will be) sent to webhooks.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        type_ (ListEventsTypeType0 | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseEventOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            type_=type_,
            created_gte=created_gte,
            created_lte=created_lte,
        )
    ).parsed
