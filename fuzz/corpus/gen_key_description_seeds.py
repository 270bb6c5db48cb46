#!/usr/bin/python3
"""Writes fuzz/corpus/key_description_fuzz/: the KeyDescription extnValue contents
(1.3.6.1.4.1.11129.2.1.17) of the real Android leaves in shared/vectors (python3-cryptography,
python3-cbor2). Deterministic: rerun when the vectors change.

  /usr/bin/python3 fuzz/corpus/gen_key_description_seeds.py
"""
import pathlib

import cbor2
from cryptography import x509

ROOT = pathlib.Path(__file__).resolve().parent
SHARED = ROOT.parents[2] / "shared" / "vectors" / "samples"
OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.1.17")
OUT = ROOT / "key_description_fuzz"


def ext(der: bytes) -> bytes:
    cert = x509.load_der_x509_certificate(der)
    return cert.extensions.get_extension_for_oid(OID).value.value


def main():
    OUT.mkdir(exist_ok=True)
    for leaf in sorted((SHARED / "android-key-chains").glob("*/cert0*.der")):
        name = f"{leaf.parent.name}-{leaf.stem}"
        (OUT / name).write_bytes(ext(leaf.read_bytes()))
    for obj in sorted((SHARED / "webauthn" / "android-key").glob("*.cbor")):
        x5c = cbor2.loads(obj.read_bytes())["attStmt"]["x5c"]
        (OUT / obj.name.split(".")[0]).write_bytes(ext(x5c[0]))


if __name__ == "__main__":
    main()
