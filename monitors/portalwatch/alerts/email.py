"""Sending alerts by e-mail (SMTP): a plain-text and an HTML alternative, Vietnamese subject, UTF-8.

Many units read their official mailbox rather than Slack, often in webmail that shows only one of
the parts, so every message carries both. The Message-ID is derived from the caller's key (unit,
night, kind), so a message resent after a failure is recognisably the same message to the
recipients' mail systems and to ops reading the logs. SMTP errors become :class:`DeliveryError`
with ``retryable``: temporary trouble (4xx, connection) is tried again by the outbox, a permanent
refusal (5xx: unknown mailbox, bad credentials) goes to ops. The password is never logged.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import ipaddress
import logging
import os
import smtplib
import ssl
import unicodedata
from collections.abc import Sequence
from email.header import Header
from email.message import EmailMessage
from typing import Literal

from ..errors import ConfigError, DeliveryError
from .escape import clean, one_line

__all__ = ["EmailSender", "build_message", "message_id_for", "PASSWORD_ENV", "Security"]

PASSWORD_ENV = "PORTALWATCH_SMTP_PASSWORD"
Security = Literal["starttls", "ssl", "none"]
_SECURITIES = ("starttls", "ssl", "none")
log = logging.getLogger(__name__)



def _domain_of(sender: str) -> str:
    address = email.utils.parseaddr(sender)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain if domain and all(c.isalnum() or c in ".-" for c in domain) else "portalwatch.invalid"


def message_id_for(key: str, sender: str) -> str:
    """The same key always gives the same Message-ID (``<hash.portalwatch@sender-domain>``)."""
    digest = hashlib.sha256(unicodedata.normalize("NFC", key).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.portalwatch@{_domain_of(sender)}>"


def _check_recipients(to: Sequence[str]) -> list[str]:
    if isinstance(to, str):
        to = [to]
    addresses = [a.strip() for a in to if a and a.strip()]
    if not addresses:
        raise DeliveryError("Không có địa chỉ người nhận (no recipient)", retryable=False)
    for address in addresses:
        if "\r" in address or "\n" in address or "@" not in address or email.utils.parseaddr(address)[1] != address:
            raise DeliveryError(f"Địa chỉ người nhận không hợp lệ: {address!r}", retryable=False)
    return addresses


def _encoded_words(name: str, value: str) -> str:
    """RFC 2047 encoded words, folded, each keeping its own spaces.

    The email package's own folder (Python 3.11) moves a space at a fold out of the encoded word,
    where decoders drop it ("thành phố Vũng Tàu" arrives as "thành phốVũng Tàu"); Header keeps
    the spaces inside the encoded text. Lines stay under 78 characters, so the policy emits them
    as they are.
    """
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def build_message(*, sender: str, to: Sequence[str], subject: str, text: str, html: str | None,
                  message_id_key: str) -> EmailMessage:
    """The MIME message: multipart/alternative (plain text, then HTML), UTF-8, RFC 2047 subject.

    Bodies are base64 so no 8-bit path is needed anywhere between us and the mailbox.
    """
    recipients = _check_recipients(to)
    message = EmailMessage(policy=email.policy.SMTP)
    display, address = email.utils.parseaddr(sender)
    if display and not display.isascii():
        message.set_raw("From", f"{_encoded_words('From', display)}\r\n <{address}>")
    else:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    title = one_line(subject, limit=250)
    if title.isascii():
        message["Subject"] = title
    else:
        message.set_raw("Subject", _encoded_words("Subject", title))
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = message_id_for(message_id_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = "vi"
    message.set_content(clean(text), subtype="plain", charset="utf-8", cte="base64")
    if html:
        message.add_alternative(clean(html), subtype="html", charset="utf-8", cte="base64")
    return message


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmailSender:
    """Sends through one SMTP server; a connection per message (a night sends a few dozen).

    security: "starttls" (submission, port 587), "ssl" (implicit TLS, port 465), or "none"
              (only for a relay on this machine: credentials are never sent unencrypted)
    password: None reads PORTALWATCH_SMTP_PASSWORD when a username is given
    tls_context: the CA bundle to trust; the system's by default
    """

    def __init__(self, host: str, port: int, *, security: Security = "starttls", username: str | None = None,
                 password: str | None = None, sender: str, timeout_s: float = 30,
                 tls_context: ssl.SSLContext | None = None, local_hostname: str | None = None) -> None:
        if security not in _SECURITIES:
            raise ConfigError(f"expected one of {', '.join(_SECURITIES)}, found {security!r}", key="smtp.security")
        if not sender or "@" not in sender:
            raise ConfigError("the sender must be an e-mail address", key="smtp.sender")
        if username and security == "none" and not _is_loopback(host):
            raise ConfigError("refusing to send SMTP credentials without TLS: use starttls or ssl",
                              key="smtp.security")
        self.host, self.port, self.security = host, int(port), security
        self.username = username
        self._password = password if password is not None else (os.environ.get(PASSWORD_ENV) if username else None)
        self.sender = sender
        self.timeout_s = timeout_s
        self.local_hostname = local_hostname
        self._tls = tls_context

    def __repr__(self) -> str:
        return (f"EmailSender(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"username={self.username!r}, password=(redacted))")

    def _context(self) -> ssl.SSLContext:
        return self._tls or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                    timeout=self.timeout_s, context=self._context())
        return smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout_s)

    def send(self, to: list[str], subject: str, text: str, html: str | None, message_id_key: str) -> str:
        """Send one message; returns its Message-ID. Raises :class:`DeliveryError` with ``retryable``."""
        message = build_message(sender=self.sender, to=to, subject=subject, text=text, html=html,
                                message_id_key=message_id_key)
        recipients = _check_recipients(to)
        where = f"{self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if self.security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if self.username:
                    if not self._password:
                        raise DeliveryError(f"Chưa có mật khẩu SMTP cho {self.username} (set {PASSWORD_ENV})",
                                            retryable=False)
                    smtp.login(self.username, self._password)
                refused = smtp.send_message(message, to_addrs=recipients)
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {addr: code for addr, (code, _) in exc.recipients.items()}
            temporary = any(400 <= code < 500 for code in codes.values())
            raise DeliveryError(f"Máy chủ thư {where} từ chối người nhận: "
                                + ", ".join(f"{a} ({c})" for a, c in codes.items()), retryable=temporary) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"Máy chủ thư {where} không hỗ trợ chức năng cần dùng ({one_line(exc, limit=200)})",
                                retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            code = int(exc.smtp_code)
            raw = exc.smtp_error
            reply = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            raise DeliveryError(f"Máy chủ thư {where} trả lời {code}: {one_line(reply, limit=200)}",
                                retryable=not 500 <= code < 600) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise DeliveryError(f"Máy chủ thư {where} ngắt kết nối ({exc})", retryable=True) from None
        except smtplib.SMTPException as exc:  # e.g. no authentication method in common: configuration
            raise DeliveryError(f"Lỗi SMTP với máy chủ thư {where}: {one_line(exc, limit=200)}",
                                retryable=False) from None
        except ssl.SSLError as exc:  # a certificate that does not verify will not verify on retry
            raise DeliveryError(f"Lỗi TLS với máy chủ thư {where}: {type(exc).__name__} ({exc.reason})",
                                retryable=False) from None
        except OSError as exc:  # refused, reset, timed out: the server may be back later
            raise DeliveryError(f"Không kết nối được máy chủ thư {where} / cannot connect to the mail server "
                                f"({type(exc).__name__})",
                                retryable=True) from exc
        if refused:
            log.warning("Thư %s: máy chủ %s từ chối một số người nhận: %s", message["Message-ID"], where,
                        ", ".join(f"{a} ({c})" for a, (c, _) in refused.items()))
        log.info("Thư %s đã gửi tới %s qua %s", message["Message-ID"], ", ".join(recipients), where)
        return str(message["Message-ID"])
