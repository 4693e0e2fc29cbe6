# kernels/standins/ -> ${CMAKE_BINARY_DIR}/standins/: stand-ins for libcuda, libcublas and libcudnn
# with the real C ABI, which the native runtime loads through AUTOLORA_LIBCUDA / AUTOLORA_LIBCUBLAS
# / AUTOLORA_LIBCUDNN so its bindings run without a GPU (kernels/standins/README.md).
# When they cannot be built, standins/SKIPPED.txt holds the reason, which the tests report.

set(AUTOLORA_STANDIN_DIR "${CMAKE_BINARY_DIR}/standins")
file(MAKE_DIRECTORY "${AUTOLORA_STANDIN_DIR}")
file(REMOVE "${AUTOLORA_STANDIN_DIR}/SKIPPED.txt")

include(CheckLanguage)
check_language(CXX)
set(_standin_why "")
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(_standin_why "they are Linux shared objects (dlopen, mmap); ${CMAKE_SYSTEM_NAME} is not implemented")
elseif(NOT CMAKE_CXX_COMPILER)
  set(_standin_why "no C++ compiler found (install g++ or clang++)")
endif()

if(_standin_why)
  message(STATUS "CUDA stand-in libraries skipped: ${_standin_why}")
  file(WRITE "${AUTOLORA_STANDIN_DIR}/SKIPPED.txt" "CUDA stand-in libraries skipped: ${_standin_why}\n")
  return()
endif()

enable_language(CXX)
find_package(Threads REQUIRED)

set(_standin_root "${CMAKE_CURRENT_SOURCE_DIR}/kernels/standins")
function(autolora_standin target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${target} SHARED ${ARG_SOURCES})
  target_compile_options(${target} PRIVATE -O2 -Wall -Wextra)
  target_link_libraries(${target} PRIVATE Threads::Threads ${CMAKE_DL_LIBS} ${ARG_LINK})
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden    # export only the API's symbols
    BUILD_RPATH "$ORIGIN"           # cuBLAS/cuDNN stand-ins find the driver stand-in beside them
    LIBRARY_OUTPUT_DIRECTORY "$<1:${AUTOLORA_STANDIN_DIR}>")
endfunction()

file(GLOB _driver_sources CONFIGURE_DEPENDS "${_standin_root}/driver/*.cpp")
autolora_standin(cuda_standin SOURCES ${_driver_sources})
file(GLOB _cublas_sources CONFIGURE_DEPENDS "${_standin_root}/cublas/*.cpp")
autolora_standin(cublas_standin SOURCES ${_cublas_sources} LINK cuda_standin)
target_include_directories(cublas_standin PRIVATE "${_standin_root}")
file(GLOB _cudnn_sources CONFIGURE_DEPENDS "${_standin_root}/cudnn/*.cpp")
autolora_standin(cudnn_standin SOURCES ${_cudnn_sources} LINK cuda_standin)
target_include_directories(cudnn_standin PRIVATE "${_standin_root}")
message(STATUS "CUDA stand-in libraries: ${CMAKE_CXX_COMPILER} -> ${AUTOLORA_STANDIN_DIR}")
# The NCCL stand-in queues its collectives on the driver stand-in's streams and checks its arena.
file(GLOB _nccl_sources CONFIGURE_DEPENDS "${_standin_root}/nccl/*.cpp")
autolora_standin(nccl_standin SOURCES ${_nccl_sources} LINK cuda_standin rt)
target_include_directories(nccl_standin PRIVATE "${_standin_root}")
