#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ (python3-cryptography, Debian bookworm).

  python3 fuzz/corpus/gen_seeds.py

Keys are fresh on every run, so the files change; commit them when the set of cases changes.
"""
import base64
import hashlib
import hmac
import json
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

ROOT = pathlib.Path(__file__).resolve().parent
URL = "https://ca.example/acme/new-account"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(n: int, size: int = 0) -> bytes:
    return n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")


def jwk(key) -> dict:
    pub = key.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        size = (pub.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[pub.curve.name]
        nums = pub.public_numbers()
        return {"kty": "EC", "crv": crv, "x": b64u(uint(nums.x, size)), "y": b64u(uint(nums.y, size))}
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        return {"kty": "RSA", "n": b64u(uint(nums.n)), "e": b64u(uint(nums.e))}
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}


def sign(key, alg: str, data: bytes) -> bytes:
    if alg.startswith("ES"):
        h = {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}[alg]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h)))
        size = (key.curve.key_size + 7) // 8
        return uint(r, size) + uint(s, size)
    if alg == "RS256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256":
        return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    if alg == "EdDSA":
        return key.sign(data)
    raise ValueError(alg)


def jws(key, alg: str, header: dict, payload: str) -> dict:
    prot = b64u(json.dumps(dict(header, alg=alg), separators=(",", ":")).encode())
    pay = b64u(payload.encode())
    sig = sign(key, alg, f"{prot}.{pay}".encode())
    return {"protected": prot, "payload": pay, "signature": b64u(sig)}


def write(target: str, name: str, data) -> None:
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def jws_seeds() -> None:
    keys = {
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "ES384": ec.generate_private_key(ec.SECP384R1()),
        "ES512": ec.generate_private_key(ec.SECP521R1()),
        "RS256": rsa.generate_private_key(65537, 2048),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }
    keys["PS256"] = keys["RS256"]
    for alg, key in keys.items():
        hdr = {"jwk": jwk(key), "nonce": "bm9uY2U", "url": URL}
        write("jws_fuzz", f"valid_{alg.lower()}", jws(key, alg, hdr, '{"termsOfServiceAgreed":true}'))
    p256 = keys["ES256"]
    hdr = {"jwk": jwk(p256), "nonce": "bm9uY2U", "url": URL}
    write("jws_fuzz", "post_as_get_kid", jws(p256, "ES256", {"kid": URL + "/acct/1", "nonce": "x", "url": URL}, ""))
    good = jws(p256, "ES256", hdr, "{}")
    write("jws_fuzz", "bad_signature", dict(good, signature=b64u(b"\x00" * 64)))
    write("jws_fuzz", "es256_with_p384", jws(keys["ES384"], "ES256", dict(hdr, jwk=jwk(keys["ES384"])), "{}"))
    none_prot = b64u(json.dumps(dict(hdr, alg="none")).encode())
    write("jws_fuzz", "alg_none", {"protected": none_prot, "payload": b64u(b"{}"), "signature": ""})
    hs_prot = b64u(json.dumps({"alg": "HS256", "kid": "eab", "url": URL}).encode())
    mac = hmac.new(b"k" * 32, f"{hs_prot}.{b64u(b'{}')}".encode(), hashlib.sha256).digest()
    write("jws_fuzz", "hs256", {"protected": hs_prot, "payload": b64u(b"{}"), "signature": b64u(mac)})
    write("jws_fuzz", "jwk_and_kid", jws(p256, "ES256", dict(hdr, kid="k"), "{}"))
    write("jws_fuzz", "unprotected_header", dict(good, header={"kid": "x"}))
    write("jws_fuzz", "general_serialization",
          {"payload": good["payload"], "signatures": [{"protected": good["protected"], "signature": good["signature"]}]})
    s = json.dumps(good, separators=(",", ":"))
    write("jws_fuzz", "duplicate_key", s[:-1] + ',"payload":"e30"}')
    write("jws_fuzz", "private_jwk", jws(p256, "ES256", dict(hdr, jwk=dict(jwk(p256), d="AA")), "{}"))
    write("jws_fuzz", "compact", f'{good["protected"]}.{good["payload"]}.{good["signature"]}')
    write("jws_fuzz", "deep", "[" * 40 + "]" * 40)
    write("jws_fuzz", "empty", b"")


def json_seeds() -> None:
    write("json_fuzz", "object", '{"a":[1,-2,3.5e10,true,false,null],"b":{"c":"\\u00e9\\n"}}')
    write("json_fuzz", "duplicate", '{"a":1,"b":{"x":1,"x":2}}')
    write("json_fuzz", "depth32", "[" * 32 + "]" * 32)
    write("json_fuzz", "depth33", "[" * 33 + "]" * 33)
    write("json_fuzz", "bad_utf8", b'{"a":"\xff\xfe"}')
    write("json_fuzz", "trailing", '{"a":1} x')
    write("json_fuzz", "bignum", '[1e999,-0,18446744073709551616,-9223372036854775809]')
    write("json_fuzz", "comment", "/* c */ {}")
    write("json_fuzz", "empty", b"")


def csr(key, names, hash_alg) -> bytes:
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
    b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return b.sign(key, hash_alg).public_bytes(serialization.Encoding.DER)


def csr_seeds() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    good = csr(p256, ["example.com", "www.example.com"], hashes.SHA256())
    write("csr_fuzz", "ec_p256", good)
    write("csr_fuzz", "rsa2048", csr(rsa.generate_private_key(65537, 2048), ["example.org"], hashes.SHA256()))
    write("csr_fuzz", "ed25519", csr(ed25519.Ed25519PrivateKey.generate(), ["example.net"], None))
    write("csr_fuzz", "rsa1024", csr(rsa.generate_private_key(65537, 1024), ["weak.example"], hashes.SHA256()))
    bad = bytearray(good)
    bad[-1] ^= 1
    write("csr_fuzz", "bad_signature", bytes(bad))
    write("csr_fuzz", "trailing_byte", good + b"\x00")
    write("csr_fuzz", "truncated", good[: len(good) // 2])
    write("csr_fuzz", "empty", b"")


if __name__ == "__main__":
    jws_seeds()
    json_seeds()
    csr_seeds()
