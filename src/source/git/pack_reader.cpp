// Random-access object reads: follow a delta chain down to a cached or whole base, then rebuild upwards.
#include "src/source/git/pack_reader.h"

#include <algorithm>

#include "src/source/git/delta.h"
#include "src/source/git/loose_object.h"

namespace sprawl::git {

DeltaBaseCache::Value DeltaBaseCache::find(const Pack* pack, std::uint64_t offset) {
  std::lock_guard lock(m_mutex);
  const auto it = m_map.find(Key{pack, offset});
  if (it == m_map.end()) return {};
  m_lru.splice(m_lru.begin(), m_lru, it->second);
  return it->second->second;
}

void DeltaBaseCache::insert(const Pack* pack, std::uint64_t offset, Value value) {
  const std::size_t size = value.content->size();
  if (size > m_max_bytes / 4) return;
  std::lock_guard lock(m_mutex);
  const Key key{pack, offset};
  if (m_map.count(key)) return;
  m_lru.emplace_front(key, std::move(value));
  m_map.emplace(key, m_lru.begin());
  m_bytes += size;
  while (m_bytes > m_max_bytes && !m_lru.empty()) {
    m_bytes -= m_lru.back().second.content->size();
    m_map.erase(m_lru.back().first);
    m_lru.pop_back();
  }
}

std::string entry_name(const Pack& pack, std::uint64_t offset) {
  return pack.file.path() + " offset " + std::to_string(offset);
}

Status inflate_entry(const Pack& pack, std::uint64_t offset, const PackEntryHeader& header, char* out,
                     Inflater& inflater) {
  const std::string_view compressed = pack.entry_data(offset, header);
  if (header.size > max_inflated_size(compressed.size()))
    return Error{"entry declares " + std::to_string(header.size) + " bytes, more than its data can hold"};
  return inflater.inflate(compressed, out, header.size);
}

/// Inflates a whole entry into a new string.
Result<std::shared_ptr<std::string>> PackReader::inflate_whole(const Pack& pack, std::uint64_t offset,
                                                               const PackEntryHeader& header) const {
  const std::string_view compressed = pack.entry_data(offset, header);
  if (header.size > max_inflated_size(compressed.size()))
    return Error{entry_name(pack, offset) + ": entry declares more bytes than its data can hold"};
  if (header.size > m_max_object_size)
    return Error{entry_name(pack, offset) + ": object of " + std::to_string(header.size) + " bytes is too large"};
  auto content = std::make_shared<std::string>(header.size, '\0');
  if (auto done = thread_inflater().inflate(compressed, content->data(), header.size); !done)
    return Error{entry_name(pack, offset) + ": " + done.error().message};
  return content;
}

/// Inflates the delta of `link` into `delta` and applies it to `base`, giving `target`.
Status PackReader::apply_link(const Link& link, const std::string& base, std::string& delta,
                              std::string& target) const {
  if (link.header.size > m_max_object_size) return Error{"delta too large"};
  delta.resize(link.header.size);
  auto done = inflate_entry(*link.pack, link.offset, link.header, delta.data(), thread_inflater());
  if (!done) return done;
  auto header = parse_delta_header(delta);
  if (!header) return header.error();
  if (header->target_size > m_max_object_size)
    return Error{"object of " + std::to_string(header->target_size) + " bytes is too large"};
  return apply_delta(base, delta, target);
}

Result<DeltaBaseCache::Value> PackReader::find_chain_base(const Pack& start, std::uint64_t start_offset,
                                                          std::vector<Link>& chain) const {
  const Pack* pack = &start;
  std::uint64_t offset = start_offset;
  for (;;) {
    if (chain.size() > kMaxChainLength)
      return Error{entry_name(start, start_offset) + ": delta chain longer than " + std::to_string(kMaxChainLength) +
                   " (a REF_DELTA cycle?)"};
    if (!chain.empty())
      if (auto cached = m_cache.find(pack, offset); cached.content) return cached;
    auto header = pack->file.entry_header(offset);
    if (!header) return Error{entry_name(*pack, offset) + ": " + header.error().message};
    if (!header->is_delta()) {
      auto content = inflate_whole(*pack, offset, *header);
      if (!content) return content.error();
      DeltaBaseCache::Value value{std::move(*content), header->type()};
      if (!chain.empty()) m_cache.insert(pack, offset, value);
      return value;
    }
    chain.push_back({pack, offset, *header});
    if (header->kind == PackEntryKind::ofs_delta) {
      offset = header->base_offset;
      if (!std::binary_search(pack->sorted_offsets.begin(), pack->sorted_offsets.end(), offset))
        return Error{entry_name(*pack, chain.back().offset) + ": delta base offset " + std::to_string(offset) +
                     " is not an entry"};
      continue;
    }
    const auto where = m_dir.locate(header->base_id);
    if (!where) return Error{entry_name(*pack, offset) + ": missing delta base " + header->base_id.hex()};
    if (where->loose) {
      auto content = std::make_shared<std::string>();
      auto info = read_loose_object(where->loose->path, m_max_object_size, *content);
      if (!info) return info.error();
      if (info->size > m_max_object_size) return Error{where->loose->path + ": delta base too large"};
      return DeltaBaseCache::Value{std::move(content), info->type};
    }
    pack = where->pack;
    offset = where->offset;
  }
}

Result<ObjectType> PackReader::read_packed(const Pack& pack, std::uint64_t offset, std::string& content) const {
  std::vector<Link> chain;
  auto base = find_chain_base(pack, offset, chain);
  if (!base) return base.error();
  if (chain.empty()) {
    content = *base->content;
    return base->type;
  }
  std::shared_ptr<const std::string> current = base->content;
  std::string delta;
  for (std::size_t i = chain.size(); i-- > 0;) {
    const Link& link = chain[i];
    if (i == 0) {
      if (auto done = apply_link(link, *current, delta, content); !done)
        return Error{entry_name(*link.pack, link.offset) + ": " + done.error().message};
      break;
    }
    auto next = std::make_shared<std::string>();
    auto done = apply_link(link, *current, delta, *next);
    if (done) m_cache.insert(link.pack, link.offset, {next, base->type});
    current = std::move(next);
    if (!done) return Error{entry_name(*link.pack, link.offset) + ": " + done.error().message};
  }
  return base->type;
}

Result<ObjectType> PackReader::read(const ObjectId& id, std::string& content) const {
  const auto where = m_dir.locate(id);
  if (!where) return Error{"object " + id.hex() + " not found"};
  if (where->loose) {
    auto info = read_loose_object(where->loose->path, m_max_object_size, content);
    if (!info) return info.error();
    if (info->size > m_max_object_size) return Error{where->loose->path + ": object too large"};
    return info->type;
  }
  return read_packed(*where->pack, where->offset, content);
}

}  // namespace sprawl::git
