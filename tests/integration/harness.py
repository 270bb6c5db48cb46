"""Python counterpart of lib.sh for interop tests written with python3-acme.

    with Harness("eab_test") as h:
        h.init()
        h.add_provisioner("eab", 'challenges = ["http-01"]', "require_eab = true")
        h.start()
        url = h.directory("eab")          # https://127.0.0.1:PORT/acme/eab/directory
        kid, hmac_key = h.eab_new("eab")
        ...
        h.stop()                          # SIGTERM, asserts a clean exit 0

Environment: ATTESTCA_BIN, ATTESTCA_SRC. ACME_TEST_SERVER=pebble runs against pebble instead
(one pebble process per provisioner, EAB keys pre-generated) to check the client side.
ATTESTCA_TEST_BACKEND=postgres (with ATTESTCA_TEST_PG_URL, e.g. from scripts/pg-test-cluster) stores
in a fresh PostgreSQL database of the test's own (`attestca init --storage postgres`), dropped when
the test passes; the default is SQLite (attestca.db in the CA folder).
Failures raise TestFailure; the temp dir is kept and logs printed when the test fails.
"""

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request


class TestFailure(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Harness:
    def __init__(self, name):
        self.name = name
        self.mode = os.environ.get("ACME_TEST_SERVER", "attestca")
        self.tmp = tempfile.mkdtemp(prefix=f"attestca-it.{name}.")
        self.ca_dir = os.path.join(self.tmp, "ca")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.proc = None
        self.port = None
        self.config = None
        self.tls_root = None
        self._pebble = {}  # provisioner -> dict(port, mgmt, eab, proc, keys, next)
        self.backend = os.environ.get("ATTESTCA_TEST_BACKEND", "sqlite")
        self.pg_db = None  # the test's own database (backend postgres)
        if self.backend not in ("sqlite", "postgres"):
            fail(f"ATTESTCA_TEST_BACKEND={self.backend!r}: must be sqlite or postgres")
        if self.backend == "postgres" and not os.environ.get("ATTESTCA_TEST_PG_URL"):
            if os.environ.get("ATTESTCA_REQUIRE_PG") == "1":
                fail("ATTESTCA_TEST_BACKEND=postgres needs ATTESTCA_TEST_PG_URL (ATTESTCA_REQUIRE_PG=1)")
            print(f"[{name}] SKIP: ATTESTCA_TEST_BACKEND=postgres without ATTESTCA_TEST_PG_URL", file=sys.stderr)
            shutil.rmtree(self.tmp, ignore_errors=True)
            sys.exit(77)  # ctest SKIP_RETURN_CODE
        if self.mode == "attestca":
            self.bin = os.environ.get("ATTESTCA_BIN")
            if not self.bin or not os.access(self.bin, os.X_OK):
                fail(f"ATTESTCA_BIN={self.bin!r} is not an executable")
        elif not shutil.which("pebble"):
            fail("pebble is not installed")

    # -- context management: keep files + print logs on failure --
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self._kill_all()
        if exc_type is None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self.pg_db:
                self._psql(os.environ["ATTESTCA_TEST_PG_URL"], f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            print(f"[{self.name}] PASS", file=sys.stderr)
            return False
        logs = [self.log_path] + [os.path.join(p["dir"], "pebble.log") for p in self._pebble.values()]
        for f in logs:
            if os.path.exists(f) and os.path.getsize(f):
                with open(f, errors="replace") as fh:
                    lines = fh.read().splitlines()[-60:]
                print(f"\n---- last 60 lines of {f} ----", file=sys.stderr)
                print("\n".join(lines), file=sys.stderr)
        if isinstance(exc, TestFailure):
            print(f"\nFAIL [{self.name}]: {exc}", file=sys.stderr)
        print(f"\n[{self.name}] FAILED; files kept in {self.tmp}", file=sys.stderr)
        if isinstance(exc, TestFailure):
            sys.exit(1)
        return False

    # -- storage backend --
    @staticmethod
    def _psql(url, sql, **variables):
        """Runs sql (psql :'name' placeholders for variables, never pasted values); returns stdout."""
        cmd = ["psql", url, "-X", "-At", "-v", "ON_ERROR_STOP=1"]
        for k, v in variables.items():
            cmd += ["-v", f"{k}={v}"]
        r = subprocess.run(cmd, input=sql, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"psql failed: {r.stderr.strip()}")
        return r.stdout

    def _storage_args(self):
        if self.backend != "postgres":
            return []
        base = os.environ["ATTESTCA_TEST_PG_URL"]
        self.pg_db = "it_" + re.sub(r"[^a-z0-9]", "_", self.name.lower()) + "_" + secrets.token_hex(4)
        self._psql(base, f'CREATE DATABASE "{self.pg_db}"')
        head, _, query = base.partition("?")
        url = head.rsplit("/", 1)[0] + "/" + self.pg_db + ("?" + query if query else "")
        self.log(f"storage: PostgreSQL database {self.pg_db}")
        return ["--storage", "postgres", "--db-url", url]

    def db_value(self, sql, value):
        """The first column of the first row of sql (one `?` placeholder bound to value), on whichever
        backend the CA stores in; None if there is no row."""
        if self.backend == "postgres":
            base = os.environ["ATTESTCA_TEST_PG_URL"]
            head, _, query = base.partition("?")
            url = head.rsplit("/", 1)[0] + "/" + self.pg_db + ("?" + query if query else "")
            out = self._psql(url, sql.replace("?", ":'v'") + ";\n", v=value)
            return out.rstrip("\n") if out else None
        import sqlite3
        db = sqlite3.connect(f"file:{os.path.join(self.ca_dir, 'attestca.db')}?mode=ro", uri=True)
        try:
            row = db.execute(sql, (value,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None

    def log(self, msg):
        print(f"== [{self.name}] {msg}", file=sys.stderr, flush=True)

    # -- CA lifecycle --
    def init(self, *extra):
        self.port = free_port()
        if self.mode == "attestca":
            http_port = free_port()
            cmd = [self.bin, "init", "--dir", self.ca_dir, "--name", f"attestca interop {self.name}",
                   "--listen", f"127.0.0.1:{self.port}", "--http-listen", f"127.0.0.1:{http_port}",
                   "--dns-name", "localhost", "--dns-name", "127.0.0.1", *self._storage_args(), *extra]
            self.log(" ".join(cmd))
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"attestca init failed (rc={r.returncode}): {r.stdout}{r.stderr}")
            files = ["attestca.toml", "root.crt", "intermediate.crt", "tls.crt", "tls.key"]
            if self.backend == "sqlite":
                files.append("attestca.db")
            for f in files:
                if not os.path.exists(os.path.join(self.ca_dir, f)):
                    fail(f"attestca init did not create {f}")
            self.config = os.path.join(self.ca_dir, "attestca.toml")
            self.tls_root = os.path.join(self.ca_dir, "root.crt")
        else:
            os.makedirs(self.ca_dir)
            d = self.ca_dir
            run = lambda *a: subprocess.run(a, check=True, capture_output=True)
            run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", "/CN=pebble test TLS root", "-keyout", f"{d}/tls-root.key",
                "-out", f"{d}/tls-root.crt")
            run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=localhost", "-keyout", f"{d}/tls.key", "-out", f"{d}/tls.csr")
            with open(f"{d}/ext", "w") as fh:
                fh.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
            run("openssl", "x509", "-req", "-in", f"{d}/tls.csr", "-CA", f"{d}/tls-root.crt", "-CAkey",
                f"{d}/tls-root.key", "-days", "2", "-out", f"{d}/tls.crt", "-extfile", f"{d}/ext")
            self.tls_root = f"{d}/tls-root.crt"
            self._pebble["acme"] = {"port": self.port, "eab": False}

    def set(self, section, key, value):
        """Replace `key = ...` (or the commented `# key = ...`) in [section]; value is a TOML literal."""
        if self.mode != "attestca":
            return
        with open(self.config) as fh:
            lines = fh.read().split("\n")
        header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
        start = next((i for i, l in enumerate(lines) if (m := header.match(l)) and m.group(1) == section), None)
        new = f"{key} = {value}"
        if start is None:
            lines += ["", f"[{section}]", new, ""]
        else:
            end = next((j for j in range(start + 1, len(lines)) if header.match(lines[j])), len(lines))
            pat = re.compile(r"^\s*(#\s*)?" + re.escape(key) + r"\s*=")
            cands = [j for j in range(start + 1, end) if pat.match(lines[j])]
            active = [j for j in cands if not lines[j].lstrip().startswith("#")]
            if active or cands:
                lines[(active or cands)[0]] = new
            else:
                lines.insert(start + 1, new)
        with open(self.config, "w") as fh:
            fh.write("\n".join(lines))

    def add_provisioner(self, name, *lines):
        if self.mode != "attestca":
            self._pebble[name] = {"port": free_port(),
                                  "eab": any(re.match(r"require_eab\s*=\s*true", l) for l in lines)}
            return
        with open(self.config, "a") as fh:
            fh.write(f"\n[provisioners.{name}]\n" + "".join(l + "\n" for l in lines))

    def directory(self, prov="acme"):
        if self.mode == "attestca":
            return f"https://127.0.0.1:{self.port}/acme/{prov}/directory"
        return f"https://127.0.0.1:{self._pebble[prov]['port']}/dir"

    def _get(self, url, cafile=None, insecure=False):
        ctx = ssl.create_default_context(cafile=cafile or self.tls_root)
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(url, context=ctx, timeout=2) as r:
            return r.status, r.read()

    def _wait_ready(self, url, proc, what):
        for _ in range(100):
            if proc.poll() is not None:
                fail(f"{what} exited (rc={proc.returncode}) before it was ready")
            try:
                if self._get(url)[0] == 200:
                    self.log(f"ready: {url}")
                    return
            except Exception:
                pass
            time.sleep(0.2)
        fail(f"{what} was not ready after 20 s ({url})")

    def start(self):
        if self.mode != "attestca":
            return self._pebble_start()
        self.log(f"attestca serve --config {self.config} (log: {self.log_path})")
        self._logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([self.bin, "serve", "--config", self.config],
                                     stdout=self._logf, stderr=subprocess.STDOUT)
        self._wait_ready(self.directory("acme"), self.proc, "attestca serve")

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fail("attestca serve did not stop within 10 s of SIGTERM")
        self.proc = None
        if rc != 0:
            fail(f"attestca serve exited with status {rc} after SIGTERM (expected a clean 0)")
        self.log("attestca serve stopped cleanly")

    def _kill_all(self):
        procs = [self.proc] + [p.get("proc") for p in self._pebble.values()]
        for p in procs:
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def eab_new(self, prov):
        """Returns (kid, hmac_key_base64url)."""
        if self.mode != "attestca":
            p = self._pebble[prov]
            kid = f"kid-{p['next']}"
            p["next"] += 1
            return kid, p["keys"][kid]
        r = subprocess.run([self.bin, "eab", "new", "--config", self.config, "--provisioner", prov],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"attestca eab new failed (rc={r.returncode}): {r.stdout}{r.stderr}")
        kid = re.search(r"^kid:\s*(\S+)", r.stdout, re.M)
        key = re.search(r"^hmac_key:\s*(\S+)", r.stdout, re.M)
        if not kid or not key:
            fail(f"attestca eab new: no 'kid:'/'hmac_key:' lines in: {r.stdout!r}")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", key.group(1)):
            fail(f"eab new: hmac_key {key.group(1)!r} is not base64url")
        return kid.group(1), key.group(1)

    def _pebble_start(self):
        for name, p in self._pebble.items():
            p["dir"] = os.path.join(self.ca_dir, f"pebble-{name}")
            os.makedirs(p["dir"], exist_ok=True)
            p["mgmt"] = free_port()
            p["keys"] = {f"kid-{i}": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
                         for i in range(8)} if p["eab"] else {}
            p["next"] = 0
            cfg = {"pebble": {"listenAddress": f"127.0.0.1:{p['port']}",
                              "managementListenAddress": f"127.0.0.1:{p['mgmt']}",
                              "certificate": f"{self.ca_dir}/tls.crt", "privateKey": f"{self.ca_dir}/tls.key",
                              "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "",
                              "externalAccountBindingRequired": p["eab"],
                              "externalAccountMACKeys": p["keys"]}}
            with open(f"{p['dir']}/pebble.json", "w") as fh:
                json.dump(cfg, fh)
            env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0")
            logf = open(f"{p['dir']}/pebble.log", "w")
            p["proc"] = subprocess.Popen(["taskset", "-c", "0", "pebble", "-config", f"{p['dir']}/pebble.json"],
                                         stdout=logf, stderr=subprocess.STDOUT, env=env)
            self._wait_ready(self.directory(name), p["proc"], f"pebble ({name})")
