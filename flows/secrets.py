"""Secrets for the flows that send: the worker's environment first, else Prefect Secret blocks.

The senders read PORTALWATCH_SLACK_TOKEN and PORTALWATCH_SMTP_PASSWORD from the environment
(:func:`portalwatch.alerts.outbox.senders_from_env`). A worker whose environment does not carry
them can name Prefect Secret blocks instead; their values are put into this flow run's process
environment only, and the Slack token is added to the log redaction filter before any call.
"""

from __future__ import annotations

import os

SLACK_TOKEN_ENV = "PORTALWATCH_SLACK_TOKEN"
SMTP_PASSWORD_ENV = "PORTALWATCH_SMTP_PASSWORD"


def secrets_to_env(slack_secret: str | None, smtp_password_secret: str | None) -> None:
    """Fill the senders' environment from the named Secret blocks, unless it is already set."""
    if slack_secret and not os.environ.get(SLACK_TOKEN_ENV):
        from portalwatch.alerts.slack import redact_slack_logs, slack_token_from_prefect_secret

        token = slack_token_from_prefect_secret(slack_secret)
        redact_slack_logs(token)
        os.environ[SLACK_TOKEN_ENV] = token
    if smtp_password_secret and not os.environ.get(SMTP_PASSWORD_ENV):
        from prefect.blocks.system import Secret

        from portalwatch.errors import DeliveryError

        try:
            value = Secret.load(smtp_password_secret, _sync=True).get()
        except Exception as exc:
            raise DeliveryError(f"Không đọc được Secret '{smtp_password_secret}' của Prefect chứa mật khẩu SMTP "
                                f"(Prefect Secret block could not be loaded: {type(exc).__name__})") from None
        os.environ[SMTP_PASSWORD_ENV] = str(value)
