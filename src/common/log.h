#pragma once
// Logging facade (spdlog behind it; headers never include spdlog). Three streams: access (one line
// per HTTP request), audit (issuance, revocation, config loads) and debug. Never log secrets.
#include <string_view>

#include <fmt/format.h>

namespace ca::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Init configures the sinks: human-readable lines, or one JSON object per line when json is set.
void Init(Level level, bool json);
void Write(Level level, std::string_view stream, std::string_view msg);
// Enabled reports whether lines of this level are written: the helpers below check it before
// formatting, so a filtered line (an access line per OCSP answer at "warn") costs no allocation.
bool Enabled(Level level);

template <class... A>
void Info(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, "app", fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Warn(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, "app", fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Error(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kError)) Write(Level::kError, "app", fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Debug(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, "app", fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Audit(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, "audit", fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Access(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, "access", fmt::format(f, std::forward<A>(a)...));
}

}  // namespace ca::log
