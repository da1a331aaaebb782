"""Users: sign-in."""

from __future__ import annotations


def test_sign_in_checks_a_password_even_for_an_unknown_email(app, monkeypatch):
    """Unknown emails cost a password check too, so timing does not reveal accounts."""
    from app.services.tenancy import passwords, users

    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(users, "verify_password",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    with app.app_context():
        assert users.authenticate("nobody@example.com", "whatever") is None
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")
