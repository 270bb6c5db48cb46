#!/usr/bin/env python3
"""Crash safety: `kill -9` during concurrent issuance loses no certificate and strands no order.

Against the real `attestca serve` (SQLite or, with ATTESTCA_TEST_BACKEND=postgres, PostgreSQL),
with `[acme] processing_timeout = "2s"`:
  8 client threads issue certificates (new order for 127.0.0.1, http-01 answered by the test,
  finalize, download) in a loop; once some have been received the server is killed with SIGKILL
  while the others are mid-flight;
  every other ready order is then put in `processing`, as a finalize that the kill cut short leaves
  it (the kill rarely lands in that millisecond window by itself), and the server is restarted on
  the same database;
  every certificate any client received is in `attestca cert list --json`, answers `good` over
  `openssl ocsp` and chains to the root (`openssl verify`);
  within a few recovery intervals no order is in `processing`; the interrupted orders are invalid
  with a serverInternal problem saying finalization was interrupted, and the client that owned one
  issues with a new order.
Environment: ATTESTCA_BIN, ATTESTCA_SRC (unused).
"""
import http.server
import json
import os
import re
import signal
import socketserver
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_python  # noqa: E402

debian_python.require("cryptography")

from harness import Harness, fail, free_port  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import Account, Client  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
import ipaddress  # noqa: E402

PROV = "/acme/acme"
THREADS = 8
KILL_AFTER = 12  # certificates received before the kill: the load is in full swing by then
IP = "127.0.0.1"


class Http01(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Answers http-01 for every token the clients registered."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        self.tokens = {}

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(h):  # noqa: N805
                prefix = "/.well-known/acme-challenge/"
                body = self.tokens.get(h.path[len(prefix):]) if h.path.startswith(prefix) else None
                data = (body or "").encode()
                h.send_response(200 if body is not None else 404)
                h.send_header("Content-Length", str(len(data)))
                h.end_headers()
                h.wfile.write(data)

            def log_message(h, *a):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", port), H)


def csr_der(priv):
    b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(IP))]), critical=False)
    return b.sign(priv, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def b64u(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def poll(acct, url, done, what, timeout=30):
    deadline = time.time() + timeout
    while True:
        obj = must(acct.post(url), 200).json()
        if done(obj):
            return obj
        if time.time() > deadline:
            raise SetupError(f"{what} did not settle: {obj}")
        time.sleep(0.1)


def ready_order(acct, http01, on_order=None):
    """A new order for IP, validated over http-01; returns (order URL, order)."""
    r = must(acct.new_order([{"type": "ip", "value": IP}]), 201)
    url, order = r.headers["location"], r.json()
    if on_order:
        on_order(url)
    authz_url = order["authorizations"][0]
    authz = must(acct.post(authz_url), 200).json()
    ch = next(c for c in authz["challenges"] if c["type"] == "http-01")
    http01.tokens[ch["token"]] = ch["token"] + "." + acct.key.thumbprint()
    must(acct.post(ch["url"], {}), 200)
    authz = poll(acct, authz_url, lambda a: a["status"] != "pending", "authorization")
    if authz["status"] != "valid":
        raise SetupError(f"authorization failed: {authz}")
    order = poll(acct, url, lambda o: o["status"] != "pending", "order")
    return url, order


def issue(acct, http01, on_order=None):
    """Issues one certificate; returns the PEM chain the client received."""
    url, order = ready_order(acct, http01, on_order)
    priv = ec.generate_private_key(ec.SECP256R1())
    must(acct.post(order["finalize"], {"csr": b64u(csr_der(priv))}), 200)
    order = poll(acct, url, lambda o: o["status"] not in ("ready", "processing"), "finalized order")
    if order["status"] != "valid":
        raise SetupError(f"order is {order['status']}: {order}")
    return must(acct.post(order["certificate"]), 200).body


class Load:
    """THREADS clients issuing until the server goes away."""

    def __init__(self, h, http01):
        self.h, self.http01 = h, http01
        self.lock = threading.Lock()
        self.received = []  # PEM chains
        self.orders = {}  # order id -> (account, order URL), every order a client created
        self.errors = []  # errors before the kill (a failure of the test)
        self.killed = threading.Event()
        self.enough = threading.Event()

    def client(self):
        try:
            acct = Account(Client(self.h.port, self.h.tls_root), PROV)
        except Exception as e:  # noqa: BLE001
            with self.lock:
                self.errors.append(f"new account: {e}")
            return
        def note_order(url):
            with self.lock:
                self.orders[url.rsplit("/", 1)[1]] = (acct, url)

        while not self.killed.is_set():
            try:
                pem = issue(acct, self.http01, note_order)
            except Exception as e:  # noqa: BLE001
                if not self.killed.is_set():
                    with self.lock:
                        self.errors.append(repr(e))
                return
            with self.lock:
                self.received.append(pem)
                if len(self.received) >= KILL_AFTER:
                    self.enough.set()


def db_exec(h, sql, *values):
    """Runs one statement (`?` placeholders) on the CA's database; returns the rows."""
    if h.backend == "postgres":
        base = os.environ["ATTESTCA_TEST_PG_URL"]
        head, _, query = base.partition("?")
        url = head.rsplit("/", 1)[0] + "/" + h.pg_db + ("?" + query if query else "")
        parts = sql.split("?")
        text = parts[0] + "".join(f":'v{i}'" + p for i, p in enumerate(parts[1:]))
        out = h._psql(url, text + ";\n", **{f"v{i}": v for i, v in enumerate(values)})
        return [line.split("|") for line in out.splitlines() if line]
    import sqlite3
    db = sqlite3.connect(os.path.join(h.ca_dir, "attestca.db"), timeout=10)
    try:
        with db:
            return [list(map(str, r)) for r in db.execute(sql, values).fetchall()]
    finally:
        db.close()


def http_port(h):
    with open(h.config) as fh:
        return re.search(r'http_listen\s*=\s*"127\.0\.0\.1:(\d+)"', fh.read()).group(1)


def check_received(h, received):
    """Every certificate a client received: listed, OCSP good, chains to the root."""
    rc = subprocess.run([h.bin, "cert", "list", "--json", "--config", h.config], capture_output=True, text=True)
    if rc.returncode != 0:
        fail(f"attestca cert list: {rc.stdout}{rc.stderr}")
    listed = {int(c["serial"], 16) for c in json.loads(rc.stdout)}
    root, inter = os.path.join(h.ca_dir, "root.crt"), os.path.join(h.ca_dir, "intermediate.crt")
    for i, pem in enumerate(received):
        leaf = x509.load_pem_x509_certificates(pem)[0]
        if leaf.serial_number not in listed:
            fail(f"certificate serial {leaf.serial_number:x} was received but is not in the database")
        path = os.path.join(h.tmp, f"received-{i}.pem")
        with open(path, "wb") as fh:
            fh.write(leaf.public_bytes(serialization.Encoding.PEM))
        v = subprocess.run(["openssl", "verify", "-CAfile", root, "-untrusted", inter, path],
                           capture_output=True, text=True)
        if v.returncode != 0 or f"{path}: OK" not in v.stdout:
            fail(f"openssl verify of serial {leaf.serial_number:x}: {v.stdout}{v.stderr}")
        o = subprocess.run(["openssl", "ocsp", "-issuer", inter, "-cert", path, "-url",
                            f"http://127.0.0.1:{http_port(h)}/ocsp", "-CAfile", root, "-no_nonce"],
                           capture_output=True, text=True)
        out = o.stdout + o.stderr
        if o.returncode != 0 or "Response verify OK" not in out or f"{path}: good" not in out:
            fail(f"openssl ocsp for serial {leaf.serial_number:x}: {out}")
    h.log(f"{len(received)} received certificate(s): in the database, OCSP good, chain OK")


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: crash_test kills attestca itself (ACME_TEST_SERVER is set)")
        return 0
    with Harness("crash_test") as h:
        h.init()
        port = free_port()
        http01 = Http01(port)
        threading.Thread(target=http01.serve_forever, daemon=True).start()
        h.set("validation", "http01_port", str(port))
        h.set("acme", "processing_timeout", '"2s"')
        h.start()

        load = Load(h, http01)
        threads = [threading.Thread(target=load.client, daemon=True) for _ in range(THREADS)]
        for t in threads:
            t.start()
        if not load.enough.wait(timeout=120):
            fail(f"only {len(load.received)} certificate(s) in 120 s; errors: {load.errors[:3]}")
        # One client is about to finalize when the kill comes: its order is surely ready.
        stalled = Account(Client(h.port, h.tls_root), PROV)
        stalled_url, _ = ready_order(stalled, http01)
        load.orders[stalled_url.rsplit("/", 1)[1]] = (stalled, stalled_url)
        load.killed.set()
        h.proc.send_signal(signal.SIGKILL)
        h.proc.wait()
        h.proc = None
        h.log(f"attestca serve killed (SIGKILL) after {len(load.received)} certificate(s)")
        for t in threads:
            t.join(timeout=60)
        if load.errors:
            fail(f"client errors before the kill: {load.errors[:3]}")
        received = list(load.received)

        stranded = [r[0] for r in db_exec(h, "SELECT id FROM orders WHERE status = ?", "processing")]
        h.log(f"orders left processing by the kill itself: {len(stranded)}")
        # Ready orders whose finalize the kill cut short, as it leaves them (processing, stamped now).
        now = str(int(time.time()))
        ready_ids = [r[0] for r in db_exec(h, "SELECT id FROM orders WHERE status = ?", "ready")]
        for oid in ready_ids:
            db_exec(h, "UPDATE orders SET status = 'processing', processing_since = CAST(? AS BIGINT) WHERE id = ?",
                    now, oid)
        interrupted = stranded + ready_ids
        h.log(f"{len(ready_ids)} ready order(s) put in processing; {len(interrupted)} interrupted in all")
        if stalled_url.rsplit("/", 1)[1] not in interrupted:
            fail(f"the stalled client's order {stalled_url} was not ready at the kill")

        os.rename(h.log_path, h.log_path + ".before-kill")
        h.start()
        check_received(h, received)

        deadline = time.time() + 20
        while db_exec(h, "SELECT id FROM orders WHERE status = ?", "processing"):
            if time.time() > deadline:
                fail("orders still processing 20 s after restart (processing_timeout = 2s)")
            time.sleep(0.5)
        h.log("no order is processing after the recovery pass")

        by_url = load.orders
        checked = 0
        for oid in interrupted:
            row = db_exec(h, "SELECT status, error FROM orders WHERE id = ?", oid)[0]
            if row[0] != "invalid":
                fail(f"interrupted order {oid} is {row[0]}, not invalid")
            if oid in by_url:  # what its client sees over ACME
                acct, url = by_url[oid]
                order = must(acct.post(url), 200).json()
                err = order.get("error", {})
                if (order["status"] != "invalid" or err.get("type") != "urn:ietf:params:acme:error:serverInternal"
                        or "finalization was interrupted" not in err.get("detail", "")):
                    fail(f"interrupted order {oid} over ACME: {order}")
                checked += 1
        h.log(f"{len(interrupted)} interrupted order(s) invalid (serverInternal); {checked} checked over ACME")
        if checked == 0:
            fail("no interrupted order could be read back over ACME by its client")

        # A client whose order was interrupted starts over; its new certificate is sound too.
        acct = by_url[interrupted[0]][0] if interrupted[0] in by_url else Account(Client(h.port, h.tls_root), PROV)
        pem = issue(acct, http01)
        check_received(h, [pem])
        h.stop()
        http01.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
