# kernels/<family>.cu -> ${CMAKE_BINARY_DIR}/ptx/<family>.sm_<arch>.ptx, one file per arch.
# Prefers nvcc; otherwise clang in device-only mode without the CUDA SDK (see
# /work/shared/DESIGN.md "Kernels": -nocudainc -nocudalib, +ptx70 for the shuffle builtins).
# When neither works, ptx/SKIPPED.txt holds the reason, which the .NET side reports.

set(AUTOLORA_PTX_DIR "${CMAKE_BINARY_DIR}/ptx")
file(MAKE_DIRECTORY "${AUTOLORA_PTX_DIR}")
file(REMOVE "${AUTOLORA_PTX_DIR}/SKIPPED.txt")

set(_ptx_tool "")
set(_ptx_why "")

if(AUTOLORA_CUDA_COMPILER STREQUAL "none")
  set(_ptx_why "AUTOLORA_CUDA_COMPILER=none")
endif()

if(AUTOLORA_CUDA_COMPILER MATCHES "^(auto|nvcc)$")
  find_program(AUTOLORA_NVCC nvcc HINTS ENV CUDA_PATH ENV CUDA_HOME PATH_SUFFIXES bin)
  if(AUTOLORA_NVCC)
    set(_ptx_tool nvcc)
  else()
    set(_ptx_why "nvcc not found")
  endif()
endif()

if(NOT _ptx_tool AND AUTOLORA_CUDA_COMPILER MATCHES "^(auto|clang)$")
  find_program(AUTOLORA_CLANG NAMES clang++ clang++-20 clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14)
  if(NOT AUTOLORA_CLANG)
    string(APPEND _ptx_why "; clang++ not found")
  else()
    # Probe once at configure time so a clang without the NVPTX target is reported, not a build error.
    set(_probe "${CMAKE_BINARY_DIR}/probe/probe.cu")
    file(WRITE "${_probe}" "extern \"C\" __attribute__((global)) void probe(float* p) { p[0] = 1.0f; }\n")
    execute_process(
      COMMAND "${AUTOLORA_CLANG}" -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80
              -S -o "${CMAKE_BINARY_DIR}/probe/probe.ptx" "${_probe}"
      RESULT_VARIABLE _probe_rc ERROR_VARIABLE _probe_err OUTPUT_QUIET)
    if(_probe_rc EQUAL 0)
      set(_ptx_tool clang)
    else()
      string(REGEX REPLACE "\n.*" "" _probe_err "${_probe_err}")
      if(NOT _probe_err)
        set(_probe_err "${_probe_rc}") # the tool did not run at all
      endif()
      string(APPEND _ptx_why "; ${AUTOLORA_CLANG} cannot compile CUDA: ${_probe_err}")
    endif()
  endif()
endif()

set(_archs ${AUTOLORA_PTX_ARCHS})
if(_ptx_tool STREQUAL "nvcc")
  execute_process(COMMAND "${AUTOLORA_NVCC}" --version OUTPUT_VARIABLE _nvcc_version)
  string(REGEX MATCH "release ([0-9]+)" _ "${_nvcc_version}")
  # CUDA 13 removed offline compilation for sm_70 (Volta); keep what this nvcc can emit.
  if(CMAKE_MATCH_1 GREATER_EQUAL 13 AND "70" IN_LIST _archs)
    list(REMOVE_ITEM _archs 70)
    message(STATUS "nvcc ${CMAKE_MATCH_1}.x cannot target sm_70; PTX only for: ${_archs}")
  endif()
endif()

set(AUTOLORA_PTX_FILES "")
if(_ptx_tool)
  foreach(_src IN LISTS AUTOLORA_KERNEL_SOURCES)
    get_filename_component(_family "${_src}" NAME_WE)
    foreach(_arch IN LISTS _archs)
      set(_out "${AUTOLORA_PTX_DIR}/${_family}.sm_${_arch}.ptx")
      if(_ptx_tool STREQUAL "nvcc")
        set(_cmd "${AUTOLORA_NVCC}" -ptx -arch=compute_${_arch} -std=c++17 -O3
                 -I "${CMAKE_CURRENT_SOURCE_DIR}/kernels" -o "${_out}" "${_src}")
      else()
        # +ptx70: the shfl.sync builtins need PTX ISA >= 6.0 and clang only enables it on request;
        # 7.0 needs a CUDA 11.0+ driver, which every supported GPU has (cuda-interop-facts §6).
        set(_cmd "${AUTOLORA_CLANG}" -x cuda --cuda-device-only -nocudainc -nocudalib
                 --cuda-gpu-arch=sm_${_arch} -Xclang -target-feature -Xclang +ptx70
                 -std=c++17 -O3 -I "${CMAKE_CURRENT_SOURCE_DIR}/kernels" -S -o "${_out}" "${_src}")
      endif()
      add_custom_command(OUTPUT "${_out}" COMMAND ${_cmd}
                         DEPENDS "${_src}" ${AUTOLORA_KERNEL_HEADERS}
                         COMMENT "PTX ${_family} sm_${_arch} (${_ptx_tool})" VERBATIM)
      list(APPEND AUTOLORA_PTX_FILES "${_out}")
    endforeach()
  endforeach()
  add_custom_target(autolora_ptx ALL DEPENDS ${AUTOLORA_PTX_FILES})
  list(JOIN _archs ", sm_" _arch_text)
  message(STATUS "CUDA kernels: PTX with ${_ptx_tool} for sm_${_arch_text} into ${AUTOLORA_PTX_DIR}")
else()
  string(REGEX REPLACE "^; " "" _ptx_why "${_ptx_why}")
  message(STATUS "CUDA kernels skipped: ${_ptx_why}")
  file(WRITE "${AUTOLORA_PTX_DIR}/SKIPPED.txt" "CUDA kernels skipped: ${_ptx_why}\n")
endif()
