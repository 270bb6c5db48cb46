#!/usr/bin/env python3
"""The authorizing webhook of a device provisioner (docs/webhooks.md) end to end: the real
`attestca serve` asks a webhook this test runs (http.server on 127.0.0.1, in a thread) after an
Apple-format device-attest-01 attestation passed every local check.

Setup: `attestca init`; provisioner "devhook" (device-attest-01, inventory off, apple roots = the
test root of device_attest_apple_test.Pki) with [provisioners.devhook.webhook] url =
http://127.0.0.1:PORT/authorize, allow_insecure_http = true, timeout = "1s", secret_file. The
webhook checks X-Attestca-Signature = sha256=hex(HMAC-SHA256(secret, exact body)) on every call and
answers from a per-case script.

Cases: allow -> certificate issued, the webhook saw the provisioner, account, identifier, format,
identifiers, facts, key hash, chain, timestamp and request id; deny -> refusal carrying the reason;
500 then 200 -> allowed after one retry (2 calls, same signed body); 500 twice -> refused
fail-closed; an answer slower than the timeout -> refused (2 calls); invalid JSON -> refused; a
refused attestation (wrong nonce) never reaches the webhook; with [server] threads = 2 (one webhook
slot) a second device while the slot waits gets 429 rateLimited and its challenge stays pending;
every call carried a valid HMAC; audit lines for each decision.
Environment: ATTESTCA_BIN, ATTESTCA_SRC (unused).
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_python  # noqa: E402

debian_python.require("cbor2", "cryptography")

import hashlib  # noqa: E402
import hmac  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

from harness import Harness, TestFailure  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import (Account, DeviceOrder, Runner, check_cert, expect_refusal, problem,  # noqa: E402
                         spki, wait_valid, run_cases)
from device_attest_apple_test import Pki, att_obj  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

PROV = "/acme/devhook"
SERIAL = "C02WEBHOOK0001"
UDID = "00008103-00WEBHOOK0001"


class Webhook:
    """A scripted authorizing webhook. script: list of (status, body, delay_s), one per call, the
    last repeating. calls: (headers, body bytes, signature_ok) per request received."""

    def __init__(self, secret):
        self.secret = secret
        self.lock = threading.Lock()
        self.script = [(200, {"allow": True}, 0)]
        self.calls = []
        self.bad_signatures = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                want = "sha256=" + hmac.new(hook.secret, body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(self.headers.get("X-Attestca-Signature", ""), want)
                with hook.lock:
                    hook.calls.append((dict(self.headers), body, ok))
                    if not ok:
                        hook.bad_signatures += 1
                    status, answer, delay = hook.script[min(len(hook.calls), len(hook.script)) - 1]
                if not ok:
                    status, answer, delay = 401, {"error": "bad signature"}, 0
                time.sleep(delay)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # attestca gave up (timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self, *script):
        with self.lock:
            self.script = list(script)
            self.calls = []

    def n(self):
        with self.lock:
            return len(self.calls)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run(h, c, pki, hook):
    t = Runner()
    inter_path = os.path.join(h.ca_dir, "intermediate.crt")
    acct = Account(c, PROV)

    def answer(o, dev, token=None):
        leaf = pki.leaf(dev.public_key(), serial=SERIAL, udid=UDID, token=token or o.token, os_version="17.1")
        return o.answer_att(att_obj("apple", [leaf, pki.inter_der()]))

    def valid(o, dev, token=None):
        ch = must(answer(o, dev, token), 200).json()
        if ch.get("status") != "valid":
            raise SetupError(f"challenge answer: {ch}")

    def calls(want):
        if hook.n() != want:
            raise SetupError(f"the webhook saw {hook.n()} call(s), want {want}")

    def allow():
        hook.reset((200, {"allow": True, "reason": "known device"}, 0))
        dev = ec.generate_private_key(ec.SECP256R1())
        o = DeviceOrder(acct, SERIAL)
        valid(o, dev)
        calls(1)
        headers, body, ok = hook.calls[0]
        if not ok:
            raise SetupError("bad HMAC")
        if headers.get("Content-Type") != "application/json":
            raise SetupError(f"Content-Type {headers.get('Content-Type')!r}")
        j = json.loads(body)
        want = {
            "provisioner": "devhook",
            "identifier": {"type": "permanent-identifier", "value": SERIAL},
            "format": "apple",
            "identifiers": [{"kind": "serial", "value": SERIAL}, {"kind": "udid", "value": UDID}],
            "attested_key_spki_sha256": hashlib.sha256(spki(dev.public_key())).hexdigest(),
        }
        for k, v in want.items():
            if j.get(k) != v:
                raise SetupError(f"body {k} = {j.get(k)!r}, want {v!r}")
        if j.get("facts", {}).get("os_version") != "17.1":
            raise SetupError(f"facts {j.get('facts')!r} lack os_version 17.1")
        if j["account"].get("thumbprint") != acct.key.thumbprint() or not acct.url.endswith("/" + j["account"]["id"]):
            raise SetupError(f"account {j['account']!r} is not {acct.url} / {acct.key.thumbprint()}")
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in j.get("chain_pem", [])]
        if len(chain) != 2 or chain[1].subject != pki.inter.subject or spki(chain[0].public_key()) != spki(dev.public_key()):
            raise SetupError(f"chain_pem: {[c.subject.rfc4514_string() for c in chain]}")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j.get("timestamp", "")):
            raise SetupError(f"timestamp {j.get('timestamp')!r}")
        if headers.get("X-Attestca-Timestamp") != j["timestamp"]:
            raise SetupError(f"X-Attestca-Timestamp {headers.get('X-Attestca-Timestamp')!r} != body timestamp")
        if not j.get("request_id") or headers.get("X-Attestca-Request-Id") != j["request_id"]:
            raise SetupError(f"request_id {j.get('request_id')!r} / header {headers.get('X-Attestca-Request-Id')!r}")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order: {o.order}")
        must(o.finalize(dev), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, SERIAL, dev.public_key())
    t.step("allow -> certificate issued; the webhook got the HMAC-signed facts, identifiers, key hash and chain",
           allow)

    def deny():
        hook.reset((200, {"allow": False, "reason": "reported stolen\r\nX-Evil: 1"}, 0))
        o = DeviceOrder(acct, SERIAL)
        detail = expect_refusal(o, answer(o, ec.generate_private_key(ec.SECP256R1())),
                                r"refused by the authorizing webhook: reported stolen\?\?X-Evil: 1$", subproblem=True)
        calls(1)
        return detail
    t.step("deny -> badAttestationStatement + rejectedIdentifier naming the (sanitised) reason", deny)

    def retry_then_allow():
        hook.reset((500, {"error": "busy"}, 0), (200, {"allow": True}, 0))
        valid(DeviceOrder(acct, SERIAL), ec.generate_private_key(ec.SECP256R1()))
        calls(2)
        if hook.calls[0][1] != hook.calls[1][1]:
            raise SetupError("the retry sent a different body")
    t.step("500 then 200 -> allowed after one retry (2 calls, same signed body)", retry_then_allow)

    def refused(script, detail_re, n):
        def go():
            hook.reset(*script)
            o = DeviceOrder(acct, SERIAL)
            start = time.monotonic()
            expect_refusal(o, answer(o, ec.generate_private_key(ec.SECP256R1())), detail_re, subproblem=True)
            calls(n)
            return time.monotonic() - start
        return go
    t.step("500 twice -> refused, fail closed",
           refused([(500, {"error": "down"}, 0)], r"authorizing webhook unavailable: HTTP status 500", 2))
    t.step("answer slower than the 1s timeout -> refused (timeout, 2 attempts)",
           refused([(200, {"allow": True}, 3)], r"authorizing webhook unavailable: timeout", 2))
    t.step("invalid JSON answer -> refused",
           refused([(200, b"allow", 0)], r"authorizing webhook unavailable: the answer is not a JSON object", 2))
    t.step("no boolean allow -> refused",
           refused([(200, {"allow": "yes"}, 0)], r"unavailable: the answer has no boolean \"allow\"", 2))

    def local_refusal_first():
        hook.reset((200, {"allow": True}, 0))
        o = DeviceOrder(acct, SERIAL)
        expect_refusal(o, answer(o, ec.generate_private_key(ec.SECP256R1()), token=o.token + "x"),
                       r"nonce does not match", subproblem=False)
        calls(0)
    t.step("a refused attestation (wrong nonce) never reaches the webhook", local_refusal_first)

    def busy():
        # [server] threads = 2, so at most one webhook call may wait; a second device meanwhile gets
        # rateLimited with its challenge still pending, and succeeds once the webhook is free.
        hook.reset((200, {"allow": True}, 3))
        slow, second = DeviceOrder(acct, SERIAL), DeviceOrder(acct, SERIAL)
        done = {}
        worker = threading.Thread(target=lambda: done.setdefault("r", answer(slow, ec.generate_private_key(ec.SECP256R1()))))
        worker.start()
        try:
            for _ in range(200):
                if hook.n():
                    break
                time.sleep(0.01)
            dev = ec.generate_private_key(ec.SECP256R1())
            problem(answer(second, dev), 429, "rateLimited", r"too many device authorizations in progress")
            ch = must(acct.post(second.authz_url), 200).json()["challenges"][0]
            if ch.get("status") != "pending":
                raise SetupError(f"challenge is {ch.get('status')!r} after rateLimited, want pending")
        finally:
            worker.join()
        expect_refusal(slow, done["r"], r"authorizing webhook unavailable: timeout", subproblem=True)
        hook.reset((200, {"allow": True}, 0))
        valid(second, ec.generate_private_key(ec.SECP256R1()))
    t.step("a second device while the only webhook slot waits -> 429 rateLimited, challenge pending, "
           "valid once the webhook is free", busy)

    def signatures():
        if hook.bad_signatures:
            raise SetupError(f"{hook.bad_signatures} call(s) with a bad X-Attestca-Signature")
    t.step("every webhook call carried a valid X-Attestca-Signature", signatures)

    def audit():
        with open(h.log_path) as fh:
            log = fh.read()
        for decision in ("allow", "deny", "unavailable"):
            if not re.search(r"device webhook decision=" + decision + r" .*provisioner=devhook", log):
                raise SetupError(f"no audit line for decision={decision}")
    t.step("audit lines for allow, deny and unavailable decisions", audit)
    return t


def refuses_short_secret(h):
    """`attestca serve` must not start with an HMAC key under 32 bytes (the config is otherwise valid)."""
    with open(os.path.join(h.ca_dir, "short.secret"), "w") as fh:
        fh.write("x" * 31 + "\n")
    h.set("provisioners.devhook.webhook", "secret_file", '"short.secret"')
    r = subprocess.run([h.bin, "serve", "--config", h.config], capture_output=True, text=True, timeout=30)
    h.set("provisioners.devhook.webhook", "secret_file", '"webhook.secret"')
    if r.returncode == 0 or "at least 32 bytes" not in r.stderr:
        raise TestFailure(f"serve with a 31-byte webhook secret: rc={r.returncode} stderr={r.stderr!r}")
    print("ok   serve refuses a webhook secret shorter than 32 bytes", flush=True)


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: device-attest-01 is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    secret = secrets.token_hex(24).encode()  # 48 bytes
    hook = Webhook(secret)
    try:
        with Harness("device_webhook_test") as h:
            h.init()
            pki = Pki("Test Apple")
            with open(os.path.join(h.ca_dir, "test-apple-root.pem"), "wb") as fh:
                fh.write(pki.root_pem())
            with open(os.path.join(h.ca_dir, "webhook.secret"), "wb") as fh:
                fh.write(secret + b"\n")
            h.add_provisioner("devhook", 'challenges = ["device-attest-01"]',
                              'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "off"')
            h.set("provisioners.devhook.formats.apple", "roots", '["test-apple-root.pem"]')
            h.set("provisioners.devhook.formats.apple", "builtin_roots", "false")
            w = "provisioners.devhook.webhook"
            h.set(w, "url", f'"http://127.0.0.1:{hook.port}/authorize"')
            h.set(w, "allow_insecure_http", "true")
            h.set(w, "secret_file", '"webhook.secret"')
            h.set(w, "timeout", '"1s"')
            h.set("server", "threads", "2")  # one webhook slot: the busy case saturates it
            refuses_short_secret(h)
            h.start()
            run_cases(h, run, pki, hook)
    finally:
        hook.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
