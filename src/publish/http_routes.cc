#include "svidd/publish/http_routes.h"

#include <httplib.h>

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::publish {
namespace {

void NotFound(httplib::Response& res, const std::string& what) {
  res.status = 404;
  res.set_content(what + "\n", "text/plain");
}

void ServeIssuerCrl(const CrlSource& crls, const httplib::Request& req, httplib::Response& res) {
  const std::string requested = req.matches[1].str();
  auto serial = crypto::NormalizeSerialHex(requested);
  std::shared_ptr<const CrlSet> set = crls();
  std::shared_ptr<const pki::Crl> crl =
      serial.ok() && set != nullptr ? set->ForIssuer(*serial) : nullptr;
  if (crl == nullptr) return NotFound(res, "no CRL for issuer " + requested);
  res.set_header("Cache-Control", "no-cache");
  res.set_content(crl->der, "application/pkix-crl");
}

void ServeAllCrls(const CrlSource& crls, httplib::Response& res) {
  std::shared_ptr<const CrlSet> set = crls();
  if (set == nullptr || set->crls().empty()) return NotFound(res, "no CRL published");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(set->Pem(), "application/x-pem-file");
}

}  // namespace

std::vector<HttpRoute> CrlRoutes(CrlSource crls) {
  return {
      {R"(/crl/([0-9A-Fa-f]+)\.crl)",
       [crls](const httplib::Request& req, httplib::Response& res) {
         ServeIssuerCrl(crls, req, res);
       }},
      {"/ca-crl.pem",
       [crls](const httplib::Request&, httplib::Response& res) { ServeAllCrls(crls, res); }},
  };
}

std::vector<HttpRoute> MetricsRoutes(std::shared_ptr<prometheus::Registry> registry) {
  std::weak_ptr<prometheus::Registry> weak = registry;
  return {{"/metrics", [weak](const httplib::Request&, httplib::Response& res) {
             std::shared_ptr<prometheus::Registry> r = weak.lock();
             if (r == nullptr) {
               res.status = 503;
               res.set_content("shutting down\n", "text/plain");
               return;
             }
             res.set_content(prometheus::TextSerializer().Serialize(r->Collect()),
                             "text/plain; version=0.0.4; charset=utf-8");
           }}};
}

std::vector<HttpRoute> ProbeRoutes(const Readiness& readiness) {
  return {
      {"/healthz", [](const httplib::Request&,
                      httplib::Response& res) { res.set_content("ok\n", "text/plain"); }},
      {"/readyz",
       [&readiness](const httplib::Request&, httplib::Response& res) {
         res.status = readiness.Ready() ? 200 : 503;
         res.set_content(readiness.Describe(), "text/plain");
       }},
  };
}

}  // namespace svidd::publish
