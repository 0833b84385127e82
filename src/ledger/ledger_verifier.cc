#include "svidd/ledger/ledger_verifier.h"

#include "absl/strings/str_cat.h"
#include "ledger/chain_snapshot.h"
#include "ledger/chain_walker.h"
#include "ledger/checkpoint_checker.h"
#include "ledger/checkpoint_walker.h"
#include "ledger/event_appender.h"
#include "ledger/pg_snapshot_copy.h"
#include "ledger/scratch_copy.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"
#include "svidd/ledger/event_chain.h"
#include "svidd/ledger/head_file.h"

namespace svidd::ledger {
namespace {

using internal::ChainSnapshot;
using internal::ChainWalker;
using internal::CheckpointChecker;
using internal::CheckpointWalker;
using internal::MakeBreak;

// How many events the walk checks between two looks at LedgerVerifierOptions::stop_requested.
constexpr int64_t kStopCheckEvents = 4096;

// ledger-head.json as read before the snapshot was taken.
struct HeadFile {
  bool present = false;
  absl::StatusOr<LedgerCheckpoint> checkpoint = absl::NotFoundError("no head file");
  bool configured = true;  // false: no head file to look for
};

absl::StatusOr<HeadFile> ReadHead(const std::filesystem::path& path, HeadFilePolicy policy) {
  if (path.empty()) return HeadFile{.configured = false};
  absl::StatusOr<std::optional<LedgerCheckpoint>> file = ReadHeadFile(path);
  if (absl::IsInvalidArgument(file.status())) return HeadFile{true, file.status()};
  SVIDD_RETURN_IF_ERROR(file.status());
  if (!file->has_value()) return HeadFile{.configured = policy == HeadFilePolicy::kRequired};
  return HeadFile{true, std::move(**file)};
}

// One verification: the walk over the events with the checkpoints alongside (from the
// newest checkpoint, or from the first event), then the head file, then the certificate rows
// no event covers.
class Run {
 public:
  Run(ChainSnapshot& snapshot, const std::vector<crypto::X509Ptr>& roots, const HeadFile& head_file,
      VerificationScope scope, const std::function<bool()>& stop_requested)
      : snapshot_(snapshot),
        checker_(roots),
        head_file_(head_file),
        scope_(scope),
        stop_requested_(stop_requested) {}

  absl::StatusOr<LedgerVerification> Verify();

 private:
  bool incremental() const { return scope_ == VerificationScope::kFromNewestCheckpoint; }
  const LedgerCheckpoint* watched() const {
    return head_file_.present && head_file_.checkpoint.ok() ? &*head_file_.checkpoint : nullptr;
  }
  absl::StatusOr<std::optional<absl::StatusOr<LedgerCheckpoint>>> Anchor();
  absl::StatusOr<std::optional<LedgerBreak>> FirstBreak(CheckpointWalker& checkpoints);
  absl::StatusOr<std::optional<LedgerBreak>> CheckPrefixRevocations();
  absl::StatusOr<std::optional<LedgerBreak>> Walk(CheckpointWalker& checkpoints);
  absl::StatusOr<std::optional<LedgerBreak>> CheckHeadFile(const CheckpointWalker& checkpoints);
  absl::StatusOr<std::optional<internal::UncoveredCertificate>> FirstUncoveredCertificate();
  absl::StatusOr<std::optional<LedgerBreak>> CheckCoverage();
  void AddWarnings();

  ChainSnapshot& snapshot_;
  CheckpointChecker checker_;
  const HeadFile& head_file_;
  const VerificationScope scope_;
  const std::function<bool()>& stop_requested_;
  ChainHead start_{0, kGenesisHash};  // where the walk starts: after this event
  int64_t anchor_id_ = 0;             // the checkpoint row it starts from (incremental)
  ChainHead last_;
  int64_t events_verified_ = 0;
  int64_t prefix_revocations_checked_ = 0;
  LedgerVerification report_;
};

absl::StatusOr<LedgerVerification> Run::Verify() {
  if (!incremental()) {
    SVIDD_ASSIGN_OR_RETURN(report_.certificates, snapshot_.CountCertificates());
  }
  SVIDD_ASSIGN_OR_RETURN(std::optional<absl::StatusOr<LedgerCheckpoint>> anchor, Anchor());
  const int64_t after = anchor.has_value() && anchor->ok() ? (*anchor)->event_seq : 0;
  SVIDD_ASSIGN_OR_RETURN(
      internal::Statement cursor,
      snapshot_.Checkpoints(incremental() ? std::optional<int64_t>(after) : std::nullopt));
  CheckpointWalker checkpoints(std::move(cursor), checker_);
  std::optional<LedgerBreak> broken;
  if (anchor.has_value()) {
    SVIDD_ASSIGN_OR_RETURN(std::optional<std::string> stored, snapshot_.EventHashAt(after));
    SVIDD_ASSIGN_OR_RETURN(broken, checkpoints.StartAt(anchor_id_, std::move(*anchor), stored));
    if (!broken.has_value()) start_ = ChainHead{after, *stored};
  }
  last_ = start_;
  if (!broken.has_value()) {
    SVIDD_ASSIGN_OR_RETURN(broken, CheckPrefixRevocations());
  }
  if (!broken.has_value()) {
    SVIDD_ASSIGN_OR_RETURN(broken, FirstBreak(checkpoints));
  }
  report_.events = last_.seq;
  report_.events_verified = events_verified_;
  report_.trusted_up_to = start_.seq;
  report_.prefix_revocations_checked = prefix_revocations_checked_;
  report_.head_hash = last_.hash;
  report_.checkpoints = checkpoints.verified();
  if (checkpoints.latest().has_value()) {
    report_.last_signed_seq = checkpoints.latest()->event_seq;
    report_.last_signed_at = checkpoints.latest()->signed_at;
  }
  report_.first_break = std::move(broken);
  if (report_.intact()) AddWarnings();
  return std::move(report_);
}

// The checkpoint an incremental run starts from: the newest for an event that exists (newer
// ones are truncations the walk reports when the log ends); an unreadable one as its error.
// nullopt for a full walk, or when nothing was signed.
absl::StatusOr<std::optional<absl::StatusOr<LedgerCheckpoint>>> Run::Anchor() {
  if (!incremental()) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(std::optional<ChainHead> end, snapshot_.LastEvent());
  if (!end.has_value()) return std::nullopt;
  absl::StatusOr<std::optional<LedgerCheckpoint>> newest =
      snapshot_.NewestCheckpointUpTo(end->seq, anchor_id_);
  using Anchored = std::optional<absl::StatusOr<LedgerCheckpoint>>;
  if (absl::IsDataLoss(newest.status())) return Anchored(newest.status());  // a break, below
  SVIDD_RETURN_IF_ERROR(newest.status());
  if (!newest->has_value()) return std::nullopt;
  return Anchored(std::move(**newest));
}

// What the trusted prefix must still say about revocations: each revocation event in it is
// whole (its hash matches its fields) and its certificates row is still revoked with the
// fields it vouches for. A revoked row put back to active inside the signed prefix is thus
// refused without walking the chain; with CheckCoverage (every revoked row has its event) the
// revoked rows and the revocation events agree both ways. An event rewritten together with its
// hash is the full walk's to find (docs/ledger-integrity.md).
absl::StatusOr<std::optional<LedgerBreak>> Run::CheckPrefixRevocations() {
  if (!incremental() || start_.seq == 0) return std::nullopt;
  ChainWalker checker(snapshot_, std::nullopt, start_);
  SVIDD_ASSIGN_OR_RETURN(internal::Statement events, snapshot_.RevocationEvents(start_.seq));
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool row, events.Step());
    if (!row) return std::nullopt;
    absl::StatusOr<LedgerEvent> event = internal::ReadEventRow(internal::StatementRow(events));
    if (absl::IsDataLoss(event.status())) {
      return checker.Unreadable(events.ColumnInt64(0), std::string(event.status().message()));
    }
    SVIDD_RETURN_IF_ERROR(event.status());
    SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> broken, checker.CheckAlone(*event));
    if (broken.has_value()) return broken;
    ++prefix_revocations_checked_;
  }
}

// In the order a reader meets them: along the chain, then past its end, then outside it.
absl::StatusOr<std::optional<LedgerBreak>> Run::FirstBreak(CheckpointWalker& checkpoints) {
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> broken, Walk(checkpoints));
  if (broken.has_value()) return broken;
  SVIDD_ASSIGN_OR_RETURN(broken, checkpoints.Finish(last_));
  if (broken.has_value()) return broken;
  SVIDD_ASSIGN_OR_RETURN(broken, CheckHeadFile(checkpoints));
  if (broken.has_value()) return broken;
  return CheckCoverage();
}

absl::StatusOr<std::optional<LedgerBreak>> Run::Walk(CheckpointWalker& checkpoints) {
  SVIDD_ASSIGN_OR_RETURN(std::optional<int64_t> duplicate,
                         snapshot_.FirstDuplicateEvent(start_.seq));
  ChainWalker walker(snapshot_, duplicate, start_);
  SVIDD_ASSIGN_OR_RETURN(internal::Statement events, snapshot_.Events(start_.seq));
  for (;;) {
    last_ = walker.head();
    events_verified_ = walker.verified();
    if (stop_requested_ && walker.verified() % kStopCheckEvents == 0 && stop_requested_()) {
      return absl::CancelledError("ledger verification stopped before its end");
    }
    SVIDD_ASSIGN_OR_RETURN(bool row, events.Step());
    if (!row) return std::nullopt;
    absl::StatusOr<LedgerEvent> event = internal::ReadEventRow(internal::StatementRow(events));
    if (absl::IsDataLoss(event.status())) {
      return walker.Unreadable(events.ColumnInt64(0), std::string(event.status().message()));
    }
    SVIDD_RETURN_IF_ERROR(event.status());
    SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> broken, walker.Next(*event));
    if (broken.has_value()) return broken;
    SVIDD_ASSIGN_OR_RETURN(broken, checkpoints.CatchUp(walker.head()));
    if (broken.has_value()) return broken;
  }
}

// After the walk: the file's checkpoint must be authentic, for an event that still exists
// with the hash it signed (looked up, so this holds when the walk started past it), and be
// one of the stored checkpoints.
absl::StatusOr<std::optional<LedgerBreak>> Run::CheckHeadFile(const CheckpointWalker& checkpoints) {
  if (!head_file_.present) {
    if (checkpoints.verified() == 0 || !head_file_.configured) return std::nullopt;
    return MakeBreak(BreakKind::kHeadFileMissing, kLedgerHeadFileName, 0, 0, "",
                     "the ledger has signed checkpoints but ledger-head.json is gone");
  }
  if (!head_file_.checkpoint.ok()) {
    return MakeBreak(BreakKind::kHeadFileInvalid, kLedgerHeadFileName, 0, 0, "",
                     std::string(head_file_.checkpoint.status().message()));
  }
  const LedgerCheckpoint& c = *head_file_.checkpoint;
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> forged, checker_.Check(c));
  if (forged.has_value()) {
    return MakeBreak(forged->kind, kLedgerHeadFileName, c.event_seq, c.event_seq, "",
                     absl::StrCat("ledger-head.json: ", forged->detail));
  }
  if (c.event_seq > last_.seq) {
    return MakeBreak(BreakKind::kTruncated, kLedgerHeadFileName, c.event_seq, c.event_seq, "",
                     absl::StrCat("ledger-head.json signed the chain up to seq ", c.event_seq,
                                  " but the log ends at seq ", last_.seq, ": events ",
                                  last_.seq + 1, "..", c.event_seq, " were removed"));
  }
  SVIDD_ASSIGN_OR_RETURN(std::optional<std::string> stored, snapshot_.EventHashAt(c.event_seq));
  if (stored != c.head_hash) {
    return MakeBreak(BreakKind::kCheckpointMismatch, kLedgerHeadFileName, c.event_seq, c.event_seq,
                     "",
                     absl::StrCat("ledger-head.json signed another hash for seq ", c.event_seq,
                                  ": events up to seq ", c.event_seq, " were rewritten"));
  }
  SVIDD_ASSIGN_OR_RETURN(bool stored_checkpoint, snapshot_.HasCheckpoint(c));
  if (!stored_checkpoint) {
    return MakeBreak(BreakKind::kCheckpointMissing, kLedgerHeadFileName, c.event_seq, c.event_seq,
                     "",
                     absl::StrCat("the checkpoint of seq ", c.event_seq,
                                  " in ledger-head.json is not in ledger_checkpoints: "
                                  "checkpoint rows were deleted"));
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<internal::UncoveredCertificate>> Run::FirstUncoveredCertificate() {
  if (!incremental()) return snapshot_.FirstUncoveredCertificate();
  // Rows are appended in event order: those the trusted prefix vouches for come up to the
  // row of its last issuance.
  SVIDD_ASSIGN_OR_RETURN(int64_t prefix_rows, snapshot_.LastIssuedCertificateSeqUpTo(start_.seq));
  return snapshot_.FirstUncoveredCertificateAfter(prefix_rows);
}

absl::StatusOr<std::optional<LedgerBreak>> Run::CheckCoverage() {
  SVIDD_ASSIGN_OR_RETURN(std::optional<internal::UncoveredCertificate> row,
                         FirstUncoveredCertificate());
  if (!row.has_value()) return std::nullopt;
  if (row->issuance_missing) {
    return MakeBreak(BreakKind::kCertificateWithoutEvent, "certificates", row->seq, 0,
                     row->serial_hex,
                     absl::StrCat("certificate ", row->serial_hex,
                                  " has no issuance event: the row was added outside svidd"));
  }
  return MakeBreak(BreakKind::kRevocationWithoutEvent, "certificates", row->seq, 0, row->serial_hex,
                   absl::StrCat("certificate ", row->serial_hex,
                                " is revoked but no revocation event says so: its status was "
                                "changed outside svidd"));
}

void Run::AddWarnings() {
  const int64_t signed_up_to = report_.last_signed_seq;
  if (signed_up_to < last_.seq) {
    report_.warnings.push_back(
        {WarningKind::kNotYetSigned,
         absl::StrCat(signed_up_to + 1 == last_.seq
                          ? absl::StrCat("event ", last_.seq, " is")
                          : absl::StrCat("events ", signed_up_to + 1, "..", last_.seq, " are"),
                      " not yet signed (svidd signs the head within a second while it runs)")});
  }
  if (!head_file_.present && head_file_.configured && last_.seq > 0) {
    report_.warnings.push_back({WarningKind::kNoHeadFile, "no ledger-head.json yet"});
  } else if (watched() != nullptr && watched()->event_seq < signed_up_to) {
    report_.warnings.push_back(
        {WarningKind::kHeadFileBehind,
         absl::StrCat("ledger-head.json holds seq ", watched()->event_seq,
                      ", older than the latest checkpoint (seq ", signed_up_to, ")")});
  }
}

}  // namespace

LedgerVerifierOptions LedgerVerifierOptions::ForDataDir(const std::filesystem::path& data_dir,
                                                        const std::filesystem::path& ca_dir) {
  const DataDir layout(data_dir, ca_dir);
  return {layout.ledger(), layout.ledger_head(), layout.ca() / "root-cert.pem",
          layout.retired_roots()};
}

LedgerVerifierOptions LedgerVerifierOptions::ForLedger(const std::filesystem::path& data_dir,
                                                       const std::filesystem::path& ca_dir,
                                                       const std::string& ledger_uri) {
  LedgerVerifierOptions options = ForDataDir(data_dir, ca_dir);
  if (ledger_uri.empty()) return options;
  options.ledger_uri = ledger_uri;
  // svidd's data directory always exists; svidctl may run with --ledger far from one (an
  // operator's machine), where the system's temporary directory is the scratch space.
  std::error_code ec;
  options.scratch_dir = std::filesystem::is_directory(data_dir, ec)
                            ? data_dir
                            : std::filesystem::temp_directory_path(ec);
  options.head_file_policy = HeadFilePolicy::kOptional;
  return options;
}

absl::StatusOr<LedgerVerifier> LedgerVerifier::Create(LedgerVerifierOptions options) {
  absl::StatusOr<std::string> pem = ReadFileToString(options.trust_bundle);
  if (!pem.ok()) return WithContext(options.trust_bundle.string(), pem.status());
  absl::StatusOr<std::vector<crypto::X509Ptr>> roots = crypto::ParseCertificatesPem(*pem);
  if (!roots.ok()) return WithContext(options.trust_bundle.string(), roots.status());
  if (!options.retired_roots.empty()) {
    absl::StatusOr<std::string> retired = ReadFileToString(options.retired_roots);
    if (retired.ok()) {
      absl::StatusOr<std::vector<crypto::X509Ptr>> old = crypto::ParseCertificatesPem(*retired);
      if (!old.ok()) return WithContext(options.retired_roots.string(), old.status());
      for (crypto::X509Ptr& root : *old) roots->push_back(std::move(root));
    } else if (!absl::IsNotFound(retired.status())) {
      return WithContext(options.retired_roots.string(), retired.status());
    }
  }
  return LedgerVerifier(std::move(options), std::move(*roots));
}

absl::StatusOr<LedgerVerification> LedgerVerifier::Verify() const {
  absl::StatusOr<HeadFile> head_file = ReadHead(options_.head_file, options_.head_file_policy);
  if (!head_file.ok()) return WithContext(options_.head_file.string(), head_file.status());
  std::optional<internal::ScratchCopy> copy;
  std::filesystem::path path = options_.ledger_path;
  if (!options_.ledger_uri.empty() || options_.walk_a_copy) {
    absl::StatusOr<internal::ScratchCopy> made =
        internal::ScratchCopy::Create(options_.scratch_dir);
    if (!made.ok()) return made.status();
    copy.emplace(std::move(*made));
    path = copy->file();
  }
  if (!options_.ledger_uri.empty()) {
    internal::PgCopyScope scope;
    scope.stop_requested = options_.stop_requested;
    if (options_.scope == VerificationScope::kFromNewestCheckpoint) {
      scope.from_newest_checkpoint = true;
      if (head_file->present && head_file->checkpoint.ok()) {
        scope.head_file_seq = head_file->checkpoint->event_seq;
      }
    }
    SVIDD_RETURN_IF_ERROR(internal::CopyPostgresLedgerToSqlite(options_.ledger_uri, path, scope));
  } else if (copy.has_value()) {
    SVIDD_RETURN_IF_ERROR(
        internal::CopySqliteLedger(options_.ledger_path, path, options_.stop_requested));
  }
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<ChainSnapshot> snapshot,
                         ChainSnapshot::Open(path, options_.scope == VerificationScope::kFull));
  if (options_.stop_requested) snapshot->InterruptWhen(&options_.stop_requested);
  Run run(*snapshot, roots_, *head_file, options_.scope, options_.stop_requested);
  return run.Verify();
}

}  // namespace svidd::ledger
