#pragma once
// The Unicode operations the tokenizers need, with our own tables (no ICU): UTF-8 decoding,
// character classes as the tokenizers' regexes see them, per-character lowercase and NFC.

#include <string>
#include <string_view>

namespace mp::text {

// Invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, truncated sequences)
// becomes U+FFFD, one per maximal invalid subpart, as Python's errors="replace" does.
std::u32string decodeUtf8(std::string_view bytes);
std::string encodeUtf8(std::u32string_view text);
void appendUtf8(std::string& out, char32_t cp);

bool isLetter(char32_t cp);      // general category L*  (\p{L})
bool isNumber(char32_t cp);      // general category N*  (\p{N})
bool isWhitespace(char32_t cp);  // the White_Space property (Oniguruma's Unicode \s)

// Full per-character lowercase (İ → i̇), without context rules such as final sigma: the
// tokenizers library lowercases each character on its own.
std::u32string toLowercase(std::u32string_view text);
// Canonical composition (NFC): canonical decomposition, canonical ordering, then composition of
// primary composites, Hangul included.
std::u32string toNfc(std::u32string_view text);

}  // namespace mp::text
