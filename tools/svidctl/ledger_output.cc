#include "svidctl/ledger_output.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "svidctl/output_format.h"
#include "svidd/common/time_format.h"

namespace svidctl {
namespace {

using json = nlohmann::ordered_json;

const char* RowWord(const std::string& where) {
  if (where == "ledger_checkpoints") return "id";
  return "seq";
}

json BreakToJson(const svidd::ledger::LedgerBreak& b) {
  json j;
  j["kind"] = svidd::ledger::BreakKindName(b.kind);
  j["where"] = b.where;
  j["row"] = b.row;
  j["event_seq"] = b.event_seq;
  j["serial"] = b.serial_hex;
  j["detail"] = b.detail;
  return j;
}

std::string EventsLine(const svidd::ledger::LedgerVerification& r) {
  if (!r.intact()) return absl::StrCat(r.events, " verified before the break");
  if (r.events == 0) return "none";
  return absl::StrCat("1..", r.events, " (head ", r.head_hash, ")");
}

std::string SignedLine(const svidd::ledger::LedgerVerification& r, svidd::TimePoint now) {
  if (r.checkpoints == 0) return "none verified";
  return absl::StrCat(r.checkpoints, " verified; latest covers seq ", r.last_signed_seq,
                      ", signed ", svidd::FormatRfc3339(*r.last_signed_at), " (",
                      svidd::FormatRelative(*r.last_signed_at, now), ")");
}

}  // namespace

std::string BreakLocation(const svidd::ledger::LedgerBreak& b) {
  std::string location = b.where;
  if (b.row != 0) absl::StrAppend(&location, " ", RowWord(b.where), " ", b.row);
  if (!b.serial_hex.empty()) absl::StrAppend(&location, " (serial ", b.serial_hex, ")");
  return location;
}

json VerificationToJson(const svidd::ledger::LedgerVerification& r) {
  json j;
  j["intact"] = r.intact();
  j["events"] = r.events;
  j["events_verified"] = r.events_verified;
  j["trusted_up_to"] = r.trusted_up_to;
  j["prefix_revocations_checked"] = r.prefix_revocations_checked;
  j["head_hash"] = r.head_hash;
  j["certificates"] = r.certificates;
  j["checkpoints"] = r.checkpoints;
  j["last_signed_seq"] = r.last_signed_seq;
  j["last_signed_at"] =
      r.last_signed_at.has_value() ? json(svidd::FormatRfc3339(*r.last_signed_at)) : json(nullptr);
  j["first_break"] = r.first_break.has_value() ? BreakToJson(*r.first_break) : json(nullptr);
  j["warnings"] = json::array();
  for (const svidd::ledger::LedgerWarning& w : r.warnings) {
    j["warnings"].push_back(
        {{"kind", svidd::ledger::WarningKindName(w.kind)}, {"detail", w.detail}});
  }
  return j;
}

std::string VerificationText(const svidd::ledger::LedgerVerification& r, svidd::TimePoint now) {
  const bool from_checkpoint = r.trusted_up_to > 0;  // --since-checkpoint: nothing counted
  std::vector<std::vector<std::string>> rows = {
      {"Status:", r.intact() ? "intact" : "BROKEN"},
      {"Events:", EventsLine(r)},
      {"Certificates:", from_checkpoint ? "not counted" : absl::StrCat(r.certificates)},
      {"Checkpoints:", SignedLine(r, now)}};
  if (from_checkpoint) {
    rows.push_back(
        {"Trusted:", absl::StrCat("events 1..", r.trusted_up_to, " (signed); ", r.events_verified,
                                  " after them recomputed, ", r.prefix_revocations_checked,
                                  " revocation(s) in them checked")});
  }
  if (r.first_break.has_value()) {
    const svidd::ledger::LedgerBreak& b = *r.first_break;
    rows.push_back({"First break:",
                    absl::StrCat(BreakLocation(b), ": ", svidd::ledger::BreakKindName(b.kind))});
    rows.push_back({"", b.detail});
  }
  for (const svidd::ledger::LedgerWarning& w : r.warnings) {
    rows.push_back(
        {"Warning:", absl::StrCat(svidd::ledger::WarningKindName(w.kind), ": ", w.detail)});
  }
  return FormatTable(rows);
}

}  // namespace svidctl
