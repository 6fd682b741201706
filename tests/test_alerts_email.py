"""E-mail delivery through smtplib to a real aiosmtpd server on 127.0.0.1: MIME structure, Vietnamese
subject, deterministic Message-ID, STARTTLS and implicit TLS with a certificate made for the test,
authentication, and which SMTP failures are worth retrying."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import ssl
import traceback
import unicodedata

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from portalwatch.alerts.digest import DigestItem, UnitDigest
from portalwatch.alerts.email import PASSWORD_ENV, EmailSender, build_message, message_id_for
from portalwatch.alerts.render import render_unit_html, render_unit_text
from portalwatch.errors import ConfigError, DeliveryError
from portalwatch.findings.model import Finding
from portalwatch.profile.registry import Routes, Unit

SENDER = "Hệ thống giám sát Trang TTĐT <giamsat@vungtau.gov.vn>"
TO = ["phuong5@vungtau.gov.vn", "vanthu.phuong5@vungtau.gov.vn"]
SUBJECT = "[Trang thông tin điện tử thành phố Vũng Tàu] 1 nội dung cần cập nhật – Phường 5"
USER, PASSWORD = "giamsat@vungtau.gov.vn", "S3cret-pw-for-tests-7781"


class Mailbox:
    """aiosmtpd handler: keeps what arrives; some invented addresses are refused for good or for now."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.sessions: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("khong-ton-tai@"):
            return "550 5.1.1 Mailbox unavailable"
        if address.startswith("tam-hoan@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        tls = server.transport.get_extra_info("ssl_object") is not None  # STARTTLS or implicit TLS
        self.sessions.append({"tls": tls, "authenticated": bool(session.authenticated)})
        return "250 Message accepted for delivery"


class LoopbackController(Controller):
    """aiosmtpd's Controller bound to port 0: the real port is read from the listening socket."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture()
def mailbox():
    return Mailbox()


@pytest.fixture()
def plain_smtp(mailbox):
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost")
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost / 127.0.0.1, made with `cryptography` for this run."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_tls(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture()
def starttls_smtp(mailbox, certificate):
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost",
                                    tls_context=server_tls(certificate), require_starttls=True,
                                    auth_required=True, authenticator=check_login)
    controller.start()
    yield controller
    controller.stop()


def parse(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def plain_sender(controller, **kwargs) -> EmailSender:
    return EmailSender("127.0.0.1", controller.port, security="none", sender=SENDER, local_hostname="localhost",
                       timeout_s=10, **kwargs)


def digest_texts() -> tuple[str, str, str]:
    unit = Unit(id="phuong-5", name="Phường 5", kind="ward", routes=Routes(email=tuple(TO)))
    finding = Finding(
        key="0a1b2c3d4e5f60718293", portal="vungtau-2022", unit_id="phuong-5", unit_name="Phường 5", subject="unit",
        field="intro", rule="unit_field_not_placeholder", category="placeholder", severity="high",
        value="Địa bàn phường được chia thành 9 khu phố. <!channel> <script>alert(1)</script>\u202e",
        expected="Trang đơn vị công bố phần giới thiệu / the unit page publishes its introduction",
        suggestion="Gửi nội dung giới thiệu chức năng, nhiệm vụ cho Ban biên tập.",
        url="http://127.0.0.1:8765/he-thong-chinh-tri/phuong-5", legal_basis="NĐ 42/2022/NĐ-CP, Điều 4 khoản 1 điểm e",
        message_vi="Phần giới thiệu của Phường 5 có nội dung lạ, cần rà soát.",
        message_en="The introduction of Phường 5 contains unexpected text.")
    digest = UnitDigest(unit=unit, night=dt.date(2022, 6, 20),
                        portal_title="Trang thông tin điện tử thành phố Vũng Tàu",
                        new=(DigestItem(finding, dt.date(2022, 6, 20), dt.date(2022, 6, 27)),))
    subject, text = render_unit_text(digest)
    return subject, text, render_unit_html(digest)


def test_a_unit_digest_arrives_as_text_and_html_with_a_vietnamese_subject(plain_smtp, mailbox):
    subject, text, html = digest_texts()
    assert subject == SUBJECT
    message_id = plain_sender(plain_smtp).send(TO, subject, text, html, message_id_key="phuong-5/2022-06-20/new")

    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == TO and envelope.mail_from == "giamsat@vungtau.gov.vn"
    head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # RFC 2047: every header is ASCII on the wire
    assert b"=?utf-8?" in head
    message = parse(envelope)
    assert message["Subject"] == SUBJECT and unicodedata.is_normalized("NFC", message["Subject"])
    assert message["Message-ID"] == message_id == message_id_for("phuong-5/2022-06-20/new", SENDER)
    assert message["Date"] and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"].addresses[0].display_name == "Hệ thống giám sát Trang TTĐT"
    plain = message.get_body(("plain",)).get_content()
    body_html = message.get_body(("html",)).get_content()
    assert plain.startswith("Kính gửi: Phường 5") and "Hạn khắc phục: 27/06/2022" in plain
    assert "<!channel> <script>alert(1)</script>" in plain      # the plain part is plain
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in body_html and "<script" not in body_html
    assert "\u202e" not in plain and "\u202e" not in body_html


def test_the_message_id_is_deterministic():
    one = build_message(sender=SENDER, to=TO, subject=SUBJECT, text="a", html=None, message_id_key="k/1")
    again = build_message(sender=SENDER, to=TO, subject=SUBJECT, text="b", html="<p>b</p>", message_id_key="k/1")
    other = build_message(sender=SENDER, to=TO, subject=SUBJECT, text="a", html=None, message_id_key="k/2")
    assert one["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert one["Message-ID"].endswith("@vungtau.gov.vn>")


def test_starttls_with_authentication(starttls_smtp, mailbox, certificate):
    sender = EmailSender("127.0.0.1", starttls_smtp.port, security="starttls", username=USER, password=PASSWORD,
                         sender=SENDER, tls_context=client_tls(certificate), local_hostname="localhost", timeout_s=10)
    sender.send(TO[:1], SUBJECT, "Nội dung thử", "<p>Nội dung thử</p>", message_id_key="k")
    assert mailbox.sessions == [{"tls": True, "authenticated": True}]
    assert parse(mailbox.envelopes[0])["Subject"] == SUBJECT


def test_password_can_come_from_the_environment(starttls_smtp, mailbox, certificate, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    sender = EmailSender("127.0.0.1", starttls_smtp.port, security="starttls", username=USER, sender=SENDER,
                         tls_context=client_tls(certificate), local_hostname="localhost", timeout_s=10)
    sender.send(TO[:1], SUBJECT, "x", None, message_id_key="k")
    assert len(mailbox.envelopes) == 1 and PASSWORD not in repr(sender)


def test_wrong_password_is_permanent_and_never_shown(starttls_smtp, mailbox, certificate, caplog):
    caplog.set_level(logging.DEBUG, logger="portalwatch")
    wrong = "Wrong-pw-0042-do-not-log"
    sender = EmailSender("127.0.0.1", starttls_smtp.port, security="starttls", username=USER, password=wrong,
                         sender=SENDER, tls_context=client_tls(certificate), local_hostname="localhost", timeout_s=10)
    with pytest.raises(DeliveryError, match="535") as caught:
        sender.send(TO, SUBJECT, "x", None, message_id_key="k")
    assert caught.value.retryable is False
    assert wrong not in "".join(traceback.format_exception(caught.value)) and wrong not in caplog.text
    assert mailbox.envelopes == []


def test_an_untrusted_certificate_is_refused(starttls_smtp, mailbox):
    sender = EmailSender("127.0.0.1", starttls_smtp.port, security="starttls", username=USER, password=PASSWORD,
                         sender=SENDER, local_hostname="localhost", timeout_s=10)  # the system's CAs only
    with pytest.raises(DeliveryError, match="TLS") as caught:
        sender.send(TO, SUBJECT, "x", None, message_id_key="k")
    assert caught.value.retryable is False and mailbox.envelopes == []


def test_implicit_tls(mailbox, certificate):
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost",
                                    ssl_context=server_tls(certificate))
    controller.start()
    try:
        EmailSender("127.0.0.1", controller.port, security="ssl", sender=SENDER, tls_context=client_tls(certificate),
                    local_hostname="localhost", timeout_s=10).send(TO, SUBJECT, "x", "<p>x</p>", message_id_key="k")
    finally:
        controller.stop()
    assert len(mailbox.envelopes) == 1 and mailbox.sessions[0]["tls"] is True


@pytest.mark.parametrize(("address", "retryable"), [("khong-ton-tai@vungtau.gov.vn", False),
                                                    ("tam-hoan@vungtau.gov.vn", True)])
def test_refused_recipients(plain_smtp, mailbox, address, retryable):
    with pytest.raises(DeliveryError, match=address) as caught:
        plain_sender(plain_smtp).send([address], SUBJECT, "x", None, message_id_key="k")
    assert caught.value.retryable is retryable and mailbox.envelopes == []


def test_a_partly_refused_message_is_delivered_to_the_others(plain_smtp, mailbox, caplog):
    caplog.set_level(logging.WARNING, logger="portalwatch")
    plain_sender(plain_smtp).send([TO[0], "khong-ton-tai@vungtau.gov.vn"], SUBJECT, "x", None, message_id_key="k")
    assert mailbox.envelopes[0].rcpt_tos == [TO[0]]
    assert "khong-ton-tai@vungtau.gov.vn (550)" in caplog.text


def test_connection_refused_is_retryable(mailbox):
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost")
    controller.start()
    controller.stop()  # the port it had now refuses connections
    with pytest.raises(DeliveryError) as caught:
        EmailSender("127.0.0.1", controller.port, security="none", sender=SENDER, local_hostname="localhost",
                    timeout_s=5).send(TO, SUBJECT, "x", None, message_id_key="k")
    assert caught.value.retryable is True


def test_bad_configuration_is_refused_early():
    with pytest.raises(ConfigError, match="without TLS"):
        EmailSender("smtp.vungtau.gov.vn", 25, security="none", username=USER, password=PASSWORD, sender=SENDER)
    with pytest.raises(ConfigError, match="security"):
        EmailSender("127.0.0.1", 25, security="tls", sender=SENDER)  # type: ignore[arg-type]
    with pytest.raises(DeliveryError, match="người nhận") as caught:
        build_message(sender=SENDER, to=["a@b.vn\r\nBcc: x@y.vn"], subject="x", text="x", html=None,
                      message_id_key="k")
    assert caught.value.retryable is False
