"""The inbox: contacts, conversations and the agents' views of them."""
