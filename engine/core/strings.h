#pragma once
// The small text helpers every part of the engine and both front ends use, in one place:
// messages, config summaries and reports all spell lists, shapes and numbers the same way.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mp::str {

std::string toLower(std::string_view text);  // ASCII only: file extensions, codec names

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
std::string join(const std::vector<std::int64_t>& items, std::string_view separator = ", ");
// "[1, 4, 16, 32, 32]", as torch prints sizes.
std::string shape(const std::vector<std::int64_t>& sizes);

std::string number(double value);               // shortest general form, 6 digits: "0.5", "1e-05"
std::string fixed(double value, int decimals);  // "0.1235" for (0.12345, 4)
// Parameter counts: "8", "12.5 K", "950.0 M", "1.70 B".
std::string humanCount(std::int64_t count);
// Memory sizes: "512 bytes", "1.5 KiB", "256.0 GiB".
std::string humanBytes(double bytes);

}  // namespace mp::str
