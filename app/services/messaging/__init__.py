"""Messages: sending, the delivery state machine, callbacks, inbound, templates, gateways."""
