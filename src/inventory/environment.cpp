// Environment inference: words of a path, file name, variable name or branch → an environment.
#include "src/inventory/environment.h"

#include <algorithm>
#include <array>
#include <vector>

namespace sprawl {
namespace {

// ASCII only, as <cctype> is in the "C" locale sprawl runs in, without a library call per byte
// (they were half the cost of reading every location's variable name).
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alnum(char c) { return is_lower(c) || is_upper(c) || (c >= '0' && c <= '9'); }
char lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

/// Lowercase words of `text`: split on every non-alphanumeric character and at camelCase humps
/// ("prodDbPassword" → prod, db, password). "pre-prod" joins back into "preprod".
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hump = i > 0 && is_lower(text[i - 1]) && is_upper(c);
    if (!is_alnum(c) || hump) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      if (!is_alnum(c)) continue;
    }
    word.push_back(lower(c));
  }
  if (!word.empty()) words.push_back(std::move(word));
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "pre" && (words[i + 1] == "prod" || words[i + 1] == "production")) {
      words[i] = "preprod";
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  return words;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 14> k_words{{
    {"prod", "prod"},
    {"production", "prod"},
    {"prd", "prod"},
    {"staging", "staging"},
    {"stage", "staging"},
    {"stg", "staging"},
    {"preprod", "staging"},
    {"uat", "staging"},
    {"dev", "dev"},
    {"development", "dev"},
    {"develop", "dev"},
    {"test", "test"},
    {"testing", "test"},
    {"qa", "test"},
}};

/// The environment a lowercase word names, as a view of a static string ("" for none).
std::string_view environment_named_by(std::string_view word) {
  for (const auto& [name, env] : k_words)
    if (word == name) return env;
  return {};
}

/// Folds one more word's environment into `found`: false once two differ (ambiguous).
bool add_environment(std::string_view env, std::string_view& found) {
  if (env.empty() || env == found) return true;
  if (!found.empty()) return false;
  found = env;
  return true;
}

/// The one environment the words of `text` (as words_of splits them) name, or "" when they name
/// none or several (ambiguous). The words are not built: each is lowercased into a small buffer
/// (no environment word is longer than it), "pre" before "prod" or "production" read as "preprod".
std::string_view single_environment_in(std::string_view text) {
  constexpr std::size_t k_longest = 16;
  char word[k_longest];
  std::size_t length = 0;
  bool too_long = false, after_pre = false;
  std::string_view found;
  // Ends the word in `word`; false once the text is ambiguous.
  const auto end_word = [&]() {
    if (length == 0 && !too_long) return true;
    const std::string_view current = too_long ? std::string_view() : std::string_view(word, length);
    std::string_view env;
    if (after_pre && (current == "prod" || current == "production")) {
      env = environment_named_by("preprod");
      after_pre = false;  // "pre" "prod" is one word: a third word does not join it
    } else {
      env = environment_named_by(current);
      after_pre = current == "pre";
    }
    length = 0;
    too_long = false;
    return add_environment(env, found);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hump = i > 0 && is_lower(text[i - 1]) && is_upper(c);
    if (!is_alnum(c) || hump) {
      if (!end_word()) return {};
      if (!is_alnum(c)) continue;
    }
    if (length < k_longest) {
      word[length++] = lower(c);
    } else {
      too_long = true;
    }
  }
  if (!end_word()) return {};
  return found;
}

constexpr std::array<std::string_view, 10> k_test_dir_words{"test",    "tests",    "testing",  "spec", "specs",
                                                            "fixture", "fixtures", "testdata", "mock", "mocks"};
constexpr std::array<std::string_view, 7> k_test_file_words{"test",     "tests", "testing", "fixture",
                                                            "fixtures", "mock",  "mocks"};

template <std::size_t N>
bool any_word_in(const std::vector<std::string>& words, const std::array<std::string_view, N>& set) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& w) { return std::find(set.begin(), set.end(), w) != set.end(); });
}

std::vector<std::string_view> components_of(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find_first_of("/\\", start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

bool is_test_path(const std::vector<std::string_view>& parts) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool file = i + 1 == parts.size();
    const auto words = words_of(parts[i]);
    if (file ? any_word_in(words, k_test_file_words) : any_word_in(words, k_test_dir_words)) return true;
    if (file && parts[i].find(".spec.") != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

PathEnvironment path_environment(std::string_view path) {
  // Archive members and image paths: the innermost path is the one that names the file.
  const auto parts = components_of(path);
  PathEnvironment out;
  if (is_test_path(parts)) {
    out.first = environment_named_by("test");
    return out;
  }
  if (!parts.empty()) out.first = single_environment_in(parts.back());
  for (std::size_t i = parts.size(); out.last.empty() && i-- > 1;) out.last = single_environment_in(parts[i - 1]);
  return out;
}

std::string_view infer_environment(const PathEnvironment& path, std::string_view variable_line,
                                   std::string_view branch) {
  if (!path.first.empty()) return path.first;
  if (const auto env = single_environment_in(variable_line); !env.empty()) return env;
  if (!path.last.empty()) return path.last;
  return single_environment_in(branch);
}

std::string infer_environment(const EnvironmentHints& hints) {
  return std::string(infer_environment(path_environment(hints.path), hints.variable_line, hints.branch));
}

std::string_view text_before_secret(const MatchContext& context, std::string_view secret) {
  const std::string_view text = context.text;
  if (text.empty() || context.match_start > text.size()) return {};
  std::size_t at = secret.empty() ? std::string_view::npos : text.find(secret, context.match_start);
  if (at == std::string_view::npos || at > context.match_end) at = context.match_start;
  const std::size_t newline = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
  const std::size_t begin = newline == std::string_view::npos ? 0 : newline + 1;
  return text.substr(begin, at - begin);
}

}  // namespace sprawl
