#!/usr/bin/env bash
# dns-01 against attestca with a real authoritative DNS server: knotd serves acme.test on
# 127.0.0.1:<port> and accepts TSIG-signed RFC 2136 updates; attestca's dns_resolver points at it;
# lego's exec provider publishes _acme-challenge TXT records through dns_hook.sh (knsupdate).
# Covers one name, then a wildcard together with its base name (two TXT values at one owner name).
. "$(dirname "$0")/lib.sh"
require_cmd lego knsupdate kdig

dns_start
ca_init
ca_use_dns
ca_start

export LEGO_CA_CERTIFICATES="$CA_TLS_ROOT"
export EXEC_PATH="$IT_DIR/dns_hook.sh" EXEC_SEQUENCE_INTERVAL=1 EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30
L="$TEST_TMP/lego"
lg() {
  lego --server "$(ca_directory acme)" --path "$L" --accept-tos --email it@acme.test \
    --dns exec --dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp "$@"
}

# the hook itself works
dns_txt add _acme-challenge.probe.acme.test probe-value 2>/dev/null
[[ "$(kdig @127.0.0.1 -p "$DNS_PORT" +short _acme-challenge.probe.acme.test TXT)" == '"probe-value"' ]] ||
  fail "knsupdate via dns_hook.sh did not publish a TXT record"
dns_txt del _acme-challenge.probe.acme.test probe-value 2>/dev/null

run_ok "lego --dns exec -d a.acme.test" "$TEST_TMP/a.out" lg -d a.acme.test run
check_cert "$L/certificates/a.acme.test.crt" "a.acme.test"

run_ok "lego --dns exec -d '*.acme.test' -d acme.test" "$TEST_TMP/wild.out" lg -d '*.acme.test' -d acme.test run
check_cert "$L/certificates/_.acme.test.crt" "*.acme.test acme.test"

# cleanup removed every challenge record
for n in _acme-challenge.a.acme.test _acme-challenge.acme.test; do
  left="$(kdig @127.0.0.1 -p "$DNS_PORT" +short "$n" TXT)"
  [[ -z "$left" ]] || fail "TXT records left at $n after lego cleanup: $left"
done

ca_stop
