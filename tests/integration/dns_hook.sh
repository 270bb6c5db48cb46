#!/bin/sh
# DNS hook: publishes/removes a TXT record in the test knotd with a TSIG-signed RFC 2136 update.
# lego's exec provider calls it as `dns_hook.sh present|cleanup FQDN VALUE` (FQDN ends with a dot);
# lib.sh's dns_txt calls it as `dns_hook.sh add|del FQDN VALUE`.
# Environment (exported by lib.sh dns_start): KNOT_SERVER KNOT_PORT KNOT_ZONE KNOT_TSIG (alg:name:secret).
set -eu
[ $# -eq 3 ] || { echo "usage: $0 present|cleanup FQDN VALUE" >&2; exit 2; }
action=$1 fqdn=$2 value=$3
case "$fqdn" in *.) ;; *) fqdn="$fqdn." ;; esac
case "$action" in
  present|add) op="add $fqdn 60 TXT \"$value\"" ;;
  cleanup|del) op="del $fqdn TXT \"$value\"" ;;
  *) echo "$0: unknown action $action" >&2; exit 2 ;;
esac
echo "dns_hook: $op" >&2
knsupdate -y "$KNOT_TSIG" <<EOT
server $KNOT_SERVER $KNOT_PORT
zone $KNOT_ZONE.
origin $KNOT_ZONE.
update $op
send
EOT
