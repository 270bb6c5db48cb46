#include "config/csv.h"

namespace ca::config {
namespace {

// Reader walks the text one record at a time, counting lines.
class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  bool Done() const { return pos_ >= t_.size(); }

  // Next reads one record into out.records, or, if it is malformed, reports it in out.errors and
  // skips the rest of its line.
  void Next(CsvFile& out) {
    CsvRecord rec;
    rec.line = line_;
    std::string error;
    while (true) {
      std::string field;
      const bool ok = Peek() == '"' ? Quoted(field, error) : Plain(field, error);
      if (!ok) {
        if (!Done()) SkipLine();
        out.errors.push_back({rec.line, error});
        return;
      }
      rec.fields.push_back(std::move(field));
      if (Done()) break;
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      EndOfLine();
      break;
    }
    if (rec.fields.size() == 1 && rec.fields[0].empty()) return;  // blank line
    out.records.push_back(std::move(rec));
  }

 private:
  char Peek() const { return pos_ < t_.size() ? t_[pos_] : '\0'; }
  bool AtLineBreak() const { return Peek() == '\n' || Peek() == '\r'; }

  // EndOfLine consumes one CRLF, LF or CR.
  void EndOfLine() {
    if (Peek() == '\r') ++pos_;
    if (Peek() == '\n') ++pos_;
    ++line_;
  }

  void SkipLine() {
    while (!Done() && !AtLineBreak()) ++pos_;
    if (!Done()) EndOfLine();
  }

  bool Plain(std::string& field, std::string& error) {
    while (!Done() && Peek() != ',' && !AtLineBreak()) {
      if (Peek() == '"') {
        error = "a double quote inside an unquoted field (enclose the field in double quotes and double the quote)";
        return false;
      }
      field.push_back(t_[pos_++]);
    }
    return true;
  }

  bool Quoted(std::string& field, std::string& error) {
    const size_t start_line = line_;
    ++pos_;  // opening quote
    while (true) {
      if (Done()) {
        error = "a quoted field is not closed (the quote opened on line " + std::to_string(start_line) + ")";
        return false;
      }
      const char c = t_[pos_++];
      if (c == '"') {
        if (Peek() == '"') {
          field.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\r' || c == '\n') {  // a line break inside quotes is data
        field.push_back(c);
        if (c == '\r' && Peek() == '\n') field.push_back(t_[pos_++]);
        ++line_;
        continue;
      }
      field.push_back(c);
    }
    if (!Done() && Peek() != ',' && !AtLineBreak()) {
      error = "unexpected text after a closing double quote";
      return false;
    }
    return true;
  }

  std::string_view t_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

CsvFile ParseCsv(std::string_view text) {
  CsvFile out;
  Reader r(text);
  while (!r.Done()) r.Next(out);
  return out;
}

}  // namespace ca::config
