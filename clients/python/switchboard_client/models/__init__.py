"""Contains all the data models used in inputs/outputs"""

from .assign import Assign
from .attempt_out import AttemptOut
from .balance import Balance
from .balance_environment import BalanceEnvironment
from .batch_item import BatchItem
from .batch_item_status import BatchItemStatus
from .batch_out import BatchOut
from .channel_out import ChannelOut
from .channel_out_address import ChannelOutAddress
from .channel_out_name import ChannelOutName
from .channel_pricing import ChannelPricing
from .channel_pricing_by_country_code import ChannelPricingByCountryCode
from .channel_pricing_unit import ChannelPricingUnit
from .contact_create import ContactCreate
from .contact_create_attributes import ContactCreateAttributes
from .contact_deleted import ContactDeleted
from .contact_merge import ContactMerge
from .contact_out import ContactOut
from .contact_out_attributes import ContactOutAttributes
from .contact_update import ContactUpdate
from .contact_update_attributes import ContactUpdateAttributes
from .conversation_out import ConversationOut
from .conversation_out_channel import ConversationOutChannel
from .conversation_out_status import ConversationOutStatus
from .delivery_out import DeliveryOut
from .delivery_out_event_type_type_0 import DeliveryOutEventTypeType0
from .delivery_out_status import DeliveryOutStatus
from .endpoint_create import EndpointCreate
from .endpoint_create_event_types_item import EndpointCreateEventTypesItem
from .endpoint_deleted import EndpointDeleted
from .endpoint_out import EndpointOut
from .endpoint_out_event_types_item import EndpointOutEventTypesItem
from .endpoint_out_status import EndpointOutStatus
from .endpoint_update import EndpointUpdate
from .endpoint_update_event_types_item import EndpointUpdateEventTypesItem
from .endpoint_update_status import EndpointUpdateStatus
from .endpoint_with_secret import EndpointWithSecret
from .endpoint_with_secret_event_types_item import EndpointWithSecretEventTypesItem
from .endpoint_with_secret_status import EndpointWithSecretStatus
from .event_out import EventOut
from .event_out_data import EventOutData
from .event_out_environment import EventOutEnvironment
from .event_out_type import EventOutType
from .field_error import FieldError
from .gateway_capabilities import GatewayCapabilities
from .gateway_out import GatewayOut
from .gateway_out_channel import GatewayOutChannel
from .gateway_out_environment import GatewayOutEnvironment
from .gateway_out_status import GatewayOutStatus
from .get_openapi_document_response_200 import GetOpenapiDocumentResponse200
from .get_usage_direction_type_0 import GetUsageDirectionType0
from .get_usage_granularity import GetUsageGranularity
from .get_usage_group_by import GetUsageGroupBy
from .identity_in import IdentityIn
from .identity_in_channel import IdentityInChannel
from .identity_out import IdentityOut
from .identity_out_channel import IdentityOutChannel
from .list_contacts_channel_type_0 import ListContactsChannelType0
from .list_conversation_messages_order import ListConversationMessagesOrder
from .list_conversations_channel_type_0 import ListConversationsChannelType0
from .list_conversations_status_type_0 import ListConversationsStatusType0
from .list_deliveries_status_type_0 import ListDeliveriesStatusType0
from .list_events_type_type_0 import ListEventsTypeType0
from .list_gateways_channel_type_0 import ListGatewaysChannelType0
from .list_gateways_status_type_0 import ListGatewaysStatusType0
from .list_messages_channel_type_0 import ListMessagesChannelType0
from .list_messages_direction_type_0 import ListMessagesDirectionType0
from .list_messages_status_type_0 import ListMessagesStatusType0
from .list_response_channel_out import ListResponseChannelOut
from .list_response_contact_out import ListResponseContactOut
from .list_response_conversation_out import ListResponseConversationOut
from .list_response_delivery_out import ListResponseDeliveryOut
from .list_response_endpoint_out import ListResponseEndpointOut
from .list_response_event_out import ListResponseEventOut
from .list_response_gateway_out import ListResponseGatewayOut
from .list_response_message_out import ListResponseMessageOut
from .list_response_template_out import ListResponseTemplateOut
from .list_response_wallet_transaction_out import ListResponseWalletTransactionOut
from .list_transactions_type_type_0 import ListTransactionsTypeType0
from .message_out import MessageOut
from .message_out_channel import MessageOutChannel
from .message_out_direction import MessageOutDirection
from .message_out_environment import MessageOutEnvironment
from .message_out_metadata import MessageOutMetadata
from .message_out_status import MessageOutStatus
from .message_out_variables_type_0 import MessageOutVariablesType0
from .problem import Problem
from .redeliver import Redeliver
from .replay_out import ReplayOut
from .replay_since import ReplaySince
from .rotate_secret import RotateSecret
from .send_message import SendMessage
from .send_message_channel import SendMessageChannel
from .send_message_metadata_type_0 import SendMessageMetadataType0
from .send_message_variables_type_0 import SendMessageVariablesType0
from .send_messages import SendMessages
from .template_create import TemplateCreate
from .template_deleted import TemplateDeleted
from .template_out import TemplateOut
from .template_out_status import TemplateOutStatus
from .usage import Usage
from .usage_direction_type_0 import UsageDirectionType0
from .usage_granularity import UsageGranularity
from .usage_group_by import UsageGroupBy
from .usage_row import UsageRow
from .usage_totals import UsageTotals
from .wallet_transaction_out import WalletTransactionOut
from .wallet_transaction_out_type import WalletTransactionOutType

__all__ = (
    "Assign",
    "AttemptOut",
    "Balance",
    "BalanceEnvironment",
    "BatchItem",
    "BatchItemStatus",
    "BatchOut",
    "ChannelOut",
    "ChannelOutAddress",
    "ChannelOutName",
    "ChannelPricing",
    "ChannelPricingByCountryCode",
    "ChannelPricingUnit",
    "ContactCreate",
    "ContactCreateAttributes",
    "ContactDeleted",
    "ContactMerge",
    "ContactOut",
    "ContactOutAttributes",
    "ContactUpdate",
    "ContactUpdateAttributes",
    "ConversationOut",
    "ConversationOutChannel",
    "ConversationOutStatus",
    "DeliveryOut",
    "DeliveryOutEventTypeType0",
    "DeliveryOutStatus",
    "EndpointCreate",
    "EndpointCreateEventTypesItem",
    "EndpointDeleted",
    "EndpointOut",
    "EndpointOutEventTypesItem",
    "EndpointOutStatus",
    "EndpointUpdate",
    "EndpointUpdateEventTypesItem",
    "EndpointUpdateStatus",
    "EndpointWithSecret",
    "EndpointWithSecretEventTypesItem",
    "EndpointWithSecretStatus",
    "EventOut",
    "EventOutData",
    "EventOutEnvironment",
    "EventOutType",
    "FieldError",
    "GatewayCapabilities",
    "GatewayOut",
    "GatewayOutChannel",
    "GatewayOutEnvironment",
    "GatewayOutStatus",
    "GetOpenapiDocumentResponse200",
    "GetUsageDirectionType0",
    "GetUsageGranularity",
    "GetUsageGroupBy",
    "IdentityIn",
    "IdentityInChannel",
    "IdentityOut",
    "IdentityOutChannel",
    "ListContactsChannelType0",
    "ListConversationMessagesOrder",
    "ListConversationsChannelType0",
    "ListConversationsStatusType0",
    "ListDeliveriesStatusType0",
    "ListEventsTypeType0",
    "ListGatewaysChannelType0",
    "ListGatewaysStatusType0",
    "ListMessagesChannelType0",
    "ListMessagesDirectionType0",
    "ListMessagesStatusType0",
    "ListResponseChannelOut",
    "ListResponseContactOut",
    "ListResponseConversationOut",
    "ListResponseDeliveryOut",
    "ListResponseEndpointOut",
    "ListResponseEventOut",
    "ListResponseGatewayOut",
    "ListResponseMessageOut",
    "ListResponseTemplateOut",
    "ListResponseWalletTransactionOut",
    "ListTransactionsTypeType0",
    "MessageOut",
    "MessageOutChannel",
    "MessageOutDirection",
    "MessageOutEnvironment",
    "MessageOutMetadata",
    "MessageOutStatus",
    "MessageOutVariablesType0",
    "Problem",
    "Redeliver",
    "ReplayOut",
    "ReplaySince",
    "RotateSecret",
    "SendMessage",
    "SendMessageChannel",
    "SendMessageMetadataType0",
    "SendMessages",
    "SendMessageVariablesType0",
    "TemplateCreate",
    "TemplateDeleted",
    "TemplateOut",
    "TemplateOutStatus",
    "Usage",
    "UsageDirectionType0",
    "UsageGranularity",
    "UsageGroupBy",
    "UsageRow",
    "UsageTotals",
    "WalletTransactionOut",
    "WalletTransactionOutType",
)
