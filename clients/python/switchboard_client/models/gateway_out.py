from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.gateway_out_channel import GatewayOutChannel
from ..models.gateway_out_environment import GatewayOutEnvironment
from ..models.gateway_out_status import GatewayOutStatus

if TYPE_CHECKING:
    from ..models.gateway_capabilities import GatewayCapabilities


T = TypeVar("T", bound="GatewayOut")


@_attrs_define
class GatewayOut:
    """
    Attributes:
        id (str):
        object_ (Literal['gateway']):
        channel (GatewayOutChannel):
        provider (str):
        name (str):
        environment (GatewayOutEnvironment):
        status (GatewayOutStatus):
        shared (bool): True for the platform's gateways, false for your own.
        capabilities (GatewayCapabilities):
        created_at (str):
    """

    id: str
    object_: Literal["gateway"]
    channel: GatewayOutChannel
    provider: str
    name: str
    environment: GatewayOutEnvironment
    status: GatewayOutStatus
    shared: bool
    capabilities: GatewayCapabilities
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        channel = self.channel.value

        provider = self.provider

        name = self.name

        environment = self.environment.value

        status = self.status.value

        shared = self.shared

        capabilities = self.capabilities.to_dict()

        created_at = self.created_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "object": object_,
                "channel": channel,
                "provider": provider,
                "name": name,
                "environment": environment,
                "status": status,
                "shared": shared,
                "capabilities": capabilities,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gateway_capabilities import GatewayCapabilities  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["gateway"], d.pop("object"))
        if object_ != "gateway":
            raise ValueError(f"object must match const 'gateway', got '{object_}'")

        channel = GatewayOutChannel(d.pop("channel"))

        provider = d.pop("provider")

        name = d.pop("name")

        environment = GatewayOutEnvironment(d.pop("environment"))

        status = GatewayOutStatus(d.pop("status"))

        shared = d.pop("shared")

        capabilities = GatewayCapabilities.from_dict(d.pop("capabilities"))

        created_at = d.pop("created_at")

        gateway_out = cls(
            id=id,
            object_=object_,
            channel=channel,
            provider=provider,
            name=name,
            environment=environment,
            status=status,
            shared=shared,
            capabilities=capabilities,
            created_at=created_at,
        )

        return gateway_out
