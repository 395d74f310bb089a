// The pieces the HTTP validator families share: building a read-only request, and reading a
// "who am I" answer into a LiveResult (classify the status, then pull identity from the JSON).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/verify/validator.h"

namespace sprawl::verify {

/// Request headers, name and value, in the order they are sent.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A GET of `url` with `headers`.
HttpRequest get_request(std::string url, Headers headers = {});

/// A POST of `body` (may be empty) to `url` with `headers`.
HttpRequest post_request(std::string url, Headers headers, std::string body = {});

/// `Authorization: Bearer <secret>`.
Headers bearer(const std::string& secret);

/// GET `path` on `base` (or the provider's override) with `Authorization: Bearer <secret>`.
HttpResponse bearer_get(const ValidatorContext& context, std::string_view provider, std::string_view base,
                        std::string_view path, const std::string& secret);

/// A field of a JSON answer reported as identity: the name it gets, and where it sits in the body.
struct Field {
  const char* name;
  std::vector<std::string_view> path;
};

/// The `fields` present (and not empty) in the JSON `body`, in order.
Identity read_fields(std::string_view body, const std::vector<Field>& fields);

/// "HTTP 401".
std::string status_text(int status);

/// Unknown: a 2xx whose body is not the answer the provider documents.
LiveResult unexpected_body(const HttpResponse& response);

/// The usual reading of a "who am I" answer: a 2xx whose JSON has `required` is valid, with
/// reason `accepted` ("GitHub accepted the token") and the `fields` it holds as identity; a 2xx
/// without it is unexpected_body; any other answer is read by classify_response.
LiveResult read_answer(const HttpResponse& response, std::string_view accepted,
                       const std::vector<std::string_view>& required, const std::vector<Field>& fields);

/// One GET of `url` with `headers` for `provider`, read by read_answer.
LiveResult who_am_i(const ValidatorContext& context, std::string_view provider, std::string url, Headers headers,
                    std::string_view accepted, const std::vector<std::string_view>& required,
                    const std::vector<Field>& fields);

/// Whether `c` may be part of a user or account name: letters, digits, '_', '-' and '.'.
bool is_name_char(char c);

/// The value assigned to the first of `names` (lower case) found in the credential context
/// `text` ("NAME=value", "name: value", quotes allowed), or "".
std::string value_named(std::string_view text, const std::vector<std::string_view>& names);

/// Whether `text` contains `word` (given in lower case), ignoring ASCII case; an empty word never.
bool mentions(std::string_view text, std::string_view word);

}  // namespace sprawl::verify
