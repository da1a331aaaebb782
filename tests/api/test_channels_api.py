"""`GET /api/v1/channels`: the channel matrix served from the registry the validator uses."""

from __future__ import annotations

from app.api.v1.channels import ChannelOut
from app.channels import all_channels, as_api

# The eleven channels of the product, written out on purpose (docs/channels.md): the served
# matrix must contain every one of them.
DESIGN_CHANNELS = {"whatsapp", "sms", "rcs", "email", "messenger", "instagram", "telegram",
                   "viber", "line", "webchat", "push"}


def test_channel_list_is_exactly_the_registry_in_a_list_envelope(api):
    response = api.get("/channels")
    assert response.status_code == 200
    assert response.json == {"object": "list",
                             "data": [as_api(channel) for channel in all_channels()],
                             "has_more": False, "next_cursor": None}


def test_channel_list_names_all_eleven_channels_of_the_design(api):
    names = [item["name"] for item in api.get("/channels").json["data"]]
    assert len(names) == 11 and set(names) == DESIGN_CHANNELS


def test_every_served_channel_conforms_exactly_to_the_response_model(api):
    model_fields = {field.alias or name for name, field in ChannelOut.model_fields.items()}
    for item in api.get("/channels").json["data"]:
        assert set(item) == model_fields
        # extra="forbid" on the model: validating proves no undeclared member is served.
        assert ChannelOut.model_validate(item).model_dump() == item


def test_sandbox_keys_see_the_same_matrix(tenant):
    assert tenant.sandbox.get("/channels").json == tenant.live.get("/channels").json


def test_get_one_channel_by_name_serves_its_registry_row(api):
    for channel in all_channels():
        response = api.get(f"/channels/{channel.name}")
        assert response.status_code == 200
        assert response.json == as_api(channel)


def test_unknown_channel_is_404_not_found(api):
    response = api.get("/channels/fax")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "not_found" and response.json["param"] == "name"


def test_channel_names_are_case_sensitive(api):
    assert api.get("/channels/SMS").status_code == 404


def test_channels_need_an_api_key(client):
    response = client.get("/api/v1/channels")
    assert response.status_code == 401 and response.json["code"] == "missing_api_key"


def test_openapi_declares_the_channel_gateway_and_usage_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/channels", "/api/v1/channels/{name}", "/api/v1/gateways",
                 "/api/v1/gateways/{id}", "/api/v1/usage"):
        assert "get" in paths[path], path
