from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_response_wallet_transaction_out import ListResponseWalletTransactionOut
from ...models.list_transactions_type_type_0 import ListTransactionsTypeType0
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    message_id: None | str | Unset = UNSET,
    type_: ListTransactionsTypeType0 | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_message_id: None | str | Unset
    if isinstance(message_id, Unset):
        json_message_id = UNSET
    else:
        json_message_id = message_id
    params["message_id"] = json_message_id

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, ListTransactionsTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    params["type"] = json_type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/wallet/transactions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListResponseWalletTransactionOut | Problem | None:
    if response.status_code == 200:
        response_200 = ListResponseWalletTransactionOut.from_dict(response.json())

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
) -> Response[ListResponseWalletTransactionOut | Problem]:
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
    message_id: None | str | Unset = UNSET,
    type_: ListTransactionsTypeType0 | None | Unset = UNSET,
) -> Response[ListResponseWalletTransactionOut | Problem]:
    """List wallet transactions

     The append-only ledger, newest first: debits, refunds, top-ups and adjustments.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        message_id (None | str | Unset):
        type_ (ListTransactionsTypeType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseWalletTransactionOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        message_id=message_id,
        type_=type_,
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
    message_id: None | str | Unset = UNSET,
    type_: ListTransactionsTypeType0 | None | Unset = UNSET,
) -> ListResponseWalletTransactionOut | Problem | None:
    """List wallet transactions

     The append-only ledger, newest first: debits, refunds, top-ups and adjustments.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        message_id (None | str | Unset):
        type_ (ListTransactionsTypeType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseWalletTransactionOut | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        message_id=message_id,
        type_=type_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    message_id: None | str | Unset = UNSET,
    type_: ListTransactionsTypeType0 | None | Unset = UNSET,
) -> Response[ListResponseWalletTransactionOut | Problem]:
    """List wallet transactions

     The append-only ledger, newest first: debits, refunds, top-ups and adjustments.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        message_id (None | str | Unset):
        type_ (ListTransactionsTypeType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResponseWalletTransactionOut | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        message_id=message_id,
        type_=type_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 20,
    cursor: None | str | Unset = UNSET,
    message_id: None | str | Unset = UNSET,
    type_: ListTransactionsTypeType0 | None | Unset = UNSET,
) -> ListResponseWalletTransactionOut | Problem | None:
    """List wallet transactions

     The append-only ledger, newest first: debits, refunds, top-ups and adjustments.

    Args:
        limit (int | Unset):  Default: 20.
        cursor (None | str | Unset):
        message_id (None | str | Unset):
        type_ (ListTransactionsTypeType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResponseWalletTransactionOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            message_id=message_id,
            type_=type_,
        )
    ).parsed
