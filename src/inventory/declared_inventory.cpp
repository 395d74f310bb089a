// Reading the declared inventory: yaml-cpp parses, and every node is checked for its type before
// use. yaml-cpp reports by exception; they are all caught here and become one error line.
#include "src/inventory/declared_inventory.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "src/inventory/policies.h"

namespace sprawl {
namespace {

constexpr std::size_t kMaxFileBytes = 8u << 20;

/// A problem at a node: thrown inside this file only, caught by parse_declared_inventory.
struct Problem {
  YAML::Mark mark;
  std::string reason;
};

[[noreturn]] void fail(const YAML::Node& node, std::string reason) { throw Problem{node.Mark(), std::move(reason)}; }

/// Text on one line: control characters written as \\n, \\t or \\xHH.
std::string one_line(std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

/// User text as an error quotes it: in single quotes, on one line, at most 80 bytes of it.
std::string quoted(std::string_view text) {
  constexpr std::size_t k_max = 80;
  return "'" + one_line(text.substr(0, k_max)) + (text.size() > k_max ? "…'" : "'");
}

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quoted(node.Scalar());
    default:
      return "nothing";
  }
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

/// The mapping's entries, keys checked against `allowed` and for repeats.
std::vector<std::pair<std::string, YAML::Node>> entries_of(const YAML::Node& map,
                                                           const std::vector<std::string>& allowed,
                                                           const std::string& where) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::set<std::string> seen;
  for (const auto& item : map) {
    if (!item.first.IsScalar()) fail(item.first, where + ": a key must be a plain word, not " + kind_of(item.first));
    const std::string key = item.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string expected;
      for (const auto& name : allowed) expected += (expected.empty() ? "" : ", ") + name;
      fail(item.first, where + ": unknown key " + quoted(key) + " (expected " + expected + ")");
    }
    if (!seen.insert(key).second) fail(item.first, where + ": key " + quoted(key) + " appears twice");
    out.emplace_back(key, item.second);
  }
  return out;
}

/// A string value; null (`key:` with nothing after it) reads as "".
std::string string_of(const YAML::Node& node, const std::string& what) {
  if (node.IsNull()) return "";
  if (!node.IsScalar()) fail(node, what + ": expected a string, found " + kind_of(node));
  return node.Scalar();
}

/// A list of non-empty strings; null reads as an empty list.
std::vector<std::string> strings_of(const YAML::Node& node, const std::string& what) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) fail(node, what + ": expected a list of strings, found " + kind_of(node));
  for (const auto& item : node) {
    if (!item.IsScalar() || item.Scalar().empty())
      fail(item, what + ": expected a non-empty string, found " + kind_of(item));
    out.push_back(item.Scalar());
  }
  return out;
}

int version_of(const YAML::Node& node) {
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  if (text.empty() || text.size() > 4 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    fail(node, "version: expected a whole number, found " + kind_of(node));
  const int version = std::stoi(text);
  if (version < 1 || version > kDeclaredInventoryVersion)
    fail(node, "unsupported version " + text + " (this sprawl reads version " +
                   std::to_string(kDeclaredInventoryVersion) + ")");
  return version;
}

/// Names and identifiers already taken: each must be declared once.
struct Claims {
  std::map<std::string, const DeclaredNhi*> names;
  std::map<std::string, const DeclaredNhi*> identifiers;  ///< lower-cased: matching ignores case
};

DeclaredNhi entry_of(const YAML::Node& node, std::size_t index) {
  const std::string where = "nhis[" + std::to_string(index) + "]";
  if (!node.IsMap())
    fail(node, where + ": expected a mapping with name, provider, identifiers, …, found " + kind_of(node));
  DeclaredNhi nhi;
  nhi.line = static_cast<std::uint32_t>(node.Mark().line + 1);
  bool named = false;
  for (const auto& [key, value] :
       entries_of(node, {"name", "provider", "identifiers", "owner", "purpose", "expires"}, where)) {
    const std::string what = where + "." + key;
    if (key == "name") {
      nhi.name = string_of(value, what);
      if (nhi.name.empty()) fail(value, what + ": must not be empty");
      named = true;
    } else if (key == "provider") {
      nhi.provider = lower(string_of(value, what));
    } else if (key == "identifiers") {
      nhi.identifiers = strings_of(value, what);
    } else if (key == "owner") {
      nhi.owner = string_of(value, what);
    } else if (key == "purpose") {
      nhi.purpose = string_of(value, what);
    } else if (key == "expires") {
      nhi.expires = string_of(value, what);
      if (!nhi.expires.empty() && !parse_iso8601(nhi.expires))
        fail(value, what + ": expected a date (YYYY-MM-DD), found " + kind_of(value));
    }
  }
  if (!named) fail(node, where + ": 'name' is required");
  return nhi;
}

void claim(Claims& claims, const YAML::Node& node, const DeclaredNhi& nhi) {
  if (const auto [it, fresh] = claims.names.emplace(nhi.name, &nhi); !fresh)
    fail(node["name"],
         "duplicate name " + quoted(nhi.name) + " (first declared on line " + std::to_string(it->second->line) + ")");
  std::size_t index = 0;
  for (const auto& identifier : nhi.identifiers) {
    const YAML::Node at = node["identifiers"][index++];
    if (const auto [it, fresh] = claims.identifiers.emplace(lower(identifier), &nhi); !fresh)
      fail(at, "identifier " + quoted(identifier) + " is already declared by " + quoted(it->second->name) + " (line " +
                   std::to_string(it->second->line) + ")");
  }
}

DeclaredInventory inventory_of(const YAML::Node& root) {
  if (!root.IsMap()) fail(root, "expected a mapping with 'version: 1' and 'nhis:', found " + kind_of(root));
  DeclaredInventory inventory;
  bool versioned = false, listed = false;
  YAML::Node nhis;
  for (const auto& [key, value] : entries_of(root, {"version", "nhis", "offboarded"}, "top level")) {
    if (key == "version") {
      inventory.version = version_of(value);
      versioned = true;
    } else if (key == "nhis") {
      if (!value.IsNull() && !value.IsSequence())
        fail(value, "nhis: expected a list of entries, found " + kind_of(value));
      nhis = value;
      listed = true;
    } else if (key == "offboarded") {
      for (auto& owner : strings_of(value, "offboarded")) inventory.offboarded.insert(std::move(owner));
    }
  }
  if (!versioned) fail(root, "'version: 1' is required");
  if (!listed) fail(root, "'nhis:' is required (a list, which may be empty)");
  if (nhis.IsSequence()) {
    inventory.nhis.reserve(nhis.size());
    for (std::size_t i = 0; i < nhis.size(); ++i) inventory.nhis.push_back(entry_of(nhis[i], i));
    Claims claims;
    for (std::size_t i = 0; i < nhis.size(); ++i) claim(claims, nhis[i], inventory.nhis[i]);
  }
  return inventory;
}

/// Records where the first two documents of a stream start; nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// Where the text's first two documents start (fewer when it holds fewer). yaml-cpp 0.7 (Debian
/// 12) never ends YAML::LoadAll on a stray flow token (a ',' before anything else: upstream
/// jbeder/yaml-cpp#1040, fixed by PR #1319): every document it starts there is empty and
/// consumes nothing, and the list of them grows until memory runs out. So documents are counted
/// here, two at most; a second one starting where the first did is that token. The first
/// document alone is then loaded.
std::vector<YAML::Mark> document_starts(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts documents;
  while (documents.starts.size() < 2 && parser.HandleNextDocument(documents)) {
  }
  if (documents.starts.size() == 2 && documents.starts[0].pos == documents.starts[1].pos)
    throw Problem{documents.starts[0], "unexpected text where a YAML mapping should start"};
  return documents.starts;
}

Error error_at(const std::string& file, const YAML::Mark& mark, const std::string& reason) {
  if (mark.is_null() || mark.line < 0) return Error{file + ": " + one_line(reason)};
  return Error{file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
               one_line(reason)};
}

}  // namespace

Result<DeclaredInventory> parse_declared_inventory(std::string_view text, const std::string& file_name) {
  try {
    const std::string yaml(text);
    const std::vector<YAML::Mark> documents = document_starts(yaml);
    if (documents.empty()) return Error{file_name + ":1:1: empty file (expected 'version: 1' and 'nhis:')"};
    if (documents.size() > 1) return error_at(file_name, documents[1], "more than one YAML document");
    DeclaredInventory inventory = inventory_of(YAML::Load(yaml));
    inventory.path = file_name;
    return inventory;
  } catch (const Problem& problem) {
    return error_at(file_name, problem.mark, problem.reason);
  } catch (const YAML::Exception& e) {
    return error_at(file_name, e.mark, e.msg);
  } catch (const std::exception& e) {
    return Error{file_name + ": " + one_line(e.what())};
  }
}

Result<DeclaredInventory> load_declared_inventory(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the declared inventory"};
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return Error{path + ": larger than 8 MiB; is this the declared inventory?"};
  }
  if (in.bad()) return Error{path + ": cannot read the declared inventory"};
  return parse_declared_inventory(text, path);
}

bool is_offboarded(const DeclaredInventory& inventory, std::string_view owner) {
  return !owner.empty() && inventory.offboarded.count(std::string(owner)) > 0;
}

}  // namespace sprawl
