#include "svidd/auth/caller_identity.h"

namespace svidd::auth {

const char* AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kKubernetesToken:
      return "k8s-jwt";
    case AuthMethod::kClientCertificate:
      return "x509";
  }
  return "unknown";
}

}  // namespace svidd::auth
