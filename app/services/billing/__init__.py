"""Money: the wallet ledger and usage statistics."""
