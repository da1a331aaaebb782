from http import HTTPStatus
from typing import Any, Literal

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_response_template_out import ListResponseTemplateOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    channel: Literal["whatsapp"] | None | Unset = UNSET,
    language: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_name: None | str | Unset
    if isinstance(name, Unset):
        json_name = UNSET
    else:
        json_name = name
    params["name"] = json_name

    json_channel: Literal["whatsapp"] | None | Unset
    if isinstance(channel, Unset):
        json_channel = UNSET
    else:
        json_channel = channel
    params["channel"] = json_channel

    json_language: None | str | Unset
    if isinstance(language, Unset):
        json_language = UNSET
    else:
        json_language = language
    params["language"] = json_language

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/templates",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseTemplateOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseTemplateOut.from_dict(response.json())

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
) -> Response[ListResponseTemplateOut | Problem]:
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
    name: None | str | Unset = UNSET,
    channel: Literal["whatsapp"] | None | Unset = UNSET,
    language: None | str | Unset = UNSET,
) -> Response[ListResponseTemplateOut | Problem]:
    """List templates

     The environment's templates, newest first, filtered by name, channel or language.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        name (None | str | Unset):
        channel (Literal['whatsapp'] | None | Unset):
        language (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseTemplateOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        name=name,
        channel=channel,
        language=language,
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
    name: None | str | Unset = UNSET,
    channel: Literal["whatsapp"] | None | Unset = UNSET,
    language: None | str | Unset = UNSET,
) -> ListResponseTemplateOut | Problem | None:
    """List templates

     The environment's templates, newest first, filtered by name, channel or language.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        name (None | str | Unset):
        channel (Literal['whatsapp'] | None | Unset):
        language (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseTemplateOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        name=name,
        channel=channel,
        language=language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    channel: Literal["whatsapp"] | None | Unset = UNSET,
    language: None | str | Unset = UNSET,
) -> Response[ListResponseTemplateOut | Problem]:
    """List templates

     The environment's templates, newest first, filtered by name, channel or language.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        name (None | str | Unset):
        channel (Literal['whatsapp'] | None | Unset):
        language (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseTemplateOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        name=name,
        channel=channel,
        language=language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    channel: Literal["whatsapp"] | None | Unset = UNSET,
    language: None | str | Unset = UNSET,
) -> ListResponseTemplateOut | Problem | None:
    """List templates

     The environment's templates, newest first, filtered by name, channel or language.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        name (None | str | Unset):
        channel (Literal['whatsapp'] | None | Unset):
        language (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseTemplateOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            name=name,
            channel=channel,
            language=language,
        )
    ).parsed
