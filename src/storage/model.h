#pragma once
// Row <-> domain conversions for the nested parts stored as JSON text (identifier lists,
// challenges, contact lists). Shared by every SQL backend.
#include <string>
#include <vector>

#include "common/result.h"
#include "core/identifier.h"
#include "core/order.h"

namespace ca::storage {

std::string IdentifiersToJson(const std::vector<core::Identifier>& ids);
Result<std::vector<core::Identifier>> IdentifiersFromJson(const std::string& s);
std::string StringsToJson(const std::vector<std::string>& v);
Result<std::vector<std::string>> StringsFromJson(const std::string& s);
std::string ChallengesToJson(const std::vector<core::Challenge>& v);
Result<std::vector<core::Challenge>> ChallengesFromJson(const std::string& s);

}  // namespace ca::storage
