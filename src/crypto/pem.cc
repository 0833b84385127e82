// PEM/DER encoding. Parsing is strict: a certificate blob holds certificate blocks only, a CSR
// blob exactly one request block, and every DER body must be consumed completely. Private-key
// output goes through a secure-memory BIO, which wipes its buffer when freed.
#include "svidd/crypto/pem.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"

namespace svidd::crypto {
namespace {

struct PemBlock {
  std::string name;
  std::string der;
};

absl::StatusOr<BioPtr> ReadOnlyBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("input larger than 2 GiB");
  }
  // An empty view may have a null data(), which BIO_new_mem_buf refuses.
  const char* bytes = data.empty() ? "" : data.data();
  BioPtr bio(BIO_new_mem_buf(bytes, static_cast<int>(data.size())));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf");
  return bio;
}

absl::StatusOr<BioPtr> WritableBio(bool secure) {
  BioPtr bio(BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new");
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(len));
}

bool IsEndOfPem() {
  unsigned long err = ERR_peek_last_error();
  return ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

// Every PEM block in `pem`, in order. Text outside blocks is ignored, as in OpenSSL.
absl::StatusOr<std::vector<PemBlock>> ReadPemBlocks(std::string_view pem) {
  SVIDD_ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  std::vector<PemBlock> blocks;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      if (IsEndOfPem()) break;
      return OpenSslError(absl::StatusCode::kInvalidArgument, "malformed PEM block");
    }
    OpensslStringPtr name_owner(name), header_owner(header);
    OpensslStringPtr data_owner(reinterpret_cast<char*>(data));
    if (header != nullptr && header[0] != '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("PEM block '", name, "' has headers (encrypted PEM is not supported)"));
    }
    blocks.push_back({name, std::string(reinterpret_cast<char*>(data), len)});
  }
  ClearOpenSslErrors();  // the expected "no start line" at the end
  if (blocks.empty()) return absl::InvalidArgumentError("no PEM block found");
  return blocks;
}

// Runs a d2i_* function over all of `der`; refuses trailing bytes.
template <typename T, typename Ptr>
absl::StatusOr<Ptr> DecodeDer(std::string_view der, T* (*d2i)(T**, const unsigned char**, long),
                              std::string_view what) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  Ptr obj(d2i(nullptr, &p, static_cast<long>(der.size())));
  if (obj == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat("cannot parse ", std::string(what)));
  }
  if (p != end) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " has ", end - p, " trailing bytes"));
  }
  return obj;
}

// Encodes with an i2d_* function taking a const or non-const object.
template <typename T, typename I2d>
absl::StatusOr<std::string> EncodeDer(const T* obj, I2d i2d, std::string_view what) {
  if (obj == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), " is null"));
  unsigned char* out = nullptr;
  int len = i2d(const_cast<T*>(obj), &out);
  if (len <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, absl::StrCat("encoding ", std::string(what)));
  }
  OpensslStringPtr owner(reinterpret_cast<char*>(out));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(len));
}

// Every block of `pem`, which must all be named `block_name`, decoded with `d2i`.
template <typename T, typename Ptr>
absl::StatusOr<std::vector<Ptr>> DecodeAllPem(std::string_view pem, const char* block_name,
                                              T* (*d2i)(T**, const unsigned char**, long),
                                              std::string_view what) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<PemBlock> blocks, ReadPemBlocks(pem));
  std::vector<Ptr> out;
  for (const PemBlock& block : blocks) {
    if (block.name != block_name) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected only ", block_name, " PEM blocks, found '", block.name, "'"));
    }
    SVIDD_ASSIGN_OR_RETURN(Ptr obj, (DecodeDer<T, Ptr>(block.der, d2i, what)));
    out.push_back(std::move(obj));
  }
  return out;
}

// PEM-encodes with a PEM_write_bio_* function.
template <typename T, typename Write>
absl::StatusOr<std::string> EncodePem(const T* obj, Write write, std::string_view what) {
  if (obj == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), " is null"));
  SVIDD_ASSIGN_OR_RETURN(BioPtr bio, WritableBio(/*secure=*/false));
  if (write(bio.get(), obj) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        absl::StrCat("PEM-encoding ", std::string(what)));
  }
  return BioContents(bio.get());
}

int NoPassword(char*, int, int, void*) { return -1; }

}  // namespace

absl::StatusOr<std::vector<X509Ptr>> ParseCertificatesPem(std::string_view pem) {
  return DecodeAllPem<X509, X509Ptr>(pem, PEM_STRING_X509, d2i_X509, "certificate");
}

absl::StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParseCertificatesPem(pem));
  if (certs.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected exactly one certificate, found ", certs.size()));
  }
  return std::move(certs.front());
}

absl::StatusOr<X509Ptr> ParseCertificateDer(std::string_view der) {
  return DecodeDer<X509, X509Ptr>(der, d2i_X509, "certificate");
}

absl::StatusOr<std::string> CsrPemToDer(std::string_view pem) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<PemBlock> blocks, ReadPemBlocks(pem));
  if (blocks.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected exactly one PEM block, found ", blocks.size()));
  }
  PemBlock& block = blocks.front();
  if (block.name != PEM_STRING_X509_REQ && block.name != PEM_STRING_X509_REQ_OLD) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a CERTIFICATE REQUEST PEM block, found '", block.name, "'"));
  }
  return std::move(block.der);
}

absl::StatusOr<X509ReqPtr> ParseCsrPem(std::string_view pem) {
  SVIDD_ASSIGN_OR_RETURN(std::string der, CsrPemToDer(pem));
  return DecodeDer<X509_REQ, X509ReqPtr>(der, d2i_X509_REQ, "certificate request");
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  SVIDD_ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "cannot parse unencrypted PEM private key");
  }
  return key;
}

absl::StatusOr<std::string> CertificateToPem(const X509* cert) {
  return EncodePem(cert, PEM_write_bio_X509, "certificate");
}

std::string CertificateDerToPem(std::string_view der) {
  // What PEM_write_bio_X509 writes: base64 in lines of 64 characters (48 bytes each).
  constexpr size_t kLineBytes = 48;
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  pem.reserve(pem.size() + der.size() * 4 / 3 + der.size() / kLineBytes + 32);
  unsigned char line[65];
  for (size_t at = 0; at < der.size(); at += kLineBytes) {
    const size_t n = std::min(kLineBytes, der.size() - at);
    const int written = EVP_EncodeBlock(
        line, reinterpret_cast<const unsigned char*>(der.data()) + at, static_cast<int>(n));
    pem.append(reinterpret_cast<const char*>(line), static_cast<size_t>(written));
    pem.push_back('\n');
  }
  pem += "-----END CERTIFICATE-----\n";
  return pem;
}

absl::StatusOr<std::string> CertificateToDer(const X509* cert) {
  return EncodeDer(cert, i2d_X509, "certificate");
}

absl::StatusOr<std::string> CsrToPem(const X509_REQ* csr) {
  return EncodePem(csr, PEM_write_bio_X509_REQ, "certificate request");
}

absl::StatusOr<std::string> PrivateKeyToPkcs8Pem(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("private key is null");
  SVIDD_ASSIGN_OR_RETURN(BioPtr bio, WritableBio(/*secure=*/true));
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "PEM-encoding private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PrivateKeyToPkcs8Der(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("private key is null");
  SVIDD_ASSIGN_OR_RETURN(BioPtr bio, WritableBio(/*secure=*/true));
  if (i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "DER-encoding private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicKeyToDer(const EVP_PKEY* key) {
  return EncodeDer(key, i2d_PUBKEY, "public key");
}

absl::StatusOr<std::string> CertificatesToPem(const std::vector<const X509*>& certs) {
  std::string out;
  for (const X509* cert : certs) {
    SVIDD_ASSIGN_OR_RETURN(std::string pem, CertificateToPem(cert));
    out += pem;  // PEM_write_bio_X509 ends every block with "\n"
  }
  return out;
}

absl::StatusOr<std::vector<X509CrlPtr>> ParseCrlsPem(std::string_view pem) {
  return DecodeAllPem<X509_CRL, X509CrlPtr>(pem, PEM_STRING_X509_CRL, d2i_X509_CRL, "CRL");
}

absl::StatusOr<X509CrlPtr> ParseCrlDer(std::string_view der) {
  return DecodeDer<X509_CRL, X509CrlPtr>(der, d2i_X509_CRL, "CRL");
}

absl::StatusOr<std::string> CrlToPem(const X509_CRL* crl) {
  return EncodePem(crl, PEM_write_bio_X509_CRL, "CRL");
}

absl::StatusOr<std::string> CrlToDer(const X509_CRL* crl) {
  return EncodeDer(crl, i2d_X509_CRL, "CRL");
}

X509Ptr ShareCertificate(const X509* cert) {
  if (cert == nullptr || X509_up_ref(const_cast<X509*>(cert)) != 1) return nullptr;
  return X509Ptr(const_cast<X509*>(cert));
}

}  // namespace svidd::crypto
