#pragma once
// A small RFC 4180 CSV reader for operator-supplied files (`attestca device import`).
//   - Fields are separated by ",", records by CRLF, LF or CR; a final line break is optional.
//   - A field may be enclosed in double quotes; inside, "" is one quote and commas and line breaks
//     are data. Spaces are data (RFC 4180 §2.4): nothing is trimmed.
//   - A UTF-8 byte order mark at the very start is skipped (spreadsheet exports add one).
//   - Blank lines are skipped.
// Errors do not stop the reader: a bad record is reported with the line it starts on and skipped,
// so a caller can list every bad line at once. Only an unterminated quote ends the file early.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ca::config {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

struct CsvError {
  size_t line = 0;
  std::string message;
};

struct CsvFile {
  std::vector<CsvRecord> records;  // the well-formed records, in file order
  std::vector<CsvError> errors;    // syntax errors, in file order
};

// ParseCsv reads text as described above.
CsvFile ParseCsv(std::string_view text);

}  // namespace ca::config
