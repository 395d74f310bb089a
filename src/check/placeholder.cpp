// Recognises values that are not real secrets: documented example keys, template references,
// masked or repeated characters, counting sequences and values that call themselves fake.
#include "src/check/placeholder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sprawl {
namespace {

// Keys published in providers' own documentation; they appear in countless READMEs.
constexpr std::array<std::string_view, 7> kDocumentedKeys = {
    // The Azure Storage emulator's fixed account key (Azurite / devstoreaccount1).
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
};

// Lower-case words that mark a value as made up.
constexpr std::array<std::string_view, 19> kFakeWords = {
    "example",    "dummy",     "fake",        "sample",  "placeholder", "changeme",  "change_me",
    "change-me",  "redacted",  "your_",       "your-",   "yourkey",     "yourtoken", "yoursecret",
    "replace_me", "replaceme", "notarealkey", "insert_", "<insert"};

// Whole values that are words, not secrets.
constexpr std::array<std::string_view, 12> kWordValues = {
    "password", "passwd", "secret", "token", "null", "none", "nil", "true", "false", "undefined", "pass", "apikey"};

constexpr std::size_t kShortSecret = 128;  // words, runs and sequences are only judged in short values

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_identifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool is_template(std::string_view s) {
  for (std::string_view opener : {"${", "#{", "{{", "}}", "%(", "<%", "[[", "@@"}) {
    if (s.find(opener) != std::string_view::npos) return true;
  }
  if (s.size() >= 2 && s.front() == '$' && is_identifier(s.substr(1))) return true;
  if (s.size() >= 3 && s.front() == '<' && s.back() == '>') return true;
  if (s.size() >= 3 && s.front() == '{' && s.back() == '}') return true;
  if (s.size() >= 3 && s.front() == '%' && s.back() == '%' && is_identifier(s.substr(1, s.size() - 2))) return true;
  return false;
}

bool has_run(std::string_view s, std::size_t length) {
  std::size_t run = 1;
  for (std::size_t i = 1; i < s.size(); ++i) {
    run = s[i] == s[i - 1] ? run + 1 : 1;
    if (run >= length) return true;
  }
  return false;
}

bool has_sequence(std::string_view s, std::size_t length) {
  std::size_t up = 1, down = 1;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const bool alnum =
        std::isalnum(static_cast<unsigned char>(s[i])) && std::isalnum(static_cast<unsigned char>(s[i - 1]));
    up = alnum && s[i] == s[i - 1] + 1 ? up + 1 : 1;
    down = alnum && s[i] == s[i - 1] - 1 ? down + 1 : 1;
    if (up >= length || down >= length) return true;
  }
  return false;
}

bool mostly_one_character(std::string_view s) {
  if (s.size() < 8) return false;
  std::array<unsigned, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  return *std::max_element(counts.begin(), counts.end()) * 2 >= s.size();
}

}  // namespace

const char* placeholder_reason(std::string_view secret) {
  for (auto key : kDocumentedKeys) {
    if (secret.find(key) != std::string_view::npos) return "documented example key";
  }
  if (is_template(secret)) return "template or variable reference";
  const std::string folded = lower(secret);
  for (auto word : kWordValues) {
    if (folded == word) return "a word, not a secret";
  }
  if (secret.size() <= kShortSecret) {
    // Long random bodies (keys, JWTs) contain short words by chance: one in ~30 base64 key
    // bodies holds one of these, so only short values are judged by their words.
    for (auto word : kFakeWords) {
      if (folded.find(word) != std::string::npos) return "marked as example or fake";
    }
    if (has_run(secret, 6)) return "repeated characters";
    if (has_sequence(folded, 5)) return "counting sequence";
    if (mostly_one_character(secret)) return "mostly one character";
  }
  return nullptr;
}

}  // namespace sprawl
