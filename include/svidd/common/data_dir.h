// The data directory's layout, named once. svidd, svidctl and the ledger verifier all reach
// its files through here, so a file moved or renamed is changed in one place.
//
//   <data-dir>/
//     ledger.db           the ledger (SQLite)
//     ledger-head.json    the ledger's signed head, outside the database
//     ca/                 the active CA, in Istio's cacerts layout (unless --ca-dir)
//     ca-next/            an intermediate prepared, not yet signing
//     ca-pending/         `svidctl ca csr`'s key, waiting for the signed certificate
//     ca-retired/<serial>/ intermediates that no longer sign, while their leaves may be valid
//     ca-state.json       the CA manager's schedule
//     root/  root-next/   svidd's own root (with its key), and the next one during a switch
//     retired-roots.pem   roots dropped from the bundle, kept to verify old ledger rows
//     serving/            svidd's own serving certificate and key
//     trust-bundle.json   the trust bundle's sequence as last published
#pragma once

#include <filesystem>
#include <vector>

namespace svidd {

class DataDir {
 public:
  // `ca_dir`: the operator's --ca-dir, or empty for <root>/ca.
  explicit DataDir(std::filesystem::path root, std::filesystem::path ca_dir = {})
      : root_(std::move(root)), ca_dir_(std::move(ca_dir)) {}

  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path ledger() const { return root_ / "ledger.db"; }
  std::filesystem::path ledger_head() const { return root_ / "ledger-head.json"; }

  // The CA that signs: --ca-dir if one was given, else <root>/ca.
  std::filesystem::path ca() const { return ca_dir_.empty() ? own_ca() : ca_dir_; }
  // svidd's own CA directory, whichever CA signs (svidctl ca install writes here).
  std::filesystem::path own_ca() const { return root_ / "ca"; }
  std::filesystem::path ca_next() const { return root_ / "ca-next"; }
  std::filesystem::path ca_pending() const { return root_ / "ca-pending"; }
  // One directory per retired intermediate, named by its serial.
  std::filesystem::path ca_retired() const { return root_ / "ca-retired"; }
  std::filesystem::path ca_state() const { return root_ / "ca-state.json"; }
  std::filesystem::path own_root() const { return root_ / "root"; }
  std::filesystem::path root_next() const { return root_ / "root-next"; }
  std::filesystem::path retired_roots() const { return root_ / "retired-roots.pem"; }
  std::filesystem::path serving() const { return root_ / "serving"; }
  std::filesystem::path trust_bundle_state() const { return root_ / "trust-bundle.json"; }

  // Directories other than the CA's that may hold a CA private key (the audit checks their
  // permissions, and those of the directories directly in them): the roots, the prepared
  // intermediate, a pending CSR's key and the retired intermediates (ca-retired/<serial>/).
  std::vector<std::filesystem::path> OtherKeyDirs() const {
    return {own_root(), root_next(), ca_next(), ca_pending(), ca_retired()};
  }

 private:
  std::filesystem::path root_;
  std::filesystem::path ca_dir_;
};

}  // namespace svidd
