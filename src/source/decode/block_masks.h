// Byte classes of 64-byte blocks as bit masks (the base64 alphabets with '=', and '%' / '\'),
// computed with AVX2, SSSE3 or a table. Private to encoded_spans.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SPRAWL_DECODE_X86 1
#include <immintrin.h>
#endif

namespace sprawl::decode_detail {

struct Masks {
  std::uint64_t base64 = 0, trigger = 0;  ///< bit k: byte k is in the class
};

/// A byte of the base64 or base64url alphabet, or '='.
constexpr bool is_base64_byte(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_' || c == '=';
}

/// A byte that may start a percent or escape run.
constexpr bool is_trigger_byte(int c) { return c == '%' || c == '\\'; }

inline constexpr std::array<std::uint8_t, 256> kBlockClasses = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = (is_base64_byte(c) ? 1 : 0) | (is_trigger_byte(c) ? 2 : 0);
  return table;
}();

/// Masks of the n <= 64 bytes at p (bits n and above are 0).
inline Masks scalar_masks(const char* p, std::size_t n) {
  Masks m;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint8_t f = kBlockClasses[static_cast<unsigned char>(p[k])];
    m.base64 |= std::uint64_t{f & 1u} << k;
    m.trigger |= std::uint64_t{(f >> 1) & 1u} << k;
  }
  return m;
}

using BlockMasksFn = Masks (*)(const char*);

inline Masks block_masks_scalar(const char* p) { return scalar_masks(p, 64); }

#if defined(SPRAWL_DECODE_X86)
// A byte's class bits are kNibbleLow[c & 15] & kNibbleHigh[c >> 4] (one pshufb each). Bits 0-4
// are the alphabet's low nibbles for each high nibble (0x2_: + - /; 0x3_: digits =; 0x4_ and
// 0x6_: letters; 0x5_: letters _; 0x7_: letters); bits 5-6 are '%' and '\'.
inline constexpr std::uint8_t kNibbleBase64 = 0x1F, kNibbleTrigger = 0x60;
inline constexpr std::array<std::uint8_t, 16> kNibbleLow = [] {
  std::array<std::uint8_t, 16> t{};
  for (int l = 0; l < 16; ++l) {
    t[l] = (l == 0xB || l == 0xD || l == 0xF ? 1 : 0) | (l <= 9 || l == 0xD ? 2 : 0) | (l >= 1 ? 4 : 0) |
           (l <= 0xA || l == 0xF ? 8 : 0) | (l <= 0xA ? 16 : 0) | (l == 5 ? 32 : 0) | (l == 0xC ? 64 : 0);
  }
  return t;
}();
inline constexpr std::array<std::uint8_t, 16> kNibbleHigh = {0, 0, 1 | 32, 2, 4, 8 | 64, 4, 16, 0, 0, 0, 0, 0, 0, 0, 0};

constexpr bool nibble_tables_match_classes() {
  for (int c = 0; c < 256; ++c) {
    const int bits = kNibbleLow[c & 15] & kNibbleHigh[c >> 4];
    if (((bits & kNibbleBase64) != 0) != is_base64_byte(c)) return false;
    if (((bits & kNibbleTrigger) != 0) != is_trigger_byte(c)) return false;
  }
  return true;
}
static_assert(nibble_tables_match_classes());

/// Class masks of 16 bytes: base64 in the low 16 bits, triggers in the high 16.
__attribute__((target("ssse3"), always_inline)) inline std::uint32_t classify_16(const char* p) {
  const __m128i lo_table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kNibbleLow.data()));
  const __m128i hi_table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kNibbleHigh.data()));
  const __m128i nibble = _mm_set1_epi8(0x0F), zero = _mm_setzero_si128();
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i bits = _mm_and_si128(_mm_shuffle_epi8(lo_table, _mm_and_si128(v, nibble)),
                                     _mm_shuffle_epi8(hi_table, _mm_and_si128(_mm_srli_epi16(v, 4), nibble)));
  const int base64 = _mm_movemask_epi8(_mm_cmpgt_epi8(_mm_and_si128(bits, _mm_set1_epi8(kNibbleBase64)), zero));
  const int trigger = _mm_movemask_epi8(_mm_cmpgt_epi8(_mm_and_si128(bits, _mm_set1_epi8(kNibbleTrigger)), zero));
  return static_cast<std::uint32_t>(base64) | static_cast<std::uint32_t>(trigger) << 16;
}

__attribute__((target("ssse3"))) inline Masks block_masks_ssse3(const char* p) {
  const std::uint64_t a = classify_16(p), b = classify_16(p + 16), c = classify_16(p + 32), d = classify_16(p + 48);
  const std::uint64_t low = 0xFFFF;
  return {(a & low) | (b & low) << 16 | (c & low) << 32 | (d & low) << 48,
          a >> 16 | (b >> 16) << 16 | (c >> 16) << 32 | (d >> 16) << 48};
}

/// Class masks of 32 bytes: base64 in the low 32 bits, triggers in the high 32.
__attribute__((target("avx2"), always_inline)) inline std::uint64_t classify_32(const char* p) {
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kNibbleLow.data()));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kNibbleHigh.data()));
  const __m256i lo_table = _mm256_broadcastsi128_si256(lo), hi_table = _mm256_broadcastsi128_si256(hi);
  const __m256i nibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i bits =
      _mm256_and_si256(_mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble)),
                       _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
  const __m256i base64 = _mm256_cmpgt_epi8(_mm256_and_si256(bits, _mm256_set1_epi8(kNibbleBase64)), zero);
  const __m256i trigger = _mm256_cmpgt_epi8(_mm256_and_si256(bits, _mm256_set1_epi8(kNibbleTrigger)), zero);
  return std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(base64))} |
         std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(trigger))} << 32;
}

__attribute__((target("avx2"))) inline Masks block_masks_avx2(const char* p) {
  const std::uint64_t a = classify_32(p), b = classify_32(p + 32);
  const std::uint64_t low = 0xFFFFFFFF;
  return {(a & low) | (b & low) << 32, a >> 32 | (b >> 32) << 32};
}

/// The fastest block function this CPU runs.
inline BlockMasksFn pick_block_masks() {
  if (__builtin_cpu_supports("avx2")) return block_masks_avx2;
  return __builtin_cpu_supports("ssse3") ? block_masks_ssse3 : block_masks_scalar;
}
#else
inline BlockMasksFn pick_block_masks() { return block_masks_scalar; }
#endif

}  // namespace sprawl::decode_detail
