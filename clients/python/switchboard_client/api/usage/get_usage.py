import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_usage_direction_type_0 import GetUsageDirectionType0
from ...models.get_usage_granularity import GetUsageGranularity
from ...models.get_usage_group_by import GetUsageGroupBy
from ...models.problem import Problem
from ...models.usage import Usage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.date | datetime.datetime | None | Unset = UNSET,
    to: datetime.date | datetime.datetime | None | Unset = UNSET,
    granularity: GetUsageGranularity | Unset = GetUsageGranularity.DAY,
    group_by: GetUsageGroupBy | Unset = GetUsageGroupBy.CHANNEL,
    direction: GetUsageDirectionType0 | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    elif isinstance(from_, datetime.date):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    elif isinstance(to, datetime.date):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    json_granularity: str | Unset = UNSET
    if not isinstance(granularity, Unset):
        json_granularity = granularity.value

    params["granularity"] = json_granularity

    json_group_by: str | Unset = UNSET
    if not isinstance(group_by, Unset):
        json_group_by = group_by.value

    params["group_by"] = json_group_by

    json_direction: None | str | Unset
    if isinstance(direction, Unset):
        json_direction = UNSET
    elif isinstance(direction, GetUsageDirectionType0):
        json_direction = direction.value
    else:
        json_direction = direction
    params["direction"] = json_direction

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Usage | None:
    if response.status_code == 200:
        response_200 = Usage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Usage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date | datetime.datetime | None | Unset = UNSET,
    to: datetime.date | datetime.datetime | None | Unset = UNSET,
    granularity: GetUsageGranularity | Unset = GetUsageGranularity.DAY,
    group_by: GetUsageGroupBy | Unset = GetUsageGroupBy.CHANNEL,
    direction: GetUsageDirectionType0 | None | Unset = UNSET,
) -> Response[Problem | Usage]:
    """Get usage statistics

     Messages, segments and cost of your key's environment per UTC day or hour.

        Computed from the messages themselves at request time; periods without messages are
        left out of `data`.

    Args:
        from_ (datetime.date | datetime.datetime | None | Unset):
        to (datetime.date | datetime.datetime | None | Unset):
        granularity (GetUsageGranularity | Unset):  Default: GetUsageGranularity.DAY.
        group_by (GetUsageGroupBy | Unset):  Default: GetUsageGroupBy.CHANNEL.
        direction (GetUsageDirectionType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        granularity=granularity,
        group_by=group_by,
        direction=direction,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date | datetime.datetime | None | Unset = UNSET,
    to: datetime.date | datetime.datetime | None | Unset = UNSET,
    granularity: GetUsageGranularity | Unset = GetUsageGranularity.DAY,
    group_by: GetUsageGroupBy | Unset = GetUsageGroupBy.CHANNEL,
    direction: GetUsageDirectionType0 | None | Unset = UNSET,
) -> Problem | Usage | None:
    """Get usage statistics

     Messages, segments and cost of your key's environment per UTC day or hour.

        Computed from the messages themselves at request time; periods without messages are
        left out of `data`.

    Args:
        from_ (datetime.date | datetime.datetime | None | Unset):
        to (datetime.date | datetime.datetime | None | Unset):
        granularity (GetUsageGranularity | Unset):  Default: GetUsageGranularity.DAY.
        group_by (GetUsageGroupBy | Unset):  Default: GetUsageGroupBy.CHANNEL.
        direction (GetUsageDirectionType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        granularity=granularity,
        group_by=group_by,
        direction=direction,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date | datetime.datetime | None | Unset = UNSET,
    to: datetime.date | datetime.datetime | None | Unset = UNSET,
    granularity: GetUsageGranularity | Unset = GetUsageGranularity.DAY,
    group_by: GetUsageGroupBy | Unset = GetUsageGroupBy.CHANNEL,
    direction: GetUsageDirectionType0 | None | Unset = UNSET,
) -> Response[Problem | Usage]:
    """Get usage statistics

     Messages, segments and cost of your key's environment per UTC day or hour.

        Computed from the messages themselves at request time; periods without messages are
        left out of `data`.

    Args:
        from_ (datetime.date | datetime.datetime | None | Unset):
        to (datetime.date | datetime.datetime | None | Unset):
        granularity (GetUsageGranularity | Unset):  Default: GetUsageGranularity.DAY.
        group_by (GetUsageGroupBy | Unset):  Default: GetUsageGroupBy.CHANNEL.
        direction (GetUsageDirectionType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        granularity=granularity,
        group_by=group_by,
        direction=direction,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date | datetime.datetime | None | Unset = UNSET,
    to: datetime.date | datetime.datetime | None | Unset = UNSET,
    granularity: GetUsageGranularity | Unset = GetUsageGranularity.DAY,
    group_by: GetUsageGroupBy | Unset = GetUsageGroupBy.CHANNEL,
    direction: GetUsageDirectionType0 | None | Unset = UNSET,
) -> Problem | Usage | None:
    """Get usage statistics

     Messages, segments and cost of your key's environment per UTC day or hour.

        Computed from the messages themselves at request time; periods without messages are
        left out of `data`.

    Args:
        from_ (datetime.date | datetime.datetime | None | Unset):
        to (datetime.date | datetime.datetime | None | Unset):
        granularity (GetUsageGranularity | Unset):  Default: GetUsageGranularity.DAY.
        group_by (GetUsageGroupBy | Unset):  Default: GetUsageGroupBy.CHANNEL.
        direction (GetUsageDirectionType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            granularity=granularity,
            group_by=group_by,
            direction=direction,
        )
    ).parsed
