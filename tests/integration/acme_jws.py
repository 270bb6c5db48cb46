"""Minimal JWS (RFC 7515, flattened serialization) for ACME (RFC 8555 §6.2) tests, on python3-cryptography.

    key = Key.ec()                          # P-256, alg ES256 (also Key.ec(ec.SECP384R1()), Key.rsa(), Key.ed25519())
    jwk = key.jwk()                          # public JWK as a dict
    tp = key.thumbprint()                    # RFC 7638, base64url
    body = flattened(key, {"alg": "ES256", "nonce": n, "url": u, "jwk": jwk}, b"{}")

flattened() signs exactly the bytes it is given; tests can then tamper with any member.
Only the standard library and cryptography (>= 38) are used.
"""

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)


def _int_bytes(n, size=None):
    if size is None:
        size = max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(size, "big")


_CURVES = {"secp256r1": ("P-256", "ES256", 32, hashes.SHA256),
           "secp384r1": ("P-384", "ES384", 48, hashes.SHA384),
           "secp521r1": ("P-521", "ES512", 66, hashes.SHA512)}
_EC_HASH = {"ES256": hashes.SHA256, "ES384": hashes.SHA384, "ES512": hashes.SHA512}


class Key:
    """A private key with its default JWS alg."""

    def __init__(self, priv, alg):
        self.priv = priv
        self.alg = alg

    @classmethod
    def ec(cls, curve=None):
        priv = ec.generate_private_key(curve or ec.SECP256R1())
        return cls(priv, _CURVES[priv.curve.name][1])

    @classmethod
    def rsa(cls, bits=2048, alg="RS256"):
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits), alg)

    @classmethod
    def ed25519(cls):
        return cls(ed25519.Ed25519PrivateKey.generate(), "EdDSA")

    def public_key(self):
        return self.priv.public_key()

    def jwk(self):
        pub = self.priv.public_key()
        if isinstance(pub, ec.EllipticCurvePublicKey):
            crv, _, size, _ = _CURVES[pub.curve.name]
            nums = pub.public_numbers()
            return {"kty": "EC", "crv": crv, "x": b64u(_int_bytes(nums.x, size)), "y": b64u(_int_bytes(nums.y, size))}
        if isinstance(pub, rsa.RSAPublicKey):
            nums = pub.public_numbers()
            return {"kty": "RSA", "n": b64u(_int_bytes(nums.n)), "e": b64u(_int_bytes(nums.e))}
        if isinstance(pub, ed25519.Ed25519PublicKey):
            from cryptography.hazmat.primitives import serialization
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
        raise ValueError("unsupported key type")

    def thumbprint(self):
        return thumbprint(self.jwk())

    def sign(self, data, alg=None):
        """JWS signature over data (bytes) with alg (default: the key's own alg).

        An EC key signs with the hash of the *given* alg and its own field size, so a mismatched
        alg (ES384 with a P-256 key) still yields a well-formed but unacceptable signature."""
        alg = alg or self.alg
        priv = self.priv
        if isinstance(priv, ec.EllipticCurvePrivateKey):
            size = _CURVES[priv.curve.name][2]
            h = _EC_HASH.get(alg, _CURVES[priv.curve.name][3])
            r, s = utils.decode_dss_signature(priv.sign(data, ec.ECDSA(h())))
            return _int_bytes(r, size) + _int_bytes(s, size)
        if isinstance(priv, rsa.RSAPrivateKey):
            if alg == "PS256":
                return priv.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
            return priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if isinstance(priv, ed25519.Ed25519PrivateKey):
            return priv.sign(data)
        raise ValueError("unsupported key type")


def thumbprint(jwk):
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canon = compact_json({m: jwk[m] for m in members})
    return b64u(hashlib.sha256(canon.encode()).digest())


def flattened(key, protected, payload, alg=None):
    """Flattened JWS dict. protected: dict (serialized compactly) or an already-encoded str;
    payload: bytes/str (raw) or None for POST-as-GET (empty payload)."""
    prot_b64 = protected if isinstance(protected, str) else b64u(compact_json(protected))
    if payload is None:
        payload = b""
    pay_b64 = b64u(payload)
    sig = key.sign(f"{prot_b64}.{pay_b64}".encode(), alg or (protected.get("alg") if isinstance(protected, dict) else None))
    return {"protected": prot_b64, "payload": pay_b64, "signature": b64u(sig)}


def hs256(secret, protected, payload):
    prot_b64 = b64u(compact_json(protected))
    pay_b64 = b64u(payload)
    mac = hmac.new(secret, f"{prot_b64}.{pay_b64}".encode(), hashlib.sha256).digest()
    return {"protected": prot_b64, "payload": pay_b64, "signature": b64u(mac)}
