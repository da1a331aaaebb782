from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.message_out_channel import MessageOutChannel
from ..models.message_out_direction import MessageOutDirection
from ..models.message_out_environment import MessageOutEnvironment
from ..models.message_out_status import MessageOutStatus

if TYPE_CHECKING:
    from ..models.message_out_metadata import MessageOutMetadata
    from ..models.message_out_variables_type_0 import MessageOutVariablesType0


T = TypeVar("T", bound="MessageOut")


@_attrs_define
class MessageOut:
    """
    Attributes:
        id (str):
        object_ (Literal['message']):
        environment (MessageOutEnvironment):
        channel (MessageOutChannel):
        direction (MessageOutDirection):
        to (str):
        from_ (None | str):
        status (MessageOutStatus):
        template (None | str):
        language (None | str):
        variables (MessageOutVariablesType0 | None):
        text (None | str):
        subject (None | str):
        html (None | str):
        title (None | str):
        segments (int): SMS segments; 1 on other channels.
        conversation_id (None | str):
        contact_id (None | str):
        cost_estimate (str):
        cost (None | str):
        currency (str):
        gateway (None | str):
        provider_message_id (None | str):
        retry_count (int):
        last_error (None | str):
        fallback_of (None | str): The RCS message this SMS replaces, if any.
        metadata (MessageOutMetadata): Your own key/value pairs from the send, echoed back.
        created_at (str):
        updated_at (str):
    """

    id: str
    object_: Literal["message"]
    environment: MessageOutEnvironment
    channel: MessageOutChannel
    direction: MessageOutDirection
    to: str
    from_: None | str
    status: MessageOutStatus
    template: None | str
    language: None | str
    variables: MessageOutVariablesType0 | None
    text: None | str
    subject: None | str
    html: None | str
    title: None | str
    segments: int
    conversation_id: None | str
    contact_id: None | str
    cost_estimate: str
    cost: None | str
    currency: str
    gateway: None | str
    provider_message_id: None | str
    retry_count: int
    last_error: None | str
    fallback_of: None | str
    metadata: MessageOutMetadata
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.message_out_variables_type_0 import MessageOutVariablesType0  # noqa: PLC0415

        id = self.id

        object_ = self.object_

        environment = self.environment.value

        channel = self.channel.value

        direction = self.direction.value

        to = self.to

        from_: None | str
        from_ = self.from_

        status = self.status.value

        template: None | str
        template = self.template

        language: None | str
        language = self.language

        variables: dict[str, Any] | None
        if isinstance(self.variables, MessageOutVariablesType0):
            variables = self.variables.to_dict()
        else:
            variables = self.variables

        text: None | str
        text = self.text

        subject: None | str
        subject = self.subject

        html: None | str
        html = self.html

        title: None | str
        title = self.title

        segments = self.segments

        conversation_id: None | str
        conversation_id = self.conversation_id

        contact_id: None | str
        contact_id = self.contact_id

        cost_estimate = self.cost_estimate

        cost: None | str
        cost = self.cost

        currency = self.currency

        gateway: None | str
        gateway = self.gateway

        provider_message_id: None | str
        provider_message_id = self.provider_message_id

        retry_count = self.retry_count

        last_error: None | str
        last_error = self.last_error

        fallback_of: None | str
        fallback_of = self.fallback_of

        metadata = self.metadata.to_dict()

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "environment": environment,
                "channel": channel,
                "direction": direction,
                "to": to,
                "from": from_,
                "status": status,
                "template": template,
                "language": language,
                "variables": variables,
                "text": text,
                "subject": subject,
                "html": html,
                "title": title,
                "segments": segments,
                "conversation_id": conversation_id,
                "contact_id": contact_id,
                "cost_estimate": cost_estimate,
                "cost": cost,
                "currency": currency,
                "gateway": gateway,
                "provider_message_id": provider_message_id,
                "retry_count": retry_count,
                "last_error": last_error,
                "fallback_of": fallback_of,
                "metadata": metadata,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_out_metadata import MessageOutMetadata  # noqa: PLC0415
        from ..models.message_out_variables_type_0 import MessageOutVariablesType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["message"], d.pop("object"))
        if object_ != "message":
            raise ValueError(f"object must match const 'message', got '{object_}'")

        environment = MessageOutEnvironment(d.pop("environment"))

        channel = MessageOutChannel(d.pop("channel"))

        direction = MessageOutDirection(d.pop("direction"))

        to = d.pop("to")

        def _parse_from_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        from_ = _parse_from_(d.pop("from"))

        status = MessageOutStatus(d.pop("status"))

        def _parse_template(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        template = _parse_template(d.pop("template"))

        def _parse_language(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        language = _parse_language(d.pop("language"))

        def _parse_variables(data: object) -> MessageOutVariablesType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                variables_type_0 = MessageOutVariablesType0.from_dict(data)

                return variables_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MessageOutVariablesType0 | None, data)

        variables = _parse_variables(d.pop("variables"))

        def _parse_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        text = _parse_text(d.pop("text"))

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        def _parse_html(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        html = _parse_html(d.pop("html"))

        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        segments = d.pop("segments")

        def _parse_conversation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        conversation_id = _parse_conversation_id(d.pop("conversation_id"))

        def _parse_contact_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        contact_id = _parse_contact_id(d.pop("contact_id"))

        cost_estimate = d.pop("cost_estimate")

        def _parse_cost(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cost = _parse_cost(d.pop("cost"))

        currency = d.pop("currency")

        def _parse_gateway(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gateway = _parse_gateway(d.pop("gateway"))

        def _parse_provider_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_message_id = _parse_provider_message_id(d.pop("provider_message_id"))

        retry_count = d.pop("retry_count")

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_fallback_of(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fallback_of = _parse_fallback_of(d.pop("fallback_of"))

        metadata = MessageOutMetadata.from_dict(d.pop("metadata"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        message_out = cls(
            id=id,
            object_=object_,
            environment=environment,
            channel=channel,
            direction=direction,
            to=to,
            from_=from_,
            status=status,
            template=template,
            language=language,
            variables=variables,
            text=text,
            subject=subject,
            html=html,
            title=title,
            segments=segments,
            conversation_id=conversation_id,
            contact_id=contact_id,
            cost_estimate=cost_estimate,
            cost=cost,
            currency=currency,
            gateway=gateway,
            provider_message_id=provider_message_id,
            retry_count=retry_count,
            last_error=last_error,
            fallback_of=fallback_of,
            metadata=metadata,
            created_at=created_at,
            updated_at=updated_at,
        )

        message_out.additional_properties = d
        return message_out

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
