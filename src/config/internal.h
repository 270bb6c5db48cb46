#pragma once
// Shared between load.cc and validate.cc: the problem list and where each key was found.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace ca::config::internal {

// Problems collects every problem found while loading, each tagged with its source line (0: none).
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(int64_t line, const std::string& msg);
  // AddAt uses the line recorded for key (if any).
  void AddAt(const std::string& key, const std::string& msg);
  void SetLine(const std::string& key, int64_t line) { lines_[key] = line; }
  bool Empty() const { return list_.empty(); }
  // Joined renders "FILE:LINE: msg" lines ordered by line (line-less ones last).
  std::string Joined() const;

 private:
  std::string source_;
  std::map<std::string, int64_t> lines_;
  std::vector<std::pair<int64_t, std::string>> list_;
};

// Validate checks cross-field rules and fills derived defaults (external_url).
void Validate(Config& cfg, Problems& problems);

// ValidateWebhook checks [provisioners.NAME.webhook] (validate_webhook.cc).
void ValidateWebhook(const ProvisionerConfig& pc, Problems& problems);

}  // namespace ca::config::internal
