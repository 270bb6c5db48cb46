#pragma once
// Small file helpers for the CLI: exclusive creation with explicit modes, whole-file reads.
#include <string>

#include "common/result.h"

namespace ca::app {

// WriteNewFile creates path (failing if it exists) with the given mode and fsyncs it.
Result<void> WriteNewFile(const std::string& path, const std::string& data, unsigned mode);
// WriteReplacing writes a sibling temporary file and renames it over path, so a reader of path
// (a web server, the running CA) never sees half a file.
Result<void> WriteReplacing(const std::string& path, const std::string& data, unsigned mode);
Result<std::string> ReadFile(const std::string& path);
bool FileExists(const std::string& path);

// ReadPassphrase: from a file (first line) or an environment variable; "" when neither is set.
Result<std::string> ReadPassphrase(const std::string& file, const std::string& env);

}  // namespace ca::app
