// What svidd serves over plain HTTP, as routes for an HttpListener (http_listener.h):
//   CRLs (--crl-listen), for relying parties that follow the CRL distribution point in
//   svidd's leaves or fetch Istio's ca-crl.pem:
//     GET /crl/<issuer-serial-hex>.crl  one CA's CRL, DER, application/pkix-crl
//     GET /ca-crl.pem                   every current CRL, PEM
//   CRLs are signed, so no TLS is needed (RFC 5280 §4.2.1.13 expects http for distribution
//   points). An issuer without a CRL is 404.
//   Operations (--metrics-listen):
//     GET /metrics  the Prometheus registry, text exposition format 0.0.4
//     GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//     GET /readyz   200 when svidd can sign (readiness.h), else 503; the body lists every
//                   condition either way
// Any other path is 404.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "svidd/publish/crl_set.h"
#include "svidd/publish/http_listener.h"
#include "svidd/publish/readiness.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace svidd::publish {

using CrlSource = std::function<std::shared_ptr<const CrlSet>()>;

std::vector<HttpRoute> CrlRoutes(CrlSource crls);
// `registry` is held weakly: a scrape after the registry is gone is a 503.
std::vector<HttpRoute> MetricsRoutes(std::shared_ptr<prometheus::Registry> registry);
// `readiness` must outlive the listener serving these routes.
std::vector<HttpRoute> ProbeRoutes(const Readiness& readiness);

}  // namespace svidd::publish
