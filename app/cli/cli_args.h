#pragma once
// A small declarative argument parser for motionprobe-cli. The CLI is Qt-free so that the
// engine-only GPU build has it too.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mp::cli {

struct OptionSpec {
    std::string name;       // "model" for --model
    std::string valueName;  // "DIR"; empty for a flag
    std::string help;
    bool required = false;
    std::string fallback;     // shown in help, returned by value() when absent
    bool repeatable = false;  // may be given several times; values() returns each, in order
};

struct CommandSpec {
    std::string name;
    std::string summary;
    std::vector<std::string> positionals;  // required, in order: "DIR"
    std::vector<OptionSpec> options;
    std::string details;  // extra help text
};

class ParsedArgs {
public:
    bool flag(const std::string& name) const { return m_flags.count(name) != 0; }
    std::string value(const std::string& name) const;
    bool has(const std::string& name) const { return m_values.count(name) != 0; }
    // Every value given for a repeatable option, in command-line order.
    std::vector<std::string> values(const std::string& name) const;
    const std::string& positional(std::size_t i) const { return m_positionals.at(i); }
    bool helpRequested() const { return m_help; }

private:
    friend std::optional<ParsedArgs> parseArgs(const CommandSpec&,
                                               const std::vector<std::string>&,
                                               std::string&);
    const CommandSpec* m_spec = nullptr;
    std::map<std::string, std::string> m_values;
    std::map<std::string, std::vector<std::string>> m_lists;
    std::map<std::string, bool> m_flags;
    std::vector<std::string> m_positionals;
    bool m_help = false;
};

// Returns nullopt and sets `error` on bad usage. "--help"/"-h" sets helpRequested().
std::optional<ParsedArgs> parseArgs(const CommandSpec& spec,
                                    const std::vector<std::string>& args,
                                    std::string& error);
std::string commandHelp(const CommandSpec& spec);

// Strict number parsing for option values: the whole text must be a number in [lo, hi]. Throws
// UsageError naming the option.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
long long parseInteger(const std::string& option,
                       const std::string& text,
                       long long lo,
                       long long hi);
double parseNumber(const std::string& option, const std::string& text, double lo, double hi);

}  // namespace mp::cli
