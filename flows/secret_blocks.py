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


#: What each kind of secret is, for ``python -m flows.secret_blocks KIND``: its block's usual name,
#: and the words that ask for it.
KINDS = {"slack": ("portalwatch-slack-token", "Slack bot token", "token Slack"),
         "smtp": ("portalwatch-smtp-password", "SMTP password", "mật khẩu SMTP")}


def save_secret(kind: str, value: str, block_name: str | None = None) -> str:
    """Save ``value`` as the Prefect Secret block of ``kind`` ("slack" or "smtp"), replacing it; the
    block's name. A token is kept without spaces, as the flows read it; an empty value is refused
    here, rather than by the first run that needs it."""
    from prefect.blocks.system import Secret

    name, what_en, what_vi = KINDS[kind]
    value = value.strip() if kind == "slack" else value
    if not value.strip():
        raise ValueError(f"the {what_en} is empty: nothing saved ({what_vi} trống: chưa lưu)")
    Secret(value=value).save(block_name or name, overwrite=True)
    return block_name or name


def _main(argv: list[str]) -> int:
    import getpass
    import sys

    if len(argv) not in (1, 2) or argv[0] not in KINDS:
        print("usage: python -m flows.secret_blocks slack|smtp [BLOCK-NAME]   (the value is asked for, not echoed)",
              file=sys.stderr)
        return 2
    kind, name = argv[0], argv[1] if len(argv) == 2 else None
    prompt = f"{KINDS[kind][1]}: "
    # From a terminal the value is not echoed; piped in (a vault's CLI), it is read from stdin.
    value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    try:
        saved = save_secret(kind, value, name)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"saved the Prefect Secret block '{saved}' ({KINDS[kind][1]}); name it in the deployments' "
          f"{'slack_secret' if kind == 'slack' else 'smtp_password_secret'} parameter")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
