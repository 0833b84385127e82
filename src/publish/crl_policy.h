// The CRL publisher's decisions, as pure functions of the ledger's revoked rows and `now`:
// what an issuer's CRL lists, and whether the one it has must be replaced.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/crl_builder.h"

namespace svidd::publish {

// The revoked certificates among `records` that the CA with serial `issuer_serial_hex` issued,
// with reasons read from the operator's text, sorted by serial (numerically). An entry stays
// until its certificate has been expired for `retention` (one CRL validity), so that it
// appears on at least one CRL issued after the certificate expired (RFC 5280 §3.3).
std::vector<pki::RevokedCertificate> RevokedEntriesFor(
    const std::vector<ledger::CertificateRecord>& records, std::string_view issuer_serial_hex,
    TimePoint now, std::chrono::seconds retention);

// True if `current` does not list exactly `wanted`, or `now` has reached half-way between its
// thisUpdate and nextUpdate: relying parties then still have half the validity to fetch the
// next one before theirs goes stale.
bool CrlNeedsRebuild(const pki::Crl& current, const std::vector<pki::RevokedCertificate>& wanted,
                     TimePoint now);

}  // namespace svidd::publish
