#include "svidd/agent/svid_files.h"

#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd::agent {
namespace {

constexpr unsigned kDirMode = 0750;
constexpr unsigned kKeyMode = 0600;
constexpr unsigned kPublicMode = 0644;

}  // namespace

absl::Status SvidFiles::WriteSvid(const X509Svid& svid, const X509Bundle& bundle) const {
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(dir_, kDirMode));
  return WriteFilesAtomically({
      {roots_path(), bundle.roots_pem(), kPublicMode},
      {key_path(), svid.key_pem(), kKeyMode},
      {chain_path(), svid.chain_pem(), kPublicMode},
  });
}

absl::Status SvidFiles::WriteRoots(const X509Bundle& bundle) const {
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(dir_, kDirMode));
  return WriteFileAtomically(roots_path(), bundle.roots_pem(), kPublicMode);
}

absl::StatusOr<std::shared_ptr<const X509Svid>> SvidFiles::ReadSvid() const {
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, ReadFileToString(key_path()));
  SVIDD_ASSIGN_OR_RETURN(std::string chain_pem, ReadFileToString(chain_path()));
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, crypto::ParsePrivateKeyPem(key_pem));
  SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> chain,
                         crypto::ParseCertificatesPem(chain_pem));
  // When cert-chain.pem was written is when the agent received the certificate.
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(chain_path(), ec);
  std::optional<TimePoint> issued_at;
  if (!ec) {
    issued_at =
        std::chrono::time_point_cast<TimePoint::duration>(std::chrono::file_clock::to_sys(written));
  }
  return X509Svid::Create(std::move(chain), std::move(key), issued_at);
}

absl::StatusOr<std::string> SvidFiles::ReadRootsPem() const {
  return ReadFileToString(roots_path());
}

}  // namespace svidd::agent
