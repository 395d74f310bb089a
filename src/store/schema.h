// The datastore's SQLite schema (versioned by PRAGMA user_version, forward migrations only) and
// the small statement helpers the store uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sprawl/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sprawl::store {

/// The schema version this sprawl writes. A datastore with a higher user_version is refused.
inline constexpr int kSchemaVersion = 3;

/// The SQL that migrates user_version `version - 1` to `version` (1 … kSchemaVersion), for
/// tests that build a datastore as an older sprawl left it. A migration that converts data in
/// C++ as well (version 3 packs the locations) returns only its first SQL step.
std::string_view schema_migration(int version);

/// The datastore's user_version (0 for a new, empty file), or the SQLite error.
Result<int> schema_version(sqlite3* db, const std::string& path);

/// Brings a datastore at `from` (< kSchemaVersion) up to kSchemaVersion: every migration after
/// `from`, in order, in one transaction. On failure nothing is changed.
Status migrate(sqlite3* db, const std::string& path, int from);

/// Runs SQL with no results; the error names `path` and SQLite's message.
Status exec(sqlite3* db, const std::string& path, std::string_view sql);

/// An Error "PATH: what: SQLite's message" (or the lock message for SQLITE_BUSY).
Error sqlite_error(sqlite3* db, const std::string& path, std::string_view what);

/// One prepared statement, finalized on destruction. Binds are 1-based, columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return m_stmt != nullptr; }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);  ///< copied
  /// Not copied: `text` must stay as it is until the statement is reset.
  Statement& bind_borrowed(int index, std::string_view text);
  Statement& bind_null(int index);
  /// A BLOB, not copied: `bytes` must stay as they are until the statement is reset.
  Statement& bind_blob_borrowed(int index, std::string_view bytes);
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  /// Clears the bindings and makes the statement runnable again.
  void reset();

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;
  /// A BLOB (or text) column's bytes, valid until the next step or reset.
  std::string_view blob(int column) const;

 private:
  sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace sprawl::store
