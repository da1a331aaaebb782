from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.send_message_channel import SendMessageChannel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.send_message_metadata_type_0 import SendMessageMetadataType0
    from ..models.send_message_variables_type_0 import SendMessageVariablesType0


T = TypeVar("T", bound="SendMessage")


@_attrs_define
class SendMessage:
    """
    Attributes:
        channel (SendMessageChannel): One of the eleven channels; see `GET /channels`.
        to (int | str): The recipient: E.164 phone number, email address or the channel's recipient id (a Telegram chat
            id may be an integer).
        text (None | str | Unset): The message text (the email's plain part).
        template (None | str | Unset): WhatsApp: the name of a template to send.
        language (None | str | Unset): WhatsApp: the template's language.
        variables (None | SendMessageVariablesType0 | Unset): WhatsApp: a value for each of the template's variables, no
            more.
        subject (None | str | Unset): Email: the subject line.
        html (None | str | Unset): Email: the HTML part.
        title (None | str | Unset): Push: the notification title.
        from_ (None | str | Unset): The sender, when the channel lets you choose one.
        metadata (None | SendMessageMetadataType0 | Unset): Up to 50 keys of your own (strings up to 500 characters,
            numbers, booleans), stored with the message and echoed in its object and webhook events.
    """

    channel: SendMessageChannel
    to: int | str
    text: None | str | Unset = UNSET
    template: None | str | Unset = UNSET
    language: None | str | Unset = UNSET
    variables: None | SendMessageVariablesType0 | Unset = UNSET
    subject: None | str | Unset = UNSET
    html: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    from_: None | str | Unset = UNSET
    metadata: None | SendMessageMetadataType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.send_message_metadata_type_0 import SendMessageMetadataType0  # noqa: PLC0415
        from ..models.send_message_variables_type_0 import SendMessageVariablesType0  # noqa: PLC0415

        channel = self.channel.value

        to: int | str
        to = self.to

        text: None | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        template: None | str | Unset
        if isinstance(self.template, Unset):
            template = UNSET
        else:
            template = self.template

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        variables: dict[str, Any] | None | Unset
        if isinstance(self.variables, Unset):
            variables = UNSET
        elif isinstance(self.variables, SendMessageVariablesType0):
            variables = self.variables.to_dict()
        else:
            variables = self.variables

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        from_: None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        else:
            from_ = self.from_

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, SendMessageMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
                "to": to,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if template is not UNSET:
            field_dict["template"] = template
        if language is not UNSET:
            field_dict["language"] = language
        if variables is not UNSET:
            field_dict["variables"] = variables
        if subject is not UNSET:
            field_dict["subject"] = subject
        if html is not UNSET:
            field_dict["html"] = html
        if title is not UNSET:
            field_dict["title"] = title
        if from_ is not UNSET:
            field_dict["from"] = from_
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.send_message_metadata_type_0 import SendMessageMetadataType0  # noqa: PLC0415
        from ..models.send_message_variables_type_0 import SendMessageVariablesType0  # noqa: PLC0415

        d = dict(src_dict)
        channel = SendMessageChannel(d.pop("channel"))

        def _parse_to(data: object) -> int | str:
            return cast(int | str, data)

        to = _parse_to(d.pop("to"))

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        def _parse_template(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        template = _parse_template(d.pop("template", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_variables(data: object) -> None | SendMessageVariablesType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                variables_type_0 = SendMessageVariablesType0.from_dict(data)

                return variables_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SendMessageVariablesType0 | Unset, data)

        variables = _parse_variables(d.pop("variables", UNSET))

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_from_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))

        def _parse_metadata(data: object) -> None | SendMessageMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = SendMessageMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SendMessageMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        send_message = cls(
            channel=channel,
            to=to,
            text=text,
            template=template,
            language=language,
            variables=variables,
            subject=subject,
            html=html,
            title=title,
            from_=from_,
            metadata=metadata,
        )

        return send_message
