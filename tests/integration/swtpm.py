"""A software TPM 2.0 (swtpm on libtpms) on loopback for the `tpm` device-attest-01 test, driven the way
a real device agent drives its TPM: tpm2-tools for keys, a raw TPM2_Certify command through
`tpm2_send` (tpm2_certify in tpm2-tools 5.4 cannot pass qualifyingData), and OpenSSL's tpm2 provider
(tpm2-openssl) to sign the CSR inside the TPM.

    with Swtpm(state_dir) as tpm:
        tpm.create_ek()
        ak = tpm.create_ak(AK_ECC_HANDLE, "ecc")           # restricted signing key under the EK
        key = tpm.create_key(KEY_ECC_HANDLE, "ecc")        # fixedTPM|fixedParent|sensitiveDataOrigin|sign
        cert_info, sig = tpm.certify(key, ak, sha256(key_authorization))
        csr = tpm.csr_der(key, "device-1")

Every object is made persistent (tpm2_evictcontrol) and the transient slots flushed after each tool:
swtpm has no resource manager, so what a tool leaves loaded stays loaded (3 slots).
The emulator dies with this process (PR_SET_PDEATHSIG) and is stopped by __exit__ in every path.
"""
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

from acme_http import SetupError

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

# TPM 2.0 Part 2 constants used here.
TPM_ST_SESSIONS = 0x8002
TPM_CC_CERTIFY = 0x00000148
TPM_RS_PW = 0x40000009
TPM_ALG_RSASSA = 0x0014
TPM_ALG_ECDSA = 0x0018
TPM_ALG_SHA256 = 0x000B
TPM_GENERATED_VALUE = 0xFF544347
TPM_ST_ATTEST_CERTIFY = 0x8017

EK_HANDLE = 0x81010001
SRK_HANDLE = 0x81000001

# Attributes of the certified (attested) key: generated in and bound to this TPM, unrestricted signing.
KEY_ATTRIBUTES = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"


class TpmKey:
    """A persistent TPM key: handle, "ecc" or "rsa", and its COSE alg when it signs attestations."""

    def __init__(self, tpm, handle, kind):
        self.handle = handle
        self.kind = kind
        self.cose_alg = -7 if kind == "ecc" else -257  # ES256 / RS256
        self.pub_area = tpm.public_area(handle)
        self.public_key = serialization.load_pem_public_key(tpm.public_pem(handle))
        # Name = nameAlg || H(TPMT_PUBLIC); tpm2-tools makes every object here with nameAlg SHA-256.
        self.name = b"\x00\x0b" + hashlib.sha256(self.pub_area).digest()


def _free_port_pair():
    """Two consecutive free loopback ports: the swtpm TCTI talks to the control channel on port + 1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port, port + 1
    raise SetupError("no two consecutive free loopback ports for swtpm")


def _die_with_parent():
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Swtpm:
    def __init__(self, state_dir):
        for tool in ("swtpm", "tpm2_send", "tpm2_createak", "openssl"):
            if not shutil.which(tool):
                raise SetupError(f"{tool} is not installed (scripts/install-deps test installs swtpm, "
                                 "tpm2-tools, tpm2-openssl)")
        self.dir = state_dir
        self.proc = None
        self.port = None
        self.env = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()  # __exit__ does not run when __enter__ raises
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- emulator lifecycle ------------------------------------------------------------------
    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        self.port, ctrl = _free_port_pair()
        tcti = f"swtpm:host=127.0.0.1,port={self.port}"
        self.env = dict(os.environ, TPM2TOOLS_TCTI=tcti, TPM2OPENSSL_TCTI=tcti)
        self._log = open(os.path.join(self.dir, "swtpm.log"), "w")
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={self.dir}",
             "--server", f"type=tcp,port={self.port},bindaddr=127.0.0.1",
             "--ctrl", f"type=tcp,port={ctrl},bindaddr=127.0.0.1",
             "--flags", "not-need-init,startup-clear"],
            stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        last = ""
        for _ in range(100):
            if self.proc.poll() is not None:
                raise SetupError(f"swtpm exited with {self.proc.returncode} (log: {self.dir}/swtpm.log)")
            r = subprocess.run(["tpm2_getcap", "properties-fixed"], env=self.env, capture_output=True, timeout=30)
            if r.returncode == 0:
                self.fixed = r.stdout.decode()
                return
            last = r.stderr.decode(errors="replace")
            time.sleep(0.1)
        raise SetupError(f"swtpm did not answer tpm2_getcap after 100 tries: {last}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._log.close()

    # -- tools ---------------------------------------------------------------------------------
    def tool(self, *args, stdin=None):
        r = subprocess.run(list(args), env=self.env, capture_output=True, input=stdin, timeout=60)
        if r.returncode != 0:
            raise SetupError(f"{' '.join(args)}: rc={r.returncode} {r.stderr.decode(errors='replace')[-600:]}")
        return r.stdout

    def flush(self):
        self.tool("tpm2_flushcontext", "-t")
        self.tool("tpm2_flushcontext", "-s")

    def property(self, name):
        """A TPM2_PT_* fixed property's raw value (int), from tpm2_getcap properties-fixed."""
        lines = self.fixed.splitlines()
        for i, line in enumerate(lines):
            if line.strip() == name + ":" and i + 1 < len(lines) and "raw:" in lines[i + 1]:
                return int(lines[i + 1].split("raw:")[1].strip(), 0)
        raise SetupError(f"tpm2_getcap properties-fixed has no {name}")

    def public_pem(self, handle):
        """The SubjectPublicKeyInfo PEM of a loaded object, as `tpm2_readpublic -f pem` writes it."""
        path = os.path.join(self.dir, f"pub-{handle:x}.pem")
        self.tool("tpm2_readpublic", "-c", hex(handle), "-f", "pem", "-o", path)
        with open(path, "rb") as fh:
            return fh.read()

    def public_area(self, handle):
        """TPMT_PUBLIC bytes of a loaded object (tpm2_readpublic writes a TPM2B_PUBLIC)."""
        path = os.path.join(self.dir, f"pub-{handle:x}.tpm2b")
        self.tool("tpm2_readpublic", "-c", hex(handle), "-o", path)
        with open(path, "rb") as fh:
            b = fh.read()
        (size,) = struct.unpack(">H", b[:2])
        if size != len(b) - 2:
            raise SetupError(f"TPM2B_PUBLIC of {handle:#x}: size {size}, {len(b) - 2} bytes follow")
        return b[2:]

    # -- objects -------------------------------------------------------------------------------
    def create_ek(self):
        self.tool("tpm2_createek", "-c", hex(EK_HANDLE), "-G", "rsa", "-u", os.path.join(self.dir, "ek.pub"))
        self.flush()
        ctx = os.path.join(self.dir, "srk.ctx")
        self.tool("tpm2_createprimary", "-C", "o", "-G", "ecc256", "-c", ctx)
        self.tool("tpm2_evictcontrol", "-C", "o", "-c", ctx, hex(SRK_HANDLE))
        self.flush()

    def create_ak(self, handle, kind):
        """An attestation key under the EK (restricted signing, ECDSA or RSASSA with SHA-256)."""
        ctx = os.path.join(self.dir, f"ak-{handle:x}.ctx")
        self.tool("tpm2_createak", "-C", hex(EK_HANDLE), "-c", ctx, "-G", "ecc" if kind == "ecc" else "rsa",
                  "-g", "sha256", "-s", "ecdsa" if kind == "ecc" else "rsassa",
                  "-u", os.path.join(self.dir, f"ak-{handle:x}.pub"))
        self.tool("tpm2_evictcontrol", "-C", "o", "-c", ctx, hex(handle))
        self.flush()
        return TpmKey(self, handle, kind)

    def create_key(self, handle, kind):
        """A TPM-generated unrestricted signing key (ECC P-256 or RSA 2048) under the SRK, persisted."""
        base = os.path.join(self.dir, f"key-{handle:x}")
        self.tool("tpm2_create", "-C", hex(SRK_HANDLE), "-G", "ecc256" if kind == "ecc" else "rsa2048",
                  "-a", KEY_ATTRIBUTES, "-u", base + ".pub", "-r", base + ".priv")
        self.tool("tpm2_load", "-C", hex(SRK_HANDLE), "-u", base + ".pub", "-r", base + ".priv", "-c", base + ".ctx")
        self.tool("tpm2_evictcontrol", "-C", "o", "-c", base + ".ctx", hex(handle))
        self.flush()
        return TpmKey(self, handle, kind)

    def import_key(self, handle, private_pem):
        """A key made outside the TPM, imported under the SRK (tpm2_import leaves fixedTPM, fixedParent
        and sensitiveDataOrigin clear, as TPM2_Import requires), persisted: what a verifier must refuse."""
        base = os.path.join(self.dir, f"imported-{handle:x}")
        with open(base + ".pem", "wb") as fh:
            fh.write(private_pem)
        self.tool("tpm2_import", "-C", hex(SRK_HANDLE), "-G", "ecc", "-i", base + ".pem",
                  "-u", base + ".pub", "-r", base + ".priv")
        self.tool("tpm2_load", "-C", hex(SRK_HANDLE), "-u", base + ".pub", "-r", base + ".priv", "-c", base + ".ctx")
        self.tool("tpm2_evictcontrol", "-C", "o", "-c", base + ".ctx", hex(handle))
        self.flush()
        return TpmKey(self, handle, "ecc")

    # -- TPM2_Certify ----------------------------------------------------------------------------
    def certify(self, obj, ak, qualifying_data):
        """TPM2_Certify(objectHandle=obj, signHandle=ak, qualifyingData) sent raw; returns
        (certInfo = TPMS_ATTEST bytes, sig = the attStmt "sig": bare RSASSA signature or DER ECDSA)."""
        scheme = TPM_ALG_ECDSA if ak.kind == "ecc" else TPM_ALG_RSASSA
        pw = struct.pack(">IHBH", TPM_RS_PW, 0, 0, 0)  # empty password session (both keys: no authValue)
        body = (struct.pack(">II", obj.handle, ak.handle) + struct.pack(">I", 2 * len(pw)) + pw + pw
                + struct.pack(">H", len(qualifying_data)) + qualifying_data + struct.pack(">HH", scheme, TPM_ALG_SHA256))
        cmd = struct.pack(">HII", TPM_ST_SESSIONS, 10 + len(body), TPM_CC_CERTIFY) + body
        rsp = self.tool("tpm2_send", stdin=cmd)
        cert_info, sig = parse_certify_response(rsp)
        check_certify(cert_info, sig, obj, ak, qualifying_data)
        return cert_info, sig

    # -- CSR signed inside the TPM -------------------------------------------------------------
    def csr_der(self, key, cn):
        return self.tool("openssl", "req", "-new", "-provider", "tpm2", "-provider", "default",
                         "-key", f"handle:{key.handle:#x}", "-subj", f"/CN={cn}", "-sha256", "-outform", "DER")


class _Reader:
    def __init__(self, b):
        self.b = b
        self.i = 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise SetupError(f"TPM response truncated at {self.i} (+{n}) of {len(self.b)}: {self.b.hex()}")
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def tpm2b(self):
        return self.take(self.u16())


def parse_certify_response(rsp):
    r = _Reader(rsp)
    tag, size, rc = r.u16(), r.u32(), r.u32()
    if rc != 0:
        raise SetupError(f"TPM2_Certify failed: TPM_RC {rc:#x}")
    if tag != TPM_ST_SESSIONS or size != len(rsp):
        raise SetupError(f"TPM2_Certify response tag {tag:#x} size {size} (got {len(rsp)} bytes)")
    r.u32()  # parameterSize
    cert_info = r.tpm2b()
    sig_alg, hash_alg = r.u16(), r.u16()
    if hash_alg != TPM_ALG_SHA256:
        raise SetupError(f"TPM2_Certify signed with hash {hash_alg:#x}, asked for SHA-256")
    if sig_alg == TPM_ALG_ECDSA:
        rr, ss = r.tpm2b(), r.tpm2b()
        sig = utils.encode_dss_signature(int.from_bytes(rr, "big"), int.from_bytes(ss, "big"))
    elif sig_alg == TPM_ALG_RSASSA:
        sig = r.tpm2b()
    else:
        raise SetupError(f"TPM2_Certify signature algorithm {sig_alg:#x}")
    return cert_info, sig


def certify_fields(cert_info):
    """The TPMS_ATTEST fields a verifier reads: magic, type, extraData, attested name; also the
    offset of clockInfo (a byte that can be flipped without breaking the structure)."""
    r = _Reader(cert_info)
    magic, typ = r.u32(), r.u16()
    r.tpm2b()  # qualifiedSigner
    extra = r.tpm2b()
    clock_at = r.i
    r.take(17 + 8)  # clockInfo, firmwareVersion
    name = r.tpm2b()
    r.tpm2b()  # qualifiedName
    if r.i != len(cert_info):
        raise SetupError(f"TPMS_ATTEST has {len(cert_info) - r.i} trailing bytes")
    return {"magic": magic, "type": typ, "extra_data": extra, "name": name, "clock_at": clock_at}


def check_certify(cert_info, sig, obj, ak, qualifying_data):
    """The client's own check that what it sends is right (so a refusal is the verifier's finding)."""
    f = certify_fields(cert_info)
    if f["magic"] != TPM_GENERATED_VALUE or f["type"] != TPM_ST_ATTEST_CERTIFY:
        raise SetupError(f"certInfo magic {f['magic']:#x} type {f['type']:#x}")
    if f["extra_data"] != qualifying_data or f["name"] != obj.name:
        raise SetupError("certInfo extraData/name are not the qualifying data / the key's name")
    try:
        if ak.kind == "ecc":
            ak.public_key.verify(sig, cert_info, ec.ECDSA(hashes.SHA256()))
        else:
            ak.public_key.verify(sig, cert_info, padding.PKCS1v15(), hashes.SHA256())
    except Exception as e:  # noqa: BLE001
        raise SetupError(f"the AK signature over certInfo does not verify: {type(e).__name__} {e}")
