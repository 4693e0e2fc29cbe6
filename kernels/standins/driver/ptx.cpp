// ptx.cpp — a small reader for the PTX header and entry signatures (not a PTX compiler).
#include "ptx.h"

#include <cctype>
#include <cstdlib>
#include <regex>

namespace standin {
namespace {

// Bytes of a PTX parameter type (.u64 → 8); 0 when unknown.
unsigned type_bytes(const std::string& type)
{
    if (type.size() < 3) return 0;
    int bits = std::atoi(type.c_str() + 2);
    return bits % 8 == 0 ? static_cast<unsigned>(bits / 8) : 0;
}

// One parameter declaration: ".param .u64 name", ".param .u64 .ptr .global .align 4 name",
// or ".param .align 8 .b8 name[16]".
bool param_bytes(const std::string& declaration, unsigned* bytes)
{
    static const std::regex type(R"(\.(u|s|b|f)(8|16|32|64)\b)");
    static const std::regex array(R"(\[(\d+)\]\s*$)");
    std::smatch m;
    if (!std::regex_search(declaration, m, type)) return false;
    unsigned element = type_bytes(m.str(0));
    unsigned count = 1;
    if (std::regex_search(declaration, m, array)) count = static_cast<unsigned>(std::stoul(m.str(1)));
    *bytes = element * count;
    return *bytes > 0;
}

// The text between the brace after `from` and its matching closing brace.
std::string body_after(const std::string& text, size_t from)
{
    size_t open = text.find('{', from);
    if (open == std::string::npos) return "";
    int depth = 0;
    for (size_t i = open; i < text.size(); i++) {
        if (text[i] == '{') depth++;
        else if (text[i] == '}' && --depth == 0) return text.substr(open, i - open + 1);
    }
    return text.substr(open);
}

} // namespace

bool parse_ptx(const std::string& text, PtxModule* module, std::string* why)
{
    static const std::regex version(R"(^\s*\.version\s+(\d+)\.(\d+))", std::regex::multiline);
    static const std::regex target(R"(^\s*\.target\s+sm_(\d+)(a?))", std::regex::multiline);
    static const std::regex address(R"(^\s*\.address_size\s+(\d+))", std::regex::multiline);
    static const std::regex entry(R"(\.entry\s+([A-Za-z_$][\w$]*)\s*\(([^)]*)\))");
    static const std::regex shared(R"(\.shared\s[^;]*?([A-Za-z_$][\w$]*)\s*\[(\d+)\]\s*;)");
    std::smatch m;
    if (!std::regex_search(text, m, version)) return *why = "no .version directive (not PTX text?)", false;
    module->versionMajor = std::stoi(m.str(1));
    module->versionMinor = std::stoi(m.str(2));
    if (!std::regex_search(text, m, target)) return *why = "no .target sm_XX directive", false;
    module->targetSm = std::stoi(m.str(1));
    module->archSpecific = m.length(2) > 0;
    module->addressSize = std::regex_search(text, m, address) ? std::stoi(m.str(1)) : 32;

    // Module-scope .shared variables: an entry that names one uses its bytes.
    std::map<std::string, unsigned> moduleShared;
    size_t firstEntry = text.find(".entry");
    std::string preamble = text.substr(0, firstEntry);
    for (std::sregex_iterator it(preamble.begin(), preamble.end(), shared), end; it != end; ++it)
        moduleShared[it->str(1)] = static_cast<unsigned>(std::stoul(it->str(2)));

    for (std::sregex_iterator it(text.begin(), text.end(), entry), end; it != end; ++it) {
        PtxEntry e;
        std::string params = it->str(2);
        size_t start = 0;
        while (start < params.size()) {
            size_t comma = params.find(',', start);
            std::string one = params.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            start = comma == std::string::npos ? params.size() : comma + 1;
            if (one.find(".param") == std::string::npos) continue;
            unsigned bytes;
            if (!param_bytes(one, &bytes)) return *why = "unreadable parameter of " + it->str(1) + ": " + one, false;
            e.paramBytes.push_back(bytes);
        }
        std::string body = body_after(text, static_cast<size_t>(it->position(0) + it->length(0)));
        for (std::sregex_iterator s(body.begin(), body.end(), shared); s != end; ++s)
            e.staticShared += static_cast<unsigned>(std::stoul(s->str(2)));
        for (const auto& [name, bytes] : moduleShared)
            if (body.find(name) != std::string::npos) e.staticShared += bytes;
        module->entries[it->str(1)] = e;
    }
    return true;
}

int newest_ptx_isa(int driverVersion)
{
    // PTX ISA -> first CUDA release whose driver accepts it (NVIDIA's PTX release history, as in
    // cuda-interop-facts §6).
    static const int table[][2] = {
        {60, 9000}, {63, 10000}, {65, 10020}, {70, 11000}, {71, 11010}, {72, 11020}, {74, 11040},
        {75, 11050}, {76, 11060}, {77, 11070}, {78, 11080}, {80, 12000}, {81, 12010}, {82, 12020},
        {83, 12030}, {84, 12040}, {85, 12050}, {86, 12070}, {87, 12080}, {88, 12090}, {90, 13000},
        {91, 13010},
    };
    int newest = 0;
    for (const auto& row : table)
        if (driverVersion >= row[1]) newest = row[0];
    return newest;
}

int oldest_ptx_isa_for(int targetSm)
{
    // PTX ISA release notes: sm_70 arrived with 6.0, sm_75 6.3, sm_80 7.0, sm_86 7.1, sm_87 7.4,
    // sm_89/sm_90 7.8.
    if (targetSm >= 89) return 78;
    if (targetSm >= 87) return 74;
    if (targetSm >= 86) return 71;
    if (targetSm >= 80) return 70;
    if (targetSm >= 75) return 63;
    return 60;
}

} // namespace standin
