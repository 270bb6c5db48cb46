#!/usr/bin/env bash
# `attestca profile apple` on a fresh CA: the configuration profile parsed with Python's plistlib
# (every payload key and value; the root payload's data is the DER of root.crt), the declarative
# com.apple.credential.acme JSON, a custom --subject with XML specials, and the refusals (unknown
# provisioner, a provisioner without device-attest-01, an existing --out, a bad --client-id).
. "$(dirname "$0")/lib.sh"
if [[ "$ACME_TEST_SERVER" != attestca ]]; then
  log "profiles are attestca's own; nothing to check against $ACME_TEST_SERVER"
  exit 0
fi

ca_init
EXTERNAL_URL="https://ca.example.test:9443"
ca_set server external_url "\"$EXTERNAL_URL\""
OUT="$TEST_TMP/out.txt"
ROOT_DER="$TEST_TMP/root.der"
openssl x509 -in "$CA_DIR/root.crt" -outform DER -out "$ROOT_DER"

prof() { "$ATTESTCA_BIN" profile apple --config "$CA_CONFIG" "$@"; }

# expect_rc RC DESCRIPTION CMD...: CMD must exit with RC; its output is left in $OUT
expect_rc() {
  local want=$1 what=$2 rc=0
  shift 2
  "$@" >"$OUT" 2>&1 || rc=$?
  if [[ $rc -ne $want ]]; then
    cat "$OUT" >&2
    fail "$what: exit status $rc, expected $want ($*)"
  fi
  log "$what: exit $rc"
}

file_mode() { stat -c %a "$1"; }

# check_plist FILE CLIENT_ID KEY_SIZE SUBJECT_JSON
check_plist() {
  /usr/bin/python3 - "$1" "$2" "$3" "$4" "$ROOT_DER" "$EXTERNAL_URL/acme/devices/directory" <<'PY' ||
import json, plistlib, re, sys
path, client_id, key_size, subject_json, root_der_path, directory = sys.argv[1:]
with open(path, "rb") as f:
    p = plistlib.load(f, fmt=plistlib.FMT_XML)
uuid_re = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")
def eq(what, got, want):
    if got != want or type(got) is not type(want):
        sys.exit(f"{what}: got {got!r}, want {want!r}")
eq("PayloadType", p["PayloadType"], "Configuration")
eq("PayloadVersion", p["PayloadVersion"], 1)
eq("PayloadIdentifier", p["PayloadIdentifier"], f"attestca.devices.{client_id}")
assert uuid_re.match(p["PayloadUUID"]), p["PayloadUUID"]
assert isinstance(p["PayloadDisplayName"], str) and p["PayloadDisplayName"], p
content = p["PayloadContent"]
eq("number of payloads", len(content), 2)
root, acme = content
eq("root PayloadType", root["PayloadType"], "com.apple.security.root")
eq("root PayloadContent", root["PayloadContent"], open(root_der_path, "rb").read())
eq("root PayloadCertificateFileName", root["PayloadCertificateFileName"], "root.crt")
eq("acme PayloadType", acme["PayloadType"], "com.apple.security.acme")
eq("DirectoryURL", acme["DirectoryURL"], directory)
eq("ClientIdentifier", acme["ClientIdentifier"], client_id)
eq("KeyType", acme["KeyType"], "ECSECPrimeRandom")
eq("KeySize", acme["KeySize"], int(key_size))
eq("HardwareBound", acme["HardwareBound"], True)
eq("Attest", acme["Attest"], True)
eq("Subject", acme["Subject"], json.loads(subject_json))
eq("ExtendedKeyUsage", acme["ExtendedKeyUsage"], ["1.3.6.1.5.5.7.3.2"])
eq("UsageFlags", acme["UsageFlags"], 1)
uuids = {p["PayloadUUID"]}
for pl in content:
    eq("payload PayloadVersion", pl["PayloadVersion"], 1)
    assert uuid_re.match(pl["PayloadUUID"]), pl["PayloadUUID"]
    uuids.add(pl["PayloadUUID"])
    assert pl["PayloadIdentifier"].startswith(p["PayloadIdentifier"] + "."), pl["PayloadIdentifier"]
    assert isinstance(pl["PayloadDisplayName"], str) and pl["PayloadDisplayName"], pl
eq("distinct UUIDs", len(uuids), 3)
eq("distinct payload identifiers", len({pl["PayloadIdentifier"] for pl in content} | {p["PayloadIdentifier"]}), 3)
PY
    fail "the profile $1 is not what was asked for"
  log "plist OK: $1"
}

# --- the configuration profile ---------------------------------------------------------------------
P1="$TEST_TMP/C02TEST1.mobileconfig"
expect_rc 0 "profile with defaults" prof --provisioner devices --client-id C02TEST1 --out "$P1"
[[ "$(file_mode "$P1")" == 644 ]] || fail "$P1 has mode $(file_mode "$P1"), expected 644"
check_plist "$P1" C02TEST1 384 '[[["CN","C02TEST1"]]]'
head -n1 "$P1" | grep -q '^<?xml version="1.0" encoding="UTF-8"?>$' || fail "$P1 does not start with the XML declaration"

P2="$TEST_TMP/p256.mobileconfig"
expect_rc 0 "profile with key size 256, a subject with XML specials and an assigner" \
  prof --provisioner devices --client-id "00008030-001A<&>/1.2.840.113635" --key-size 256 \
  --subject 'CN=Dev <1> & "2", O=Example\, Inc., OU=Fleet' --out "$P2"
check_plist "$P2" "00008030-001A<&>/1.2.840.113635" 256 \
  '[[["CN","Dev <1> & \"2\""]],[["O","Example, Inc."]],[["OU","Fleet"]]]'
grep -q '<string>Dev &lt;1&gt; &amp; &quot;2&quot;</string>' "$P2" || fail "the subject value is not XML-escaped in $P2"
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout "$P2" || fail "$P2 is not well-formed XML"
fi

# --- the declarative credential -------------------------------------------------------------------
J1="$TEST_TMP/C02TEST1.json"
expect_rc 0 "declarative credential" prof --provisioner devices --client-id C02TEST1 --subject "CN=C02TEST1,O=Example" --declarative --out "$J1"
[[ "$(file_mode "$J1")" == 644 ]] || fail "$J1 has mode $(file_mode "$J1"), expected 644"
/usr/bin/python3 - "$J1" "$EXTERNAL_URL/acme/devices/directory" <<'PY' || fail "the declarative credential $J1 is wrong"
import json, sys
path, directory = sys.argv[1:]
j = json.load(open(path))
want = {
    "DirectoryURL": directory,
    "ClientIdentifier": "C02TEST1",
    "KeySize": 384,
    "KeyType": "ECSECPrimeRandom",
    "HardwareBound": True,
    "Attest": True,
    "Subject": [[["CN", "C02TEST1"]], [["O", "Example"]]],
    "ExtendedKeyUsage": ["1.3.6.1.5.5.7.3.2"],
    "UsageFlags": 1,
}
for k, v in want.items():
    if k not in j or j[k] != v or type(j[k]) is not type(v):
        sys.exit(f"{k}: got {j.get(k)!r}, want {v!r}")
extra = set(j) - set(want)
if extra:
    sys.exit(f"unexpected keys {sorted(extra)}")
PY
log "declarative JSON OK: $J1"

# --- refusals -------------------------------------------------------------------------------------
R="$TEST_TMP/refused.mobileconfig"
expect_rc 2 "unknown provisioner" prof --provisioner nosuch --client-id C02TEST1 --out "$R"
assert_grep 'nosuch' "$OUT" "the error does not name the unknown provisioner"
expect_rc 2 "a provisioner without device-attest-01" prof --provisioner acme --client-id C02TEST1 --out "$R"
assert_grep 'device-attest-01' "$OUT" "the error does not say device-attest-01 is missing"
expect_rc 2 "an existing --out file" prof --provisioner devices --client-id C02TEST2 --out "$P1"
assert_grep 'exists' "$OUT" "the error does not say the file exists"
check_plist "$P1" C02TEST1 384 '[[["CN","C02TEST1"]]]'   # left untouched
expect_rc 2 "a malformed --client-id" prof --provisioner devices --client-id "a/b/c" --out "$R"
assert_grep 'client-id' "$OUT" "the error does not name --client-id"
expect_rc 2 "an empty --client-id" prof --provisioner devices --client-id "" --out "$R"
expect_rc 2 "a malformed --subject" prof --provisioner devices --client-id C02TEST1 --subject "CN" --out "$R"
expect_rc 2 "an unknown subject type" prof --provisioner devices --client-id C02TEST1 --subject "XX=a" --out "$R"
expect_rc 2 "--key-size 521" prof --provisioner devices --client-id C02TEST1 --key-size 521 --out "$R"
expect_rc 2 "--client-id missing" prof --provisioner devices --out "$R"
[[ ! -e "$R" ]] || fail "a refused command wrote $R"
