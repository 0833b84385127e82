#!/usr/bin/env bash
# istiod's serving certificate when svidd is the mesh CA (istiod's own CA is off, so istiod
# cannot sign it itself). svidd issues only SPIFFE identities, so the DNS certificate istiod
# needs is signed here, with openssl, by a separate intermediate that svidd minted for this one
# purpose (`svidctl ca issue-intermediate`, recorded in svidd's ledger) and that chains to
# svidd's root: the root every proxy already trusts.
#   istiod-serving-cert.sh CA_DIR OUT_DIR [ISTIO_NAMESPACE] [REVISION]
# CA_DIR: ca-cert.pem, ca-key.pem, root-cert.pem from svidctl ca issue-intermediate.
# OUT_DIR: receives tls.crt (certificate + intermediate), tls.key and ca.crt (svidd's roots),
# the keys of the Secret istiod-tls that the istiod chart mounts at /var/run/secrets/istiod/tls.
# DAYS (default 30) sets the lifetime; renew before it ends (istiod reloads the files).
set -euo pipefail
if [ "$#" -lt 2 ]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
ca_dir="$1"
out_dir="$2"
ns="${3:-istio-system}"
revision="${4:-}"
days="${DAYS:-30}"
for f in ca-cert.pem ca-key.pem root-cert.pem; do
  [ -s "$ca_dir/$f" ] || { echo "istiod-serving-cert: $ca_dir/$f is missing" >&2; exit 1; }
done

# The names istiod answers to (pilot/pkg/bootstrap/server.go, getDNSNames).
names="DNS:istiod.$ns.svc,DNS:istiod-remote.$ns.svc,DNS:istio-pilot.$ns.svc"
if [ -n "$revision" ] && [ "$revision" != default ]; then
  names="$names,DNS:istiod-$revision.$ns.svc"
fi

mkdir -p "$out_dir"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/ext.cnf" <<CNF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = critical, $names
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=istiod" \
  -keyout "$out_dir/tls.key" -out "$work/istiod.csr" 2>/dev/null
openssl x509 -req -in "$work/istiod.csr" -CA "$ca_dir/ca-cert.pem" -CAkey "$ca_dir/ca-key.pem" \
  -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 \
  -extfile "$work/ext.cnf" -out "$work/istiod.crt" 2>/dev/null
cat "$work/istiod.crt" "$ca_dir/ca-cert.pem" > "$out_dir/tls.crt"
cp "$ca_dir/root-cert.pem" "$out_dir/ca.crt"
chmod 0644 "$out_dir/tls.crt" "$out_dir/ca.crt"
echo "istiod-serving-cert: $out_dir/tls.crt for ${names//DNS:/}, valid $days days"
