// Loose object reading with zlib's streaming inflate (the size is only known after the header).
#include "src/source/git/loose_object.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "src/source/file_reader.h"
#include "src/source/git/inflate.h"

namespace sprawl::git {

namespace {

constexpr std::size_t kMaxHeader = 32;  // "commit 18446744073709551615\0" fits

/// A zlib inflate stream over a whole input; ends itself.
class ZStream {
 public:
  explicit ZStream(std::string_view input) {
    m_stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    m_stream.avail_in = static_cast<uInt>(std::min<std::size_t>(input.size(), UINT32_MAX));
    m_ok = inflateInit(&m_stream) == Z_OK;
  }
  ~ZStream() {
    if (m_ok) inflateEnd(&m_stream);
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;

  bool ok() const { return m_ok; }
  /// Inflates into out[0, size) until it is full or the stream ends; the bytes produced, or -1 on
  /// a corrupt stream.
  long long fill(char* out, std::size_t size, bool& ended) {
    std::size_t produced = 0;
    ended = false;
    while (produced < size && !ended) {
      m_stream.next_out = reinterpret_cast<Bytef*>(out + produced);
      m_stream.avail_out = static_cast<uInt>(std::min<std::size_t>(size - produced, UINT32_MAX));
      const uInt before = m_stream.avail_out;
      const int status = inflate(&m_stream, Z_NO_FLUSH);
      produced += before - m_stream.avail_out;
      if (status == Z_STREAM_END)
        ended = true;
      else if (status != Z_OK)
        return -1;  // Z_BUF_ERROR here means the input ran out
    }
    return static_cast<long long>(produced);
  }

 private:
  z_stream m_stream{};
  bool m_ok = false;
};

Result<LooseObjectInfo> parse_header(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos) return Error{"loose object header has no type"};
  LooseObjectInfo info;
  info.type = object_type_from_name(header.substr(0, space));
  if (info.type == ObjectType::none) return Error{"loose object header has an unknown type"};
  const std::string_view digits = header.substr(space + 1);
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return Error{"loose object header has a bad size"};
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), info.size);
  if (error != std::errc() || end != digits.data() + digits.size()) return Error{"loose object header has a bad size"};
  return info;
}

}  // namespace

Result<LooseObjectInfo> parse_loose_object(std::string_view compressed, std::uint64_t max_size, std::string& content) {
  content.clear();
  ZStream stream(compressed);
  if (!stream.ok()) return Error{"cannot start zlib"};
  char head[kMaxHeader];
  bool ended = false;
  const long long got = stream.fill(head, sizeof head, ended);
  if (got < 0) return Error{"corrupt zlib stream"};
  const auto nul = std::string_view(head, static_cast<std::size_t>(got)).find('\0');
  if (nul == std::string_view::npos) return Error{"loose object header is not terminated"};
  auto info = parse_header(std::string_view(head, nul));
  if (!info) return info;
  if (info->size > max_size) return info;
  if (info->size > max_inflated_size(compressed.size())) return Error{"loose object declares an impossible size"};
  const std::size_t early = static_cast<std::size_t>(got) - nul - 1;  // content bytes already inflated
  if (early > info->size) return Error{"loose object is longer than its header says"};
  content.resize(info->size + 1);  // one spare byte to notice a longer stream
  std::memcpy(content.data(), head + nul + 1, early);
  long long rest = 0;
  if (!ended) rest = stream.fill(content.data() + early, content.size() - early, ended);
  if (rest < 0) return Error{"corrupt zlib stream"};
  const std::uint64_t total = early + static_cast<std::uint64_t>(rest);
  if (total != info->size || !ended) {
    content.clear();
    return Error{total > info->size
                     ? "loose object is longer than its header says"
                     : (ended ? "loose object is shorter than its header says" : "truncated zlib stream")};
  }
  content.resize(info->size);
  return info;
}

Result<LooseObjectInfo> read_loose_object(const std::string& path, std::uint64_t max_size, std::string& content) {
  std::string compressed;
  const auto outcome = read_file(path, UINT64_MAX, compressed);
  if (outcome.status != ReadStatus::ok) return Error{path + ": " + outcome.message};
  auto info = parse_loose_object(compressed, max_size, content);
  if (!info) return Error{path + ": " + info.error().message};
  return info;
}

}  // namespace sprawl::git
