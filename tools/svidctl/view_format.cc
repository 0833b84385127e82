#include "svidctl/view_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "svidctl/output_format.h"
#include "svidd/common/time_format.h"

namespace svidctl {
namespace {

using json = nlohmann::ordered_json;
using svidd::FormatRelative;
using svidd::FormatRfc3339;

json CaCertificateToJson(const svidd::ops::CaCertificateInfo& c) {
  json j;
  j["role"] = svidd::ops::CaRoleName(c.role);
  j["subject"] = c.subject;
  j["serial"] = c.serial_hex;
  j["not_before"] = FormatRfc3339(c.not_before);
  j["not_after"] = FormatRfc3339(c.not_after);
  j["key_type"] = c.key_type;
  return j;
}

std::vector<std::string> CaRow(const std::string& role, const std::string& subject,
                               const std::string& serial, const std::string& key_type,
                               svidd::TimePoint not_after, svidd::TimePoint now) {
  return {role, subject, serial, key_type,
          absl::StrCat(FormatRfc3339(not_after), " (", FormatRelative(not_after, now), ")")};
}

const std::vector<std::string> kCaHeader = {"CA", "SUBJECT", "SERIAL", "KEY", "NOT AFTER"};

}  // namespace

json IdentitiesToJson(const std::vector<svidd::ledger::IdentitySummary>& identities) {
  json j;
  j["identities"] = json::array();
  for (const svidd::ledger::IdentitySummary& i : identities) {
    json item;
    item["spiffe_id"] = i.spiffe_id;
    item["kind"] = svidd::ledger::CertKindName(i.kind);
    item["certificates"] = i.certificates;
    item["valid_certificates"] = i.valid_certificates;
    item["first_issued_at"] = FormatRfc3339(i.first_issued_at);
    item["last_issued_at"] = FormatRfc3339(i.last_issued_at);
    item["current_serial"] = i.current_serial;
    item["current_status"] = svidd::ledger::CertStatusName(i.current_status);
    item["current_not_before"] = FormatRfc3339(i.current_not_before);
    item["current_not_after"] = FormatRfc3339(i.current_not_after);
    item["current_auth_method"] = i.current_auth_method;
    j["identities"].push_back(std::move(item));
  }
  return j;
}

std::string IdentitiesTable(const std::vector<svidd::ledger::IdentitySummary>& identities,
                            svidd::TimePoint now) {
  std::vector<std::vector<std::string>> rows = {
      {"SPIFFE ID", "KIND", "CERTS", "VALID", "LAST ISSUED", "EXPIRES", "CURRENT", "STATUS"}};
  for (const svidd::ledger::IdentitySummary& i : identities) {
    rows.push_back({i.spiffe_id, svidd::ledger::CertKindName(i.kind),
                    std::to_string(i.certificates), std::to_string(i.valid_certificates),
                    FormatRelative(i.last_issued_at, now), FormatRelative(i.current_not_after, now),
                    i.current_serial, svidd::ledger::CertStatusName(i.current_status)});
  }
  return FormatTable(rows);
}

json StatsToJson(const svidd::ops::FleetStats& s) {
  json j;
  j["generated_at"] = FormatRfc3339(s.generated_at);
  j["valid_certificates"] = s.valid_certificates;
  j["valid_by_kind"] = json::object();
  for (const svidd::ledger::GroupCount& g : s.valid_by_kind) j["valid_by_kind"][g.value] = g.count;
  j["windows"] = json::array();
  for (const svidd::ops::StatsWindow& w : s.windows) {
    json item;
    item["window"] = svidd::FormatDuration(w.window);
    item["issued"] = w.issued;
    item["renewals"] = w.renewals;
    item["revoked"] = w.revoked;
    item["refused"] = w.refused;
    j["windows"].push_back(std::move(item));
  }
  j["refusals"] = json::array();
  for (const svidd::ops::RefusalReasonStats& r : s.refusals) {
    json item;
    item["reason"] = r.reason;
    item["counts"] = r.counts;
    j["refusals"].push_back(std::move(item));
  }
  j["ca"] = json::array();
  for (const svidd::ops::CaCertificateInfo& c : s.ca) j["ca"].push_back(CaCertificateToJson(c));
  return j;
}

std::string StatsText(const svidd::ops::FleetStats& s) {
  std::vector<std::string> by_kind;
  for (const svidd::ledger::GroupCount& g : s.valid_by_kind)
    by_kind.push_back(absl::StrCat(g.value, " ", g.count));
  std::string out = absl::StrCat("Valid certificates: ", s.valid_certificates);
  if (!by_kind.empty()) absl::StrAppend(&out, " (", absl::StrJoin(by_kind, ", "), ")");
  absl::StrAppend(&out, "\nAs of: ", FormatRfc3339(s.generated_at), "\n\n");

  std::vector<std::vector<std::string>> windows = {
      {"LAST", "ISSUED", "RENEWALS", "REVOKED", "REFUSED"}};
  for (const svidd::ops::StatsWindow& w : s.windows) {
    windows.push_back({svidd::FormatDuration(w.window), std::to_string(w.issued),
                       std::to_string(w.renewals), std::to_string(w.revoked),
                       std::to_string(w.refused)});
  }
  absl::StrAppend(&out, FormatTable(windows));

  if (!s.refusals.empty()) {
    std::vector<std::string> header = {"REFUSED BECAUSE"};
    for (const svidd::ops::StatsWindow& w : s.windows)
      header.push_back(svidd::FormatDuration(w.window));
    std::vector<std::vector<std::string>> refusals = {header};
    for (const svidd::ops::RefusalReasonStats& r : s.refusals) {
      std::vector<std::string> row = {r.reason};
      for (int64_t count : r.counts) row.push_back(std::to_string(count));
      refusals.push_back(std::move(row));
    }
    absl::StrAppend(&out, "\n", FormatTable(refusals));
  }

  std::vector<std::vector<std::string>> ca = {kCaHeader};
  for (const svidd::ops::CaCertificateInfo& c : s.ca) {
    ca.push_back(CaRow(svidd::ops::CaRoleName(c.role), c.subject, c.serial_hex, c.key_type,
                       c.not_after, s.generated_at));
  }
  absl::StrAppend(&out, "\n", FormatTable(ca));
  return out;
}

json AuditToJson(const svidd::ops::AuditReport& report) {
  json j;
  j["generated_at"] = FormatRfc3339(report.generated_at);
  j["critical"] = report.Count(svidd::ops::AuditSeverity::kCritical);
  j["warning"] = report.Count(svidd::ops::AuditSeverity::kWarning);
  j["info"] = report.Count(svidd::ops::AuditSeverity::kInfo);
  j["findings"] = json::array();
  for (const svidd::ops::AuditFinding& f : report.findings) {
    json item;
    item["severity"] = svidd::ops::AuditSeverityName(f.severity);
    item["check"] = f.check;
    item["subject"] = f.subject;
    item["message"] = f.message;
    j["findings"].push_back(std::move(item));
  }
  return j;
}

std::string AuditText(const svidd::ops::AuditReport& report) {
  std::vector<std::vector<std::string>> rows = {{"SEVERITY", "CHECK", "SUBJECT", "FINDING"}};
  for (const svidd::ops::AuditFinding& f : report.findings) {
    rows.push_back({svidd::ops::AuditSeverityName(f.severity), f.check, f.subject, f.message});
  }
  return absl::StrCat(FormatTable(rows), "\n", report.Count(svidd::ops::AuditSeverity::kCritical),
                      " critical, ", report.Count(svidd::ops::AuditSeverity::kWarning),
                      " warning, ", report.Count(svidd::ops::AuditSeverity::kInfo), " info (as of ",
                      FormatRfc3339(report.generated_at), ")\n");
}

json CaStatusToJson(const svidd::ops::CaManagerStatus& s) {
  auto when = [](const std::optional<svidd::TimePoint>& t) {
    return t ? json(FormatRfc3339(*t)) : json();
  };
  json j;
  j["mode"] = s.mode;
  j["active"] = CaCertificateToJson(s.active);
  j["next"] = s.next ? CaCertificateToJson(*s.next) : json();
  j["next_prepare_at"] = when(s.next_prepare_at);
  j["next_activate_at"] = when(s.next_activate_at);
  j["root_phase"] = s.root_phase;
  j["roots"] = json::array();
  for (const auto& root : s.roots) j["roots"].push_back(CaCertificateToJson(root));
  return j;
}

std::string CaStatusText(const svidd::ops::CaManagerStatus& s, svidd::TimePoint now) {
  auto when = [now](svidd::TimePoint t) {
    return absl::StrCat(FormatRfc3339(t), " (", FormatRelative(t, now), ")");
  };
  std::vector<std::vector<std::string>> facts = {{"Mode:", s.mode},
                                                 {"Root rotation:", s.root_phase}};
  if (s.next_prepare_at) facts.push_back({"Next CA prepared:", when(*s.next_prepare_at)});
  if (s.next_activate_at) facts.push_back({"Next CA signs:", when(*s.next_activate_at)});
  std::vector<std::vector<std::string>> ca = {kCaHeader};
  auto add = [&](const std::string& role, const svidd::ops::CaCertificateInfo& c) {
    ca.push_back(CaRow(role, c.subject, c.serial_hex, c.key_type, c.not_after, now));
  };
  add("active", s.active);
  if (s.next) add("next", *s.next);
  for (const auto& root : s.roots) add("root", root);
  return absl::StrCat(FormatTable(facts), "\n", FormatTable(ca));
}

}  // namespace svidctl
