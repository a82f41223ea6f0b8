#include "cli_args.h"

#include <charconv>

#include <sstream>

namespace mp::cli {

std::string ParsedArgs::value(const std::string& name) const {
    if (auto it = m_values.find(name); it != m_values.end())
        return it->second;
    for (const auto& o : m_spec->options)
        if (o.name == name)
            return o.fallback;
    return {};
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
    if (auto it = m_lists.find(name); it != m_lists.end())
        return it->second;
    return {};
}

std::optional<ParsedArgs> parseArgs(const CommandSpec& spec,
                                    const std::vector<std::string>& args,
                                    std::string& error) {
    ParsedArgs out;
    out.m_spec = &spec;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out.m_help = true;
            return out;
        }
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string name = a.substr(2), value;
            bool inlineValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                inlineValue = true;
            }
            const OptionSpec* opt = nullptr;
            for (const auto& o : spec.options)
                if (o.name == name)
                    opt = &o;
            if (!opt) {
                error = "unknown option --" + name + " for '" + spec.name + "' (see --help)";
                return std::nullopt;
            }
            if (opt->valueName.empty()) {
                if (inlineValue) {
                    error = "--" + name + " takes no value";
                    return std::nullopt;
                }
                out.m_flags[name] = true;
                continue;
            }
            if (!inlineValue) {
                if (i + 1 >= args.size()) {
                    error = "--" + name + " needs a value (" + opt->valueName + ")";
                    return std::nullopt;
                }
                value = args[++i];
            }
            out.m_values[name] = value;
            out.m_lists[name].push_back(value);
            continue;
        }
        out.m_positionals.push_back(a);
    }
    if (out.m_positionals.size() != spec.positionals.size()) {
        std::string expected;
        for (const auto& p : spec.positionals)
            expected += " " + p;
        error = "'" + spec.name + "' expects" + (expected.empty() ? " no arguments" : expected) +
                " (got " + std::to_string(out.m_positionals.size()) + " positional argument(s))";
        return std::nullopt;
    }
    for (const auto& o : spec.options)
        if (o.required && !out.m_values.count(o.name)) {
            error = "--" + o.name + " " + o.valueName + " is required for '" + spec.name + "'";
            return std::nullopt;
        }
    return out;
}

std::string commandHelp(const CommandSpec& spec) {
    std::ostringstream s;
    s << "usage: motionprobe-cli " << spec.name;
    for (const auto& p : spec.positionals)
        s << " " << p;
    for (const auto& o : spec.options) {
        std::string text = "--" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        s << " " << (o.required ? text : "[" + text + "]") << (o.repeatable ? "..." : "");
    }
    s << "\n\n" << spec.summary << "\n";
    if (!spec.options.empty()) {
        s << "\noptions:\n";
        for (const auto& o : spec.options) {
            std::string left = "  --" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
            if (left.size() < 28)
                left.resize(28, ' ');
            else
                left += "\n" + std::string(28, ' ');
            s << left << o.help;
            if (!o.fallback.empty())
                s << " (default: " << o.fallback << ")";
            s << "\n";
        }
        s << "  --help, -h                show this help\n";
    }
    if (!spec.details.empty())
        s << "\n" << spec.details << "\n";
    return s.str();
}

long long parseInteger(const std::string& option,
                       const std::string& text,
                       long long lo,
                       long long hi) {
    long long v = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi)
        throw UsageError("--" + option + " expects an integer between " + std::to_string(lo) +
                         " and " + std::to_string(hi) + ", got '" + text + "'");
    return v;
}

double parseNumber(const std::string& option, const std::string& text, double lo, double hi) {
    double v = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || !(v >= lo && v <= hi)) {
        std::ostringstream s;
        s << "--" << option << " expects a number between " << lo << " and " << hi << ", got '"
          << text << "'";
        throw UsageError(s.str());
    }
    return v;
}

}  // namespace mp::cli
