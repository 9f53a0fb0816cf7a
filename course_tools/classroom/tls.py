"""HTTPS for make hub off this machine: the instructor's certificate, or a self-signed one made
once, and the fingerprint students compare with the one their browser shows."""

from __future__ import annotations

import hashlib
from pathlib import Path

from course_utils.reporting import write_text_atomically


def is_loopback(ip: str) -> bool:
    """Whether the hub listens on this machine only, so that no password crosses the network."""
    import ipaddress

    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def tls_files(hub_dir: Path, ip: str, cert: str | None = None, key: str | None = None) -> tuple[Path, Path]:
    """The certificate and key the hub serves HTTPS with: the instructor's, or one made once for ``ip``.

    A made certificate is self-signed: browsers warn about it, so the instructor shows the class
    its SHA-256 fingerprint (:func:`fingerprint`) to compare with the one the browser shows.
    """
    if cert or key:
        paths = Path(cert or ""), Path(key or "")
        missing = [str(path) for path in paths if not path.is_file()]
        if missing or not (cert and key):
            raise FileNotFoundError(f"HUB_CERT and HUB_KEY name the certificate and its key; missing: "
                                    f"{', '.join(missing) or 'one of the two'}.")
        return paths
    folder = hub_dir / "tls"
    made = folder / "hub-cert.pem", folder / "hub-key.pem"
    if not all(path.is_file() for path in made):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        certificate, private_key = self_signed_certificate(ip)
        write_text_atomically(made[1], private_key, private=True)
        write_text_atomically(made[0], certificate, private=True)
    return made


def self_signed_certificate(ip: str, days: int = 365) -> tuple[str, str]:
    """A PEM certificate for ``ip`` (and this machine's name) and its private key."""
    import datetime
    import ipaddress
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"course hub {socket.gethostname()}")])
    names: list[x509.GeneralName] = [x509.DNSName(socket.gethostname()), x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    except ValueError:
        names.append(x509.DNSName(ip))
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=days))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    key_text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_text


def fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint, as browsers show it (AB:CD:...)."""
    import ssl

    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text(encoding="utf-8"))
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())

