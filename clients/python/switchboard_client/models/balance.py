from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.balance_environment import BalanceEnvironment

T = TypeVar("T", bound="Balance")


@_attrs_define
class Balance:
    """
    Attributes:
        object_ (Literal['balance']):
        available (str):
        currency (str):
        environment (BalanceEnvironment):
    """

    object_: Literal["balance"]
    available: str
    currency: str
    environment: BalanceEnvironment
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        available = self.available

        currency = self.currency

        environment = self.environment.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "available": available,
                "currency": currency,
                "environment": environment,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = cast(Literal["balance"], d.pop("object"))
        if object_ != "balance":
            raise ValueError(f"object must match const 'balance', got '{object_}'")

        available = d.pop("available")

        currency = d.pop("currency")

        environment = BalanceEnvironment(d.pop("environment"))

        balance = cls(
            object_=object_,
            available=available,
            currency=currency,
            environment=environment,
        )

        balance.additional_properties = d
        return balance

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
