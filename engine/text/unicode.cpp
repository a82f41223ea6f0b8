#include "text/unicode.h"

#include "text/unicode_tables.h"

#include <algorithm>

namespace mp::text {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Hangul syllables compose and decompose algorithmically (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

bool inRanges(const tables::Range* ranges, std::size_t count, char32_t cp) {
    const auto* end = ranges + count;
    const auto* it = std::upper_bound(
        ranges, end, cp, [](char32_t v, const tables::Range& r) { return v < r.first; });
    return it != ranges && cp <= (it - 1)->last;
}

std::uint8_t combiningClass(char32_t cp) {
    const auto* begin = tables::kCombiningClasses;
    const auto* end = begin + tables::kCombiningClassesCount;
    const auto* it = std::upper_bound(
        begin, end, cp, [](char32_t v, const tables::ClassRange& r) { return v < r.first; });
    return (it != begin && cp <= (it - 1)->last) ? (it - 1)->combiningClass : 0;
}

void decompose(char32_t cp, std::u32string& out) {
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t s = cp - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount)
            out.push_back(kTBase + s % kTCount);
        return;
    }
    const auto* begin = tables::kDecompositions;
    const auto* end = begin + tables::kDecompositionsCount;
    const auto* it = std::lower_bound(
        begin, end, cp, [](const tables::Decomposition& d, char32_t v) { return d.cp < v; });
    if (it == end || it->cp != cp) {
        out.push_back(cp);
        return;
    }
    decompose(it->first, out);
    if (it->second)
        decompose(it->second, out);
}

char32_t compose(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
        b < kTBase + kTCount)
        return a + (b - kTBase);
    const auto* begin = tables::kCompositions;
    const auto* end = begin + tables::kCompositionsCount;
    const auto* it =
        std::lower_bound(begin, end, std::pair{a, b}, [](const tables::Composition& c, auto key) {
            return c.first < key.first || (c.first == key.first && c.second < key.second);
        });
    return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

}  // namespace

std::u32string decodeUtf8(std::string_view bytes) {
    std::u32string out;
    out.reserve(bytes.size());
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char b = p[i];
        if (b < 0x80) {
            out.push_back(b);
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0, min = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2, cp = b & 0x1F, min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3, cp = b & 0x0F, min = 0x800;
            if (b == 0xE0)
                lo = 0xA0;
            if (b == 0xED)
                hi = 0x9F;  // no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4, cp = b & 0x07, min = 0x10000;
            if (b == 0xF0)
                lo = 0x90;
            if (b == 0xF4)
                hi = 0x8F;
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        std::size_t j = 1;
        for (; j < static_cast<std::size_t>(len) && i + j < n; ++j) {
            const unsigned char c = p[i + j];
            const unsigned char l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
            if (c < l || c > h)
                break;
            cp = (cp << 6) | (c & 0x3F);
        }
        if (j != static_cast<std::size_t>(len) || cp < min) {
            out.push_back(kReplacement);  // the maximal invalid subpart
            i += j;
            continue;
        }
        out.push_back(cp);
        i += j;
    }
    return out;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encodeUtf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t cp : text)
        appendUtf8(out, cp);
    return out;
}

bool isLetter(char32_t cp) {
    return inRanges(tables::kLetters, tables::kLettersCount, cp);
}

bool isNumber(char32_t cp) {
    return inRanges(tables::kNumbers, tables::kNumbersCount, cp);
}

bool isWhitespace(char32_t cp) {
    switch (cp) {
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

std::u32string toLowercase(std::u32string_view text) {
    std::u32string out;
    out.reserve(text.size());
    const auto* begin = tables::kLowercase;
    const auto* end = begin + tables::kLowercaseCount;
    for (char32_t cp : text) {
        const auto* it = std::lower_bound(
            begin, end, cp, [](const tables::Lowercase& l, char32_t v) { return l.cp < v; });
        if (it == end || it->cp != cp) {
            out.push_back(cp);
            continue;
        }
        out.push_back(it->lower);
        if (it->second)
            out.push_back(it->second);
    }
    return out;
}

std::u32string toNfc(std::u32string_view text) {
    std::u32string d;
    d.reserve(text.size());
    for (char32_t cp : text)
        decompose(cp, d);
    // Canonical ordering: a stable sort of every run of non-starters by combining class.
    for (std::size_t i = 0; i < d.size();) {
        if (combiningClass(d[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < d.size() && combiningClass(d[j]) != 0)
            ++j;
        std::stable_sort(
            d.begin() + static_cast<std::ptrdiff_t>(i), d.begin() + static_cast<std::ptrdiff_t>(j),
            [](char32_t a, char32_t b) { return combiningClass(a) < combiningClass(b); });
        i = j;
    }
    // Composition: a character joins the last starter unless something between them blocks it
    // (a starter, or a mark of the same or higher class).
    std::u32string out;
    out.reserve(d.size());
    std::size_t starter = std::u32string::npos;
    std::uint8_t lastClass = 0;
    for (char32_t cp : d) {
        const std::uint8_t cc = combiningClass(cp);
        if (starter != std::u32string::npos) {
            const bool adjacent = out.size() - 1 == starter;
            if (adjacent || (lastClass != 0 && lastClass < cc)) {
                if (char32_t composite = compose(out[starter], cp)) {
                    out[starter] = composite;
                    continue;
                }
            }
        }
        if (cc == 0)
            starter = out.size();
        lastClass = cc;
        out.push_back(cp);
    }
    return out;
}

}  // namespace mp::text
