// Fake credentials built at test time, so that no secret-looking literal is checked in.
// Deterministic for a seed; random enough to pass entropy and placeholder checks.
#pragma once

#include <cstdint>
#include <string>

namespace sprawl::test {

inline constexpr const char* kBase62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr const char* kHexLower = "0123456789abcdef";
inline constexpr const char* kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `length` characters drawn from `alphabet`, with no character repeated three times in a row.
std::string random_chars(const std::string& alphabet, std::size_t length, std::uint32_t seed);

/// A GitHub classic personal access token ("ghp_" + 30 base62 + their CRC32 checksum in 6 base62).
std::string fake_github_pat(std::uint32_t seed);
/// An AWS access key id ("AKIA" + 16 of A-Z2-7).
std::string fake_aws_key_id(std::uint32_t seed);
/// A Slack bot token ("xoxb-" digits "-" digits "-" 24 base62).
std::string fake_slack_bot_token(std::uint32_t seed);
/// A Stripe live secret key ("sk_live_" + 24 base62... 99 max).
std::string fake_stripe_live_key(std::uint32_t seed);

}  // namespace sprawl::test
