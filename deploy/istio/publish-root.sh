#!/usr/bin/env bash
# Writes svidd's trust bundle into the ConfigMap istio-ca-root-cert (key root-cert.pem) of
# every namespace, as istiod's namespace controller would if its CA were on. Run it after
# installing svidd, when a namespace is created, and when a root rotation starts
# (`svidctl ca status` shows the new root: publish it before it signs).
#   deploy/istio/publish-root.sh [NAMESPACE...]   (default: every namespace)
set -euo pipefail
SVIDD_NAMESPACE="${SVIDD_NAMESPACE:-svidd-system}"
SVIDD_POD="${SVIDD_POD:-svidd-0}"
SVIDD_DATA_DIR="${SVIDD_DATA_DIR:-/var/lib/svidd}"

if [ "$#" -gt 0 ]; then
  namespaces=("$@")
else
  mapfile -t namespaces < <(kubectl get namespaces -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
fi
for ns in "${namespaces[@]}"; do
  # svidctl renders the ConfigMap itself (name, key, labels), from the bundle svidd publishes.
  kubectl -n "$SVIDD_NAMESPACE" exec "$SVIDD_POD" -c svidd -- \
      svidctl --data-dir "$SVIDD_DATA_DIR" bundle --format configmap --namespace "$ns" \
    | kubectl apply -f -
done
