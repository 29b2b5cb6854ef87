# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""X.509 certificates for tests: self-signed, or signed by another one made here (a CA and its leaf)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class PemCertificate:
    """A certificate and its private key, PEM encoded (pem, key_pem), with what signing another one needs (key, name)."""

    pem: bytes
    key_pem: bytes
    key: rsa.RSAPrivateKey
    name: x509.Name


def make_certificate(
    common_name: str,
    *,
    issuer: PemCertificate | None = None,
    ca: bool | None = False,
    san: bool = True,
    backdate: datetime.timedelta = datetime.timedelta(minutes=5),
    days: int = 30,
) -> PemCertificate:
    """An RSA 2048 certificate for common_name, self-signed or signed by issuer.

    ca: True or False sets a critical BasicConstraints extension (a CA or not); None leaves it out.
    san: whether common_name is also the certificate's one DNS subject alternative name.
    The certificate is valid from backdate ago (clock skew) until days from now.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    signing_key, issuer_name = (issuer.key, issuer.name) if issuer else (key, subject)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - backdate)
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
    certificate = builder.sign(signing_key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    return PemCertificate(pem=certificate.public_bytes(serialization.Encoding.PEM), key_pem=key_pem, key=key, name=subject)
