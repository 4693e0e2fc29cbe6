# The same kernels/*.cu, compiled as C++ with -DAUTOLORA_HOST_EMULATION, plus the emulated
# launcher, into ${CMAKE_BINARY_DIR}/host/<lib>autolora_kernels_host.<so|dylib>. Tests and the
# emulated CUDA runtime load it to run kernels without a GPU.

set(AUTOLORA_HOST_DIR "${CMAKE_BINARY_DIR}/host")
file(MAKE_DIRECTORY "${AUTOLORA_HOST_DIR}")
file(REMOVE "${AUTOLORA_HOST_DIR}/SKIPPED.txt")

include(CheckLanguage)
check_language(CXX)
set(_host_why "")
if(WIN32)
  set(_host_why "the emulated launcher uses POSIX ucontext fibers; Windows fibers are not implemented")
elseif(NOT CMAKE_CXX_COMPILER)
  set(_host_why "no C++ compiler found (install g++ or clang++)")
endif()

if(_host_why)
  message(STATUS "Host emulation library skipped: ${_host_why}")
  file(WRITE "${AUTOLORA_HOST_DIR}/SKIPPED.txt" "Host emulation library skipped: ${_host_why}\n")
  return()
endif()

enable_language(CXX)
find_package(Threads REQUIRED)

add_library(autolora_kernels_host SHARED
            ${AUTOLORA_KERNEL_SOURCES} "${CMAKE_CURRENT_SOURCE_DIR}/kernels/emulation/host_runtime.cpp"
            "${CMAKE_CURRENT_SOURCE_DIR}/kernels/emulation/device_math.cpp")
set_source_files_properties(${AUTOLORA_KERNEL_SOURCES} PROPERTIES LANGUAGE CXX)
target_include_directories(autolora_kernels_host PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/kernels")
target_compile_definitions(autolora_kernels_host PRIVATE AUTOLORA_HOST_EMULATION)
target_compile_options(autolora_kernels_host PRIVATE -O2 -Wall -Wextra)
target_link_libraries(autolora_kernels_host PRIVATE Threads::Threads)
set_target_properties(autolora_kernels_host PROPERTIES
  CXX_STANDARD 20                 # std::atomic_ref for atomicAdd
  CXX_STANDARD_REQUIRED ON
  CXX_VISIBILITY_PRESET hidden    # export only the autolora_emu_* entries
  # $<1:...> keeps multi-config generators from appending a per-config folder.
  LIBRARY_OUTPUT_DIRECTORY "$<1:${AUTOLORA_HOST_DIR}>"
  RUNTIME_OUTPUT_DIRECTORY "$<1:${AUTOLORA_HOST_DIR}>")
message(STATUS "Host emulation library: ${CMAKE_CXX_COMPILER} -> ${AUTOLORA_HOST_DIR}")
