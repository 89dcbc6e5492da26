"""``serve --tls-cert --tls-key``: the server speaks HTTPS itself, with a
self-signed certificate made here; plain HTTP to it gets nowhere."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.admin.cli import main
from server.errors import AdminError
from server.http.runner import ServerThread


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chartkeep.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def plain_http_get(port):
    """The refusal may come at the request or only at reading the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/health")
        return connection.getresponse()
    finally:
        connection.close()


def test_the_server_serves_https_with_its_certificate(engine, settings, tmp_path):
    settings.tls_cert, settings.tls_key = self_signed(tmp_path)
    settings.portal_https = True
    trusted = ssl.create_default_context(cafile=str(settings.tls_cert))
    with ServerThread(settings, init=False) as server:
        assert server.url.startswith("https://")
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=trusted,
                                                 timeout=10)
        connection.request("GET", "/health")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b'{"status": "ok"}')
        connection.request("GET", "/portal/sign-in")
        response = connection.getresponse()
        response.read()
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
        connection.close()
        # A client that does not trust the certificate refuses it; plain HTTP gets no answer.
        untrusting = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10,
                                                 context=ssl.create_default_context())
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusting.request("GET", "/health")
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            plain_http_get(server.port)


def test_a_missing_certificate_is_a_clear_error(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "serve", "--tls-cert", str(tmp_path / "no.pem"),
                 "--tls-key", str(tmp_path / "no.key")])
    assert code == 2
    assert "cannot use the TLS certificate" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "records.internal", "::"])
def test_plain_http_is_served_to_loopback_only(tmp_path, capsys, monkeypatch, host):
    """The security scheme: TLS in production, plain HTTP only on loopback. Without a
    certificate the server refuses to listen on any other address (before binding),
    unless the operator says a TLS-terminating proxy is in front."""
    monkeypatch.delenv("CHARTKEEP_SERVER_PORTAL_HTTPS", raising=False)
    code = main(["--data-dir", str(tmp_path), "serve", "--host", host])
    assert code == 2
    err = capsys.readouterr().err
    assert "plain HTTP only on this machine" in err and "--tls-cert" in err
    # Behind a TLS-terminating proxy the operator says so, and the check lets it by
    # (asked directly: serving would bind the address).
    from dataclasses import replace

    from server.http.runner import check_plain_http
    from server.settings import Settings

    settings = replace(Settings(data_dir=tmp_path), host=host)
    with pytest.raises(AdminError, match="plain HTTP only on this machine"):
        check_plain_http(settings, None)
    check_plain_http(replace(settings, portal_https=True), None)  # behind a TLS proxy
    check_plain_http(replace(settings, host="127.0.0.1"), None)  # loopback: always
