#include "pki/chain_verifier.h"

#include <openssl/x509_vfy.h>

#include "absl/strings/str_cat.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::pki::internal {
namespace {

// OpenSSL's store and stack APIs take non-const pointers; they only add references.
X509* Borrow(const X509* cert) { return const_cast<X509*>(cert); }

absl::StatusOr<crypto::X509StorePtr> MakeStore(const std::vector<crypto::X509Ptr>& roots) {
  crypto::X509StorePtr store(X509_STORE_new());
  if (store == nullptr)
    return crypto::OpenSslError(absl::StatusCode::kInternal, "certificate store");
  for (const crypto::X509Ptr& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return crypto::OpenSslError(absl::StatusCode::kInternal, "adding a root to the store");
    }
  }
  return store;
}

absl::StatusOr<crypto::X509StackPtr> MakeStack(const std::vector<const X509*>& certs) {
  crypto::X509StackPtr stack(sk_X509_new_null());
  if (stack == nullptr)
    return crypto::OpenSslError(absl::StatusCode::kInternal, "certificate stack");
  for (const X509* cert : certs) {
    if (cert == nullptr) continue;
    if (X509_up_ref(Borrow(cert)) != 1)
      return crypto::OpenSslError(absl::StatusCode::kInternal, "ref");
    if (sk_X509_push(stack.get(), Borrow(cert)) == 0) {
      X509_free(Borrow(cert));
      return crypto::OpenSslError(absl::StatusCode::kInternal, "certificate stack");
    }
  }
  return stack;
}

std::string Failure(X509_STORE_CTX* ctx) {
  const int err = X509_STORE_CTX_get_error(ctx);
  std::string reason = X509_verify_cert_error_string(err);
  const X509* at = X509_STORE_CTX_get_current_cert(ctx);
  absl::StrAppend(&reason, " (at depth ", X509_STORE_CTX_get_error_depth(ctx));
  if (at != nullptr) {
    const std::string subject = crypto::SubjectString(at);
    absl::StrAppend(&reason, ", subject \"", subject, "\"");
  }
  return reason + ")";
}

}  // namespace

absl::Status VerifyChain(const ChainCheck& check, absl::StatusCode code, const std::string& what) {
  if (check.leaf == nullptr || check.roots == nullptr || check.roots->empty()) {
    return absl::Status(code, what + ": no certificate or no roots to verify against");
  }
  absl::StatusOr<crypto::X509StorePtr> store = MakeStore(*check.roots);
  if (!store.ok()) return store.status();
  absl::StatusOr<crypto::X509StackPtr> untrusted = MakeStack(check.untrusted);
  if (!untrusted.ok()) return untrusted.status();
  crypto::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store->get(), Borrow(check.leaf), untrusted->get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "verification context");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(check.at));
  if (X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_USE_CHECK_TIME) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "verification time");
  }
  if (check.purpose != 0 && X509_STORE_CTX_set_purpose(ctx.get(), check.purpose) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "verification purpose");
  }
  const int result = X509_verify_cert(ctx.get());
  if (result == 1) return absl::OkStatus();
  const std::string reason = Failure(ctx.get());
  if (check.verify_error != nullptr) *check.verify_error = X509_STORE_CTX_get_error(ctx.get());
  crypto::ClearOpenSslErrors();
  if (result < 0) return absl::InternalError(what + ": verification failed to run: " + reason);
  return absl::Status(code, what + ": " + reason);
}

}  // namespace svidd::pki::internal
