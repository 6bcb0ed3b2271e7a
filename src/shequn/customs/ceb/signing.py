"""Signing port for CEB declarations (XML-DSig, enveloped, ``ds:Signature`` as the
last child of the message root, where the XSD puts it).

``Signer`` is the port. ``RsaSha256Signer`` implements it with ``signxml``
(RSA-SHA256, SHA-256 digest, inclusive C14N 1.0 as the spec names) and a key +
certificate from configuration. Customs prefers SM2/SM3 (``…/2022/04/xmldsig#sm2-sm3``),
usually done by a UKey host or crypto server: an SM2 signer is another class with
the same two methods (e.g. one that posts the unsigned XML to that service and
returns the signed root); nothing else changes. CEB621/623/625 must be signed.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import InvalidInput, InvalidSignature, XMLSigner, XMLVerifier
from signxml.algorithms import CanonicalizationMethod

from .schema import DS_NS

SIGNATURE_TAG = "{" + DS_NS + "}Signature"
# The variables the platform's configuration reads the paths from (named in errors).
KEY_ENV = "SHEQUN_CEB_KEY_FILE"
CERT_ENV = "SHEQUN_CEB_CERT_FILE"


class SigningNotConfigured(RuntimeError):
    """No key/certificate configured for signing CEB declarations."""


class Signer(Protocol):
    def sign(self, root: etree._Element) -> etree._Element:
        """Return a signed copy of ``root`` (Signature appended as last child)."""
        ...

    def verify(self, root: etree._Element) -> bool:
        """True when ``root`` carries a valid signature by this signer's key."""
        ...


class RsaSha256Signer:
    """Enveloped RSA-SHA256 XML-DSig with the certificate in ``KeyInfo``."""

    def __init__(self, key_pem: bytes, cert_pem: bytes, key_name: str | None = None) -> None:
        # Loaded once: parsing (and checking) an RSA key costs ~25 ms.
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("RsaSha256Signer needs an RSA private key")
        self._key = key
        cert = x509.load_pem_x509_certificate(cert_pem)
        self._certs = [cert]
        self._cert = cert_pem.decode()
        if key_name is None:
            # KeyName carries the certificate number in the spec's samples.
            key_name = format(cert.serial_number, "x")
        self.key_name = key_name
        self._signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)

    @classmethod
    def from_files(cls, key_file: str | Path, cert_file: str | Path) -> RsaSha256Signer:
        return cls(Path(key_file).read_bytes(), Path(cert_file).read_bytes())

    def sign(self, root: etree._Element) -> etree._Element:
        for old in root.findall(SIGNATURE_TAG):
            root.remove(old)
        signed = self._signer.sign(root, key=self._key, cert=self._certs,
                                   key_name=self.key_name)
        return signed

    def verify(self, root: etree._Element) -> bool:
        return _verify(root, self._cert)


def _verify(root: etree._Element, cert: str) -> bool:
    if root.find(SIGNATURE_TAG) is None:
        return False
    try:
        XMLVerifier().verify(root, x509_cert=cert)
    except (InvalidSignature, InvalidInput, ValueError):
        return False
    return True


def embedded_certificate(root: etree._Element) -> str | None:
    """The PEM of the certificate in the message's own ``KeyInfo``, if any."""
    node = root.find(f"{SIGNATURE_TAG}/{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/"
                     f"{{{DS_NS}}}X509Certificate")
    if node is None or not (node.text or "").strip():
        return None
    body = "".join((node.text or "").split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def verify_embedded(root: etree._Element) -> bool:
    """Integrity check with the certificate the message carries: proves it was not
    altered after signing, not who signed it (trust is customs' job). False for an
    unsigned message or an algorithm we do not implement (e.g. SM2)."""
    cert = embedded_certificate(root)
    if cert is None:
        return False
    try:
        base64.b64decode(cert.split("-----")[2])
        x509.load_pem_x509_certificate(cert.encode())
    except ValueError:
        return False
    return _verify(root, cert)


def signer_from_config(key_file: str | Path | None, cert_file: str | Path | None
                       ) -> RsaSha256Signer:
    """The signer for a configured key and certificate (PEM files). The caller
    reads its configuration (settings, environment, flags) and passes the paths:
    this module stays free of Django and of the environment."""
    if not (key_file and cert_file):
        raise SigningNotConfigured(f"set {KEY_ENV} and {CERT_ENV} (PEM files)")
    return RsaSha256Signer.from_files(key_file, cert_file)


def generate_demo_keypair(directory: str | Path, common_name: str = "Shequn CEB demo",
                          ) -> tuple[Path, Path]:
    """Write a fresh RSA-2048 key and a self-signed certificate (PEM) into
    ``directory`` for the demo and tests; returns (key path, cert path). Never
    commit these; production keys come from the E-port certificate."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / "ceb-sign.key", directory / "ceb-sign.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
