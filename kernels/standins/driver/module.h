// module.h — a loaded PTX module and the functions looked up in it (module.cpp, launch.cpp).
#pragma once

#include "driver.h"
#include "ptx.h"

#include <map>
#include <memory>

namespace standin {

struct Function {
    std::string name;
    PtxEntry signature;
    HostEntry host;
};

struct Module {
    PtxModule ptx;
    std::map<std::string, std::unique_ptr<Function>> functions;
};

// False for a function whose module was unloaded (or a pointer that never was a function).
bool live_function(Function* function);

} // namespace standin
