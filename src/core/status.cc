#include <array>
#include <optional>
#include <string>

#include "core/account.h"
#include "core/order.h"

namespace ca::core {
namespace {
template <class E, size_t N>
std::optional<E> From(const std::array<const char*, N>& names, const std::string& s) {
  for (size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  return std::nullopt;
}
constexpr std::array<const char*, 5> kOrder = {"pending", "ready", "processing", "valid", "invalid"};
constexpr std::array<const char*, 6> kAuthz = {"pending", "valid", "invalid", "deactivated", "expired", "revoked"};
constexpr std::array<const char*, 4> kChallenge = {"pending", "processing", "valid", "invalid"};
constexpr std::array<const char*, 3> kAccount = {"valid", "deactivated", "revoked"};
}  // namespace

const char* ToString(AccountStatus s) { return kAccount[static_cast<size_t>(s)]; }
const char* ToString(OrderStatus s) { return kOrder[static_cast<size_t>(s)]; }
const char* ToString(AuthzStatus s) { return kAuthz[static_cast<size_t>(s)]; }
const char* ToString(ChallengeStatus s) { return kChallenge[static_cast<size_t>(s)]; }
std::optional<OrderStatus> OrderStatusFrom(const std::string& s) { return From<OrderStatus>(kOrder, s); }
std::optional<AuthzStatus> AuthzStatusFrom(const std::string& s) { return From<AuthzStatus>(kAuthz, s); }
std::optional<ChallengeStatus> ChallengeStatusFrom(const std::string& s) {
  return From<ChallengeStatus>(kChallenge, s);
}

}  // namespace ca::core
