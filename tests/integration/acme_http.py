"""Raw HTTPS requests to a test server, for the hand-driven ACME tests (stdlib only)."""
import http.client
import json
import ssl

JOSE = "application/jose+json"


class SetupError(Exception):
    """A step a test case depends on went wrong (not the behaviour under test)."""


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"HTTP {self.status} {self.body[:400]!r}"


def must(resp, *statuses):
    if resp.status not in statuses:
        raise SetupError(f"expected HTTP {statuses}, got {resp!r}")
    return resp


class HttpsClient:
    """One connection per request to https://127.0.0.1:PORT, trusting cafile."""

    def __init__(self, port, cafile):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.ctx = ssl.create_default_context(cafile=cafile)

    def request(self, method, path, body=None, ctype=JOSE, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        try:
            hdrs = dict(headers or {})
            if ctype is not None and body is not None:
                hdrs["Content-Type"] = ctype
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()
