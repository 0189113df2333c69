"""A service reaches a TLS-only nats-server as its nkey user with ``SW_NATS_TLS_CA_FILE`` (the production set-up of
README "Running in production": certificates, nkeys, the service's own inbox prefix)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import nats.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from deploy import infra, nats_access
from shared import stream
from shared.settings import Settings

COUNTY = "522701"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 signed by it: (ca, cert, key) files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("test ca")).issuer_name(_name("test ca"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("sw-nats")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(ca_key, hashes.SHA256()))
    return (_pem(directory / "ca.crt", ca.public_bytes(serialization.Encoding.PEM)),
            _pem(directory / "server.crt", cert.public_bytes(serialization.Encoding.PEM)),
            _pem(directory / "server.key", key.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption())))


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """nats-server requiring TLS, with a province's users; its URL, the CA file and the access directory."""
    ca, cert, key = certificates(tmp_path)
    access = tmp_path / "access"
    nats_access.write_province(access, nats_access.Province("swtls", (COUNTY,)), Settings())
    port = infra.free_port()
    conf = tmp_path / "server.conf"
    conf.write_text(f"listen: 127.0.0.1:{port}\njetstream {{ store_dir: {json.dumps(str(tmp_path / 'js'))} }}\n"
                    f"tls {{ cert_file: {json.dumps(str(cert))}, key_file: {json.dumps(str(key))} }}\n"
                    f"include \"access/access.conf\"\n")
    proc = subprocess.Popen([infra.nats_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        yield f"nats://127.0.0.1:{port}", ca, access
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def _connected(settings: Settings):
    for _ in range(100):
        try:
            return await nats.connect(**stream.connect_options(settings), max_reconnect_attempts=0,
                                      allow_reconnect=False, connect_timeout=2)
        except (OSError, nats.errors.NoServersError):
            await asyncio.sleep(0.1)
    raise AssertionError("nats-server did not answer")


async def test_a_service_connects_over_tls_as_its_nkey_user_and_not_without_the_ca(
        tls_server: tuple[str, Path, Path]) -> None:
    url, ca, access = tls_server
    province = nats_access.Province("swtls", (COUNTY,))
    admin = province.county(COUNTY, Settings(nats_url=url, nats_tls_ca_file=str(ca), nats_nkey_seed_file=str(
        nats_access.seed_file(access, nats_access.ADMIN))))
    nc = await _connected(admin)
    await nats_access.create_province(nc.jetstream(), province, admin)
    await nc.close()

    user = nats_access.county_user(COUNTY, "stations")
    service = admin.model_copy(update={"nats_nkey_seed_file": str(nats_access.seed_file(access, user)),
                                       "nats_inbox_prefix": nats_access.inbox_prefix(user)})
    nc = await _connected(service)
    assert nc.connected_url is not None and nc.client_id  # TLS handshake and nkey challenge done
    ack = await nc.jetstream().publish(f"{service.subject_prefix}.stations.station.planned", b"{}",
                                       stream=service.stream_name)
    assert ack.stream == service.stream_name
    await nc.close()

    without_ca = service.model_copy(update={"nats_tls_ca_file": ""})
    with pytest.raises((OSError, nats.errors.Error)):
        await nats.connect(**stream.connect_options(without_ca), max_reconnect_attempts=0, allow_reconnect=False,
                           connect_timeout=2)
