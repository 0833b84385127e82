// One issued certificate as the ledger records it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "svidd/common/clock.h"

namespace svidd::ledger {

enum class CertStatus { kActive, kRevoked };
const char* CertStatusName(CertStatus status);  // "active" / "revoked"
std::optional<CertStatus> ParseCertStatus(std::string_view name);

// What the certificate is for.
enum class CertKind { kWorkload, kServer, kIntermediate };
const char* CertKindName(CertKind kind);  // "workload" / "server" / "intermediate"
std::optional<CertKind> ParseCertKind(std::string_view name);

// auth_method of a credential an operator issued locally with `svidctl admin issue`.
inline constexpr char kOperatorAuthMethod[] = "svidctl";

struct CertificateRecord {
  std::string serial_hex;  // SerialHex form; unique
  std::string spiffe_id;
  CertKind kind = CertKind::kWorkload;
  TimePoint issued_at;
  TimePoint not_before;
  TimePoint not_after;
  std::string issuer_serial_hex;  // serial of the CA certificate that signed it
  std::string issuer_subject;     // that CA certificate's subject, for people
  std::string public_key_sha256;  // lowercase hex SHA-256 of the SubjectPublicKeyInfo
  std::string key_type;           // KeyDescription::Label(): "EC-P256", "RSA-2048", ...
  std::string auth_method;        // AuthMethodName(), "self" for svidd's own, kOperatorAuthMethod
  std::string auth_principal;     // who asked
  std::string certificate_pem;
  CertStatus status = CertStatus::kActive;
  std::optional<TimePoint> revoked_at;
  std::string revocation_reason;
  // The certificate this one replaced on a workload's rotation stream; "" if none known.
  std::string supersedes_serial_hex;
};

}  // namespace svidd::ledger
