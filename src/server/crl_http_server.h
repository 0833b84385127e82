// Plain-HTTP distribution of CRLs (--crl-listen), for relying parties that follow the CRL
// distribution point in svidd's leaves or fetch Istio's ca-crl.pem:
//   GET /crl/<issuer-serial-hex>.crl  one CA's CRL, DER, application/pkix-crl
//   GET /ca-crl.pem                   every current CRL, PEM
// Anything else, or an issuer without a CRL, is 404. CRLs are signed, so no TLS is needed
// (RFC 5280 §4.2.1.13 expects http for distribution points).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/server/crl_set.h"

namespace svidd {

class CrlHttpServer {
 public:
  using CrlSource = std::function<std::shared_ptr<const CrlSet>()>;

  // Listening and serving when it returns. `listen` is HOST:PORT (port 0: an ephemeral one,
  // see port()). UNAVAILABLE if it cannot bind, INVALID_ARGUMENT for a bad address.
  static absl::StatusOr<std::unique_ptr<CrlHttpServer>> Start(const std::string& listen,
                                                              CrlSource crls);
  ~CrlHttpServer();  // Stop()
  CrlHttpServer(const CrlHttpServer&) = delete;
  CrlHttpServer& operator=(const CrlHttpServer&) = delete;

  int port() const { return port_; }
  // Stops accepting, finishes requests in progress, joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  CrlHttpServer(std::unique_ptr<Impl> impl, int port);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace svidd
