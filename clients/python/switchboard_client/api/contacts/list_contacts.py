from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_contacts_channel_type_0 import ListContactsChannelType0
from ...models.list_response_contact_out import ListResponseContactOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    channel: ListContactsChannelType0 | None | Unset = UNSET,
    address: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_external_id: None | str | Unset
    if isinstance(external_id, Unset):
        json_external_id = UNSET
    else:
        json_external_id = external_id
    params["external_id"] = json_external_id

    json_channel: None | str | Unset
    if isinstance(channel, Unset):
        json_channel = UNSET
    elif isinstance(channel, ListContactsChannelType0):
        json_channel = channel.value
    else:
        json_channel = channel
    params["channel"] = json_channel

    json_address: None | str | Unset
    if isinstance(address, Unset):
        json_address = UNSET
    else:
        json_address = address
    params["address"] = json_address

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/contacts",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseContactOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseContactOut.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ListResponseContactOut | Problem]:
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
    external_id: None | str | Unset = UNSET,
    channel: ListContactsChannelType0 | None | Unset = UNSET,
    address: None | str | Unset = UNSET,
) -> Response[ListResponseContactOut | Problem]:
    """List or look up contacts

     The environment's contacts, newest first; filter by `external_id` or an identity.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        external_id (None | str | Unset):
        channel (ListContactsChannelType0 | None | Unset):
        address (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseContactOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        external_id=external_id,
        channel=channel,
        address=address,
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
    external_id: None | str | Unset = UNSET,
    channel: ListContactsChannelType0 | None | Unset = UNSET,
    address: None | str | Unset = UNSET,
) -> ListResponseContactOut | Problem | None:
    """List or look up contacts

     The environment's contacts, newest first; filter by `external_id` or an identity.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        external_id (None | str | Unset):
        channel (ListContactsChannelType0 | None | Unset):
        address (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseContactOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        external_id=external_id,
        channel=channel,
        address=address,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    channel: ListContactsChannelType0 | None | Unset = UNSET,
    address: None | str | Unset = UNSET,
) -> Response[ListResponseContactOut | Problem]:
    """List or look up contacts

     The environment's contacts, newest first; filter by `external_id` or an identity.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        external_id (None | str | Unset):
        channel (ListContactsChannelType0 | None | Unset):
        address (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseContactOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        external_id=external_id,
        channel=channel,
        address=address,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    channel: ListContactsChannelType0 | None | Unset = UNSET,
    address: None | str | Unset = UNSET,
) -> ListResponseContactOut | Problem | None:
    """List or look up contacts

     The environment's contacts, newest first; filter by `external_id` or an identity.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        external_id (None | str | Unset):
        channel (ListContactsChannelType0 | None | Unset):
        address (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseContactOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            external_id=external_id,
            channel=channel,
            address=address,
        )
    ).parsed
