"""How each API surface authenticates a call; each authenticator yields its Principal."""
