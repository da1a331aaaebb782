"""The agents' phones: app tokens and push notifications."""
