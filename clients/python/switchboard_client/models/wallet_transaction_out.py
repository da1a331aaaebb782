from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.wallet_transaction_out_type import WalletTransactionOutType

T = TypeVar("T", bound="WalletTransactionOut")


@_attrs_define
class WalletTransactionOut:
    """
    Attributes:
        id (str):
        object_ (Literal['wallet_transaction']):
        type_ (WalletTransactionOutType):
        amount (str):
        currency (str):
        message_id (None | str):
        balance_after (str):
        description (None | str):
        created_at (str):
    """

    id: str
    object_: Literal["wallet_transaction"]
    type_: WalletTransactionOutType
    amount: str
    currency: str
    message_id: None | str
    balance_after: str
    description: None | str
    created_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        type_ = self.type_.value

        amount = self.amount

        currency = self.currency

        message_id: None | str
        message_id = self.message_id

        balance_after = self.balance_after

        description: None | str
        description = self.description

        created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "type": type_,
                "amount": amount,
                "currency": currency,
                "message_id": message_id,
                "balance_after": balance_after,
                "description": description,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["wallet_transaction"], d.pop("object"))
        if object_ != "wallet_transaction":
            raise ValueError(f"object must match const 'wallet_transaction', got '{object_}'")

        type_ = WalletTransactionOutType(d.pop("type"))

        amount = d.pop("amount")

        currency = d.pop("currency")

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        balance_after = d.pop("balance_after")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        created_at = d.pop("created_at")

        wallet_transaction_out = cls(
            id=id,
            object_=object_,
            type_=type_,
            amount=amount,
            currency=currency,
            message_id=message_id,
            balance_after=balance_after,
            description=description,
            created_at=created_at,
        )

        wallet_transaction_out.additional_properties = d
        return wallet_transaction_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
