// JsonWriter and append_json_string: escaping, U+FFFD for invalid UTF-8, and output that a
// strict parser (simdjson) accepts.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>

#include "src/report/json_writer.h"

using sprawl::append_json_string;
using sprawl::JsonWriter;

namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// Parses a JSON string literal with simdjson and returns its value; fails the test when the
// literal is not valid JSON.
std::string parse_string(const std::string& literal) {
  simdjson::dom::parser parser;
  const std::string document = "[" + literal + "]";
  simdjson::dom::element root;
  const auto error = parser.parse(document).get(root);
  INFO("document: " << document);
  REQUIRE(error == simdjson::SUCCESS);
  std::string_view value;
  REQUIRE(root.at(0).get(value) == simdjson::SUCCESS);
  return std::string(value);
}

}  // namespace

TEST_CASE("json string escapes quotes and backslashes", "[report]") {
  CHECK(as_json(R"(say "hi" \ bye)") == R"("say \"hi\" \\ bye")");
  CHECK(parse_string(as_json(R"(say "hi" \ bye)")) == R"(say "hi" \ bye)");
}

TEST_CASE("json string escapes control characters", "[report]") {
  CHECK(as_json("a\nb\rc\td") == R"("a\nb\rc\td")");
  CHECK(as_json(std::string("x\0y", 3)) == R"("x\u0000y")");
  CHECK(as_json("\x01\x1f\x7f") == R"("\u0001\u001f\u007f")");
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  CHECK(parse_string(as_json(all)) == all);
}

TEST_CASE("json string keeps valid UTF-8 as is", "[report]") {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE2\x80\xA6";
  CHECK(as_json(text) == "\"" + text + "\"");
  CHECK(parse_string(as_json(text)) == text);
}

TEST_CASE("json string writes invalid UTF-8 bytes as U+FFFD", "[report]") {
  CHECK(as_json("a\xFF"
                "b") == R"("a\ufffdb")");
  CHECK(as_json("\x80") == R"("\ufffd")");
  CHECK(as_json("end\xE2\x82") == R"("end\ufffd\ufffd")");  // truncated sequence
  CHECK(as_json("\xC3(") == R"("\ufffd(")");
  CHECK(parse_string(as_json("a\xFF\xFE"
                             "b\xC3")) ==
        "a\xEF\xBF\xBD\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");
}

TEST_CASE("json string output is valid JSON for overlong and surrogate encodings", "[report]") {
  // RFC 3629 forbids overlong forms, encoded surrogates and code points above U+10FFFF; a strict
  // parser rejects them, so the writer must replace them like any other invalid byte.
  for (const std::string bad :
       {std::string("\xC0\x80", 2), std::string("\xC1\xBF"), std::string("\xE0\x80\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xF0\x80\x80\xAF"), std::string("\xF4\x90\x80\x80"), std::string("\xF5\x80\x80\x80")}) {
    const std::string literal = as_json("x" + bad + "y");
    INFO("literal: " << literal);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    CHECK(parser.parse("[" + literal + "]").get(root) == simdjson::SUCCESS);
    CHECK(literal.find("\\ufffd") != std::string::npos);
  }
}

TEST_CASE("json writer builds a document a strict parser reads back", "[report]") {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("schema_version", 1);
  json.key("tool").begin_object().field("name", "sprawl").field("version", std::string("0.1.0")).end_object();
  json.key("findings").begin_array();
  json.begin_object()
      .field("path", std::string_view("dir/\"quoted\"\\file\n"))
      .field("line", std::uint64_t{12})
      .field("offset", std::int64_t{-3})
      .field("entropy", 4.25)
      .field("redacted", true)
      .field("binary", false)
      .end_object();
  json.begin_object().key("tags").string_array({"a", "b\"c"}).end_object();
  json.end_array();
  json.key("empty_array").begin_array().end_array();
  json.key("empty_object").begin_object().end_object();
  json.field("big", std::numeric_limits<std::uint64_t>::max());
  json.end_object();

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  INFO(out);
  REQUIRE(parser.parse(out).get(root) == simdjson::SUCCESS);
  CHECK(int64_t(root["schema_version"]) == 1);
  CHECK(std::string_view(root["tool"]["name"]) == "sprawl");
  CHECK(std::string_view(root["tool"]["version"]) == "0.1.0");
  simdjson::dom::array findings = root["findings"];
  REQUIRE(findings.size() == 2);
  simdjson::dom::element first = findings.at(0);
  CHECK(std::string_view(first["path"]) == "dir/\"quoted\"\\file\n");
  CHECK(uint64_t(first["line"]) == 12);
  CHECK(int64_t(first["offset"]) == -3);
  CHECK(double(first["entropy"]) == Approx(4.25));
  CHECK(bool(first["redacted"]));
  CHECK_FALSE(bool(first["binary"]));
  simdjson::dom::array tags = findings.at(1)["tags"];
  REQUIRE(tags.size() == 2);
  CHECK(std::string_view(tags.at(1)) == "b\"c");
  CHECK(simdjson::dom::array(root["empty_array"]).size() == 0);
  CHECK(simdjson::dom::object(root["empty_object"]).size() == 0);
  CHECK(uint64_t(root["big"]) == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("json writer separates top-level array elements with commas", "[report]") {
  std::string out;
  JsonWriter json(out);
  json.begin_array().value(1).value("two").value(3.5).begin_object().end_object().begin_array().end_array().end_array();
  CHECK(out == R"([1,"two",3.500,{},[]])");
}

TEST_CASE("json writer writes non-finite numbers as null", "[report]") {
  std::string out;
  JsonWriter json(out);
  json.begin_array()
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .end_array();
  CHECK(out == "[null,null]");
}
