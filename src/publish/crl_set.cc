#include "svidd/publish/crl_set.h"

namespace svidd {

std::shared_ptr<const Crl> CrlSet::ForIssuer(std::string_view issuer_serial_hex) const {
  for (const std::shared_ptr<const Crl>& crl : crls_) {
    if (crl->issuer_serial_hex == issuer_serial_hex) return crl;
  }
  return nullptr;
}

std::vector<std::string> CrlSet::Der() const {
  std::vector<std::string> out;
  out.reserve(crls_.size());
  for (const std::shared_ptr<const Crl>& crl : crls_) out.push_back(crl->der);
  return out;
}

std::string CrlSet::Pem() const {
  std::string out;
  for (const std::shared_ptr<const Crl>& crl : crls_) out += crl->pem;
  return out;
}

}  // namespace svidd
