"""Secrets for the flows that send: the worker's environment first, else Prefect Secret blocks.

The senders read PORTALWATCH_SLACK_TOKEN and PORTALWATCH_SMTP_PASSWORD from the environment
(:func:`portalwatch.alerts.outbox.senders_from_env`). A worker whose environment does not carry
them can name Prefect Secret blocks instead; their values are put into this flow run's process
environment only, and the Slack token is added to the log redaction filter before any call.
"""

from __future__ import annotations

import os

from portalwatch.errors import DeliveryError

SLACK_TOKEN_ENV = "PORTALWATCH_SLACK_TOKEN"
SMTP_PASSWORD_ENV = "PORTALWATCH_SMTP_PASSWORD"


def secrets_to_env(slack_secret: str | None, smtp_password_secret: str | None) -> None:
    """Fill the senders' environment from the named Secret blocks, unless it is already set."""
    if slack_secret and not os.environ.get(SLACK_TOKEN_ENV):
        from portalwatch.alerts.slack import redact_slack_logs

        token = secret_value(slack_secret, "token Slack", "Slack token").strip()
        redact_slack_logs(token)
        os.environ[SLACK_TOKEN_ENV] = token
    if smtp_password_secret and not os.environ.get(SMTP_PASSWORD_ENV):
        os.environ[SMTP_PASSWORD_ENV] = secret_value(smtp_password_secret, "mật khẩu SMTP", "SMTP password")


def secret_value(block_name: str, what_vi: str, what_en: str) -> str:
    """The text kept in the Prefect Secret block ``block_name``.

    A block that cannot be loaded (no such block, the server unreachable) or that holds no text is a
    :class:`DeliveryError` naming the block and what it should hold, never its value, and not
    retryable: a person has to save the block before anything can be sent.
    """
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(block_name, _sync=True).get()
    except Exception as exc:
        said = str(exc)
        if isinstance(exc, ValueError) and "unable to find" in said.lower():
            why, vi = "no block of that name: save it (deployments/README.md, Secrets)", "chưa có khối Secret tên này"
        else:   # a load error names the block or the server, never a value
            why, vi = f"{type(exc).__name__}: {said[:200]}", "lỗi khi đọc"
        raise DeliveryError(f"Không đọc được Secret '{block_name}' của Prefect chứa {what_vi}, {vi} "
                            f"(Prefect Secret block '{block_name}' holding the {what_en} could not be loaded: "
                            f"{why})", retryable=False) from None
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(f"Secret '{block_name}' của Prefect không chứa {what_vi} "
                            f"(Prefect Secret block '{block_name}' holds no {what_en})", retryable=False)
    return value
