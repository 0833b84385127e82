// The active signing authority, swapped atomically. Readers take their own reference, so a
// swap (CA rotation, a reloaded --ca-dir) never waits for or disturbs in-flight signing.
#pragma once

#include <atomic>
#include <memory>

#include "svidd/pki/authority.h"

namespace svidd::pki {

class AuthorityHolder {
 public:
  AuthorityHolder() = default;
  explicit AuthorityHolder(std::shared_ptr<const Authority> initial)
      : current_(std::move(initial)) {}

  // Null until an authority is installed ("CA not ready").
  std::shared_ptr<const Authority> Get() const { return current_.load(std::memory_order_acquire); }
  void Set(std::shared_ptr<const Authority> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Authority>> current_;
};

}  // namespace svidd::pki
