// read_file: whole regular files into a reused buffer, bounded by a size limit.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <string>

#include "src/source/file_reader.h"
#include "tests/support/temp_dir.h"

using sprawl::read_file;
using sprawl::ReadStatus;

TEST_CASE("read_file reads a regular file completely", "[source]") {
  sprawl::test::TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content.push_back(static_cast<char>('a' + i % 26));
  content[5] = '\0';
  const std::string path = dir.write("a.txt", content);
  std::string buffer = "stale contents from an earlier read";
  const auto outcome = read_file(path, 1 << 20, buffer);
  CHECK(outcome.status == ReadStatus::ok);
  CHECK(outcome.size == content.size());
  CHECK(buffer == content);
}

TEST_CASE("read_file reads an empty file", "[source]") {
  sprawl::test::TempDir dir;
  const std::string path = dir.write("empty", "");
  std::string buffer = "stale";
  const auto outcome = read_file(path, 100, buffer);
  CHECK(outcome.status == ReadStatus::ok);
  CHECK(outcome.size == 0);
  CHECK(buffer.empty());
}

TEST_CASE("read_file accepts a file of exactly the size limit", "[source]") {
  sprawl::test::TempDir dir;
  const std::string path = dir.write("limit", std::string(5000, 'q'));
  std::string buffer;
  const auto outcome = read_file(path, 5000, buffer);
  CHECK(outcome.status == ReadStatus::ok);
  CHECK(buffer.size() == 5000);
}

TEST_CASE("read_file reports a file over the limit as too large with its size", "[source]") {
  sprawl::test::TempDir dir;
  const std::string path = dir.write("big", std::string(5001, 'q'));
  std::string buffer;
  const auto outcome = read_file(path, 5000, buffer);
  CHECK(outcome.status == ReadStatus::too_large);
  CHECK(outcome.size == 5001);
  CHECK(buffer.empty());
}

TEST_CASE("read_file reports an error for a directory", "[source]") {
  sprawl::test::TempDir dir;
  std::string buffer;
  const auto outcome = read_file(dir.path(), 1 << 20, buffer);
  CHECK(outcome.status == ReadStatus::error);
  CHECK_FALSE(outcome.message.empty());
}

TEST_CASE("read_file reports an error for a missing file", "[source]") {
  sprawl::test::TempDir dir;
  std::string buffer;
  const auto outcome = read_file(dir / "missing", 1 << 20, buffer);
  CHECK(outcome.status == ReadStatus::error);
  CHECK_THAT(outcome.message, Catch::Contains("No such file"));
}

TEST_CASE("read_file refuses a FIFO without blocking", "[source]") {
  sprawl::test::TempDir dir;
  const std::string path = dir / "pipe";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  std::string buffer;
  const auto outcome = read_file(path, 1 << 20, buffer);  // would hang if it waited for a writer
  CHECK(outcome.status == ReadStatus::error);
  CHECK(outcome.message == "not a regular file");
}
