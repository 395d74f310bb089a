// git_blob_id: SHA-1 of "blob <len>\0" + bytes, the id `git hash-object` prints.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "sprawl/blob.h"
#include "tests/support/temp_dir.h"

using sprawl::git_blob_id;

TEST_CASE("git blob id of empty content is git's empty-blob id", "[source]") {
  CHECK(git_blob_id("").hex() == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST_CASE("git blob id of hello newline matches git hash-object", "[source]") {
  CHECK(git_blob_id("hello\n").hex() == "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST_CASE("git blob id hex is 40 lowercase hex characters and ids compare by value", "[source]") {
  const auto a = git_blob_id("abc"), b = git_blob_id(std::string("abc")), c = git_blob_id("abd");
  CHECK(a.hex().size() == 40);
  CHECK(a == b);
  CHECK_FALSE(a == c);
  CHECK(sprawl::BlobIdHash{}(a) == sprawl::BlobIdHash{}(b));
}

TEST_CASE("git blob id of binary content matches git hash-object", "[source]") {
  std::string content;
  for (int i = 0; i < 3000; ++i) content.push_back(static_cast<char>((i * 7919) & 0xFF));
  sprawl::test::TempDir dir;
  const std::string path = dir.write("blob.bin", content);
  std::string expected;
  if (FILE* pipe = ::popen(("git hash-object '" + path + "' 2>/dev/null").c_str(), "r")) {
    char buffer[128];
    while (std::fgets(buffer, sizeof buffer, pipe)) expected += buffer;
    if (::pclose(pipe) != 0) expected.clear();
  }
  while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
  if (expected.empty()) {
    WARN("git is not available; skipping the comparison with git hash-object");
    return;
  }
  CHECK(git_blob_id(content).hex() == expected);
}
