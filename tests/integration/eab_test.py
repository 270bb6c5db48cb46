#!/usr/bin/python3
"""External Account Binding (RFC 8555 7.3.4) against attestca, with python3-acme as a direct client
(certbot and lego refuse on their own side when meta.externalAccountRequired is set, so only a
direct client proves what the server refuses):
  directory meta.externalAccountRequired = true on a provisioner with require_eab = true;
  newAccount without EAB                -> urn:ietf:params:acme:error:externalAccountRequired
  EAB with a wrong MAC key              -> unauthorized
  EAB with an unknown kid               -> unauthorized
  EAB whose payload is another JWK      -> refused (malformed, unauthorized or badPublicKey)
  correct EAB                           -> account created (201, status valid), usable for newOrder
  the same kid again for another key    -> unauthorized (an EAB key binds one account)
Uses Debian's python3 (/usr/bin/python3) for python3-acme.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, fail  # noqa: E402

import josepy as jose  # noqa: E402
from acme import client, crypto_util, errors, messages  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

ACME = "urn:ietf:params:acme:error:"


def new_key():
    return jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))


def make_client(h, url, key):
    net = client.ClientNetwork(key, alg=jose.ES256, verify_ssl=h.tls_root, user_agent="attestca-eab-test")
    directory = messages.Directory.from_json(net.get(url).json())
    return client.ClientV2(directory, net), directory


def status(s):
    return getattr(s, "name", s)  # messages.Status or a plain string


def error_type(exc):
    if isinstance(exc, messages.Error):
        return exc.typ
    return f"<{type(exc).__name__}: {exc}>"


def expect_error(h, what, fn, *types):
    try:
        res = fn()
    except (messages.Error, errors.Error) as e:
        got = error_type(e)
        if got not in [ACME + t for t in types]:
            fail(f"{what}: expected error {' or '.join(ACME + t for t in types)}, got {got} ({e})")
        h.log(f"{what}: refused with {got} as expected")
        return
    fail(f"{what}: the server accepted it (got {res}), expected {' or '.join(ACME + t for t in types)}")


def new_account(cl, directory, key, kid=None, hmac=None, eab_key=None):
    eab = None
    if kid is not None:
        eab = messages.ExternalAccountBinding.from_data(
            account_public_key=(eab_key or key).public_key(), kid=kid, hmac_key=hmac, directory=directory)
    reg = messages.NewRegistration.from_data(email="eab@acme.test", terms_of_service_agreed=True,
                                             external_account_binding=eab)
    return cl.new_account(reg)


def main():
    with Harness("eab_test") as h:
        h.init()
        h.add_provisioner("eab", 'challenges = ["http-01"]', "require_eab = true")
        h.start()
        url = h.directory("eab")

        k1 = new_key()
        cl, directory = make_client(h, url, k1)
        if directory.meta.external_account_required is not True:
            fail(f"directory {url} lacks meta.externalAccountRequired = true: {directory.to_json()}")
        kid, hmac = h.eab_new("eab")
        h.log(f"EAB kid={kid}")

        expect_error(h, "newAccount without EAB", lambda: new_account(cl, directory, k1),
                     "externalAccountRequired")
        wrong = jose.b64.b64encode(os.urandom(32)).decode()
        expect_error(h, "newAccount with a wrong EAB MAC", lambda: new_account(cl, directory, k1, kid, wrong),
                     "unauthorized")
        expect_error(h, "newAccount with an unknown EAB kid",
                     lambda: new_account(cl, directory, k1, "no-such-kid-" + os.urandom(4).hex(), hmac),
                     "unauthorized")
        other = new_key()
        expect_error(h, "newAccount with an EAB over another account key",
                     lambda: new_account(cl, directory, k1, kid, hmac, eab_key=other),
                     "malformed", "unauthorized", "badPublicKey")

        regr = new_account(cl, directory, k1, kid, hmac)
        if status(regr.body.status) != "valid":
            fail(f"account created with EAB has status {regr.body.status}, expected valid")
        h.log(f"account created with EAB: {regr.uri}")

        # the account works: a newOrder on this provisioner
        key_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        order = cl.new_order(crypto_util.make_csr(key_pem, ["eab.acme.test"]))
        if status(order.body.status) != "pending" or not order.authorizations:
            fail(f"newOrder with the EAB account: unexpected {order.body.to_json()}")
        h.log(f"newOrder with the EAB account OK: {order.uri}")

        # the same key again: the existing account is returned
        cl_again, _ = make_client(h, url, k1)
        try:
            cl_again.new_account(messages.NewRegistration.from_data(only_return_existing=True))
            fail("newAccount onlyReturnExisting for an existing key did not answer 200 + Location")
        except errors.ConflictError as e:
            if e.location != regr.uri:
                fail(f"onlyReturnExisting returned {e.location}, expected {regr.uri}")
        h.log("onlyReturnExisting finds the EAB-bound account")

        # the kid is spent: another account key cannot reuse it
        k2 = new_key()
        cl2, directory2 = make_client(h, url, k2)
        if h.mode == "pebble":
            h.log("pebble does not bind an EAB kid to one account: reuse check skipped in pebble mode")
        else:
            expect_error(h, "second account with the same EAB kid",
                         lambda: new_account(cl2, directory2, k2, kid, hmac), "unauthorized")

        # a fresh kid still works for that second key
        kid2, hmac2 = h.eab_new("eab")
        regr2 = new_account(cl2, directory2, k2, kid2, hmac2)
        if regr2.uri == regr.uri:
            fail("two account keys got the same account URL")
        h.log(f"second account with a fresh kid: {regr2.uri}")

        h.stop()


if __name__ == "__main__":
    main()
