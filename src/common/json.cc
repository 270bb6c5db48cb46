// ParseJsonBounded: nlohmann's SAX parser into a DOM, refusing duplicate keys and deep nesting.
#include "common/json.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ca {
namespace {

using nlohmann::json;

constexpr size_t kMaxJsonDepth = 32;

// BoundedSax builds a json DOM like nlohmann's own SAX DOM parser, but stops at the first
// duplicate object key (RFC 8259 §4 leaves them undefined; RFC 7515 §5.2 step 4 says reject) or
// at nesting deeper than kMaxJsonDepth.
class BoundedSax final : public nlohmann::json_sax<json> {
 public:
  json root;
  std::string error;

  bool null() override { return Value(json(nullptr)); }
  bool boolean(bool v) override { return Value(json(v)); }
  bool number_integer(number_integer_t v) override { return Value(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Value(json(v)); }
  bool number_float(number_float_t v, const string_t& /*s*/) override { return Value(json(v)); }
  bool string(string_t& v) override { return Value(json(std::move(v))); }
  bool binary(binary_t& /*v*/) override {
    error = "request body is not valid JSON";
    return false;
  }
  bool start_object(std::size_t /*n*/) override { return Open(json::object()); }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) {
      error = "JSON object has a duplicate key \"" + Printable(k) + "\"";
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) override { return Open(json::array()); }
  bool end_array() override {
    keys_.pop_back();
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*pos*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    if (error.empty()) error = "request body is not valid JSON";
    return false;
  }

 private:
  // Printable keeps a hostile key short and ASCII in error details.
  static std::string Printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 32)) out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
    return out;
  }

  json* Insert(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json* top = stack_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    json& slot = (*top)[key_];
    slot = std::move(v);
    return &slot;
  }
  bool Value(json v) {
    Insert(std::move(v));
    return true;
  }
  bool Open(json container) {
    if (stack_.size() >= kMaxJsonDepth) {
      error = "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth);
      return false;
    }
    stack_.push_back(Insert(std::move(container)));
    keys_.emplace_back();
    return true;
  }

  std::vector<json*> stack_;  // open containers; each is the last child of the one below it
  std::vector<std::set<std::string>> keys_;
  std::string key_;
};

}  // namespace

Result<json> ParseJsonBounded(std::string_view text) {
  BoundedSax sax;
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, /*strict=*/true,
                         /*ignore_comments=*/false);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) return Fail(Errc::kMalformed, sax.error.empty() ? "request body is not valid JSON" : sax.error);
  return std::move(sax.root);
}

}  // namespace ca
