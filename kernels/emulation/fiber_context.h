// fiber_context.h — switching between the fibers of an emulated block and their scheduler.
// Included by host_runtime.cpp only.
//
// Why not swapcontext alone: glibc's swapcontext saves and restores the signal mask, a
// sigprocmask system call per switch, and getcontext makes another per fiber start. A block
// switches at every barrier and twice per warp shuffle, so a 256-thread reduction makes
// thousands of switches; on a virtual machine each system call costs about a microsecond, which
// made the switches most of an emulated training step. The fibers never touch the signal mask,
// so on x86-64 the switch saves only what the System V ABI says a callee must preserve (rbx, rbp,
// r12-r15, the stack pointer, MXCSR and the x87 control word) and is a few instructions. Other
// targets keep ucontext.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && defined(__ELF__)
#define AUTOLORA_EMU_FAST_SWITCH 1
#else
#include <ucontext.h>
#endif

namespace autolora_emu {

#if AUTOLORA_EMU_FAST_SWITCH

// A suspended context is its stack pointer; the saved registers sit on its stack.
struct FiberContext {
    void* sp = nullptr;
};

extern "C" {
// Pushes the callee-saved state, stores the stack pointer in *save, loads `load` and pops its state.
__attribute__((visibility("hidden"))) void autolora_emu_switch(void** save, void* load);
// The first code a fiber runs: aligns the stack and calls the entry held in rbx; never returns.
__attribute__((visibility("hidden"))) void autolora_emu_fiber_start();
}

asm(R"(
    .text
    .globl autolora_emu_switch
    .hidden autolora_emu_switch
    .type autolora_emu_switch, @function
    .p2align 4
autolora_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size autolora_emu_switch, .-autolora_emu_switch

    .globl autolora_emu_fiber_start
    .hidden autolora_emu_fiber_start
    .type autolora_emu_fiber_start, @function
    .p2align 4
autolora_emu_fiber_start:
    .cfi_startproc
    .cfi_undefined rip
    andq $-16, %rsp
    callq *%rbx
    ud2
    .cfi_endproc
    .size autolora_emu_fiber_start, .-autolora_emu_fiber_start
)");

// Lays out a stack that autolora_emu_switch "returns" from into autolora_emu_fiber_start, which
// calls `entry` (which must never return: it switches away for good instead). The floating-point
// control state is the preparing thread's.
inline void fiber_prepare(FiberContext& fiber, char* stack, std::size_t size, void (*entry)())
{
    auto top = reinterpret_cast<std::uintptr_t>(stack + size) & ~std::uintptr_t{15};
    auto* sp = reinterpret_cast<std::uint64_t*>(top);
    std::uint32_t mxcsr;
    std::uint16_t x87;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(x87));
    *--sp = 0;                                                          // keeps the frame aligned
    *--sp = reinterpret_cast<std::uint64_t>(&autolora_emu_fiber_start); // where the switch returns
    *--sp = 0;                                                          // rbp
    *--sp = reinterpret_cast<std::uint64_t>(entry);                     // rbx: what the start calls
    for (int r = 0; r < 4; ++r) *--sp = 0;                              // r12-r15
    *--sp = mxcsr | (std::uint64_t{x87} << 32);
    fiber.sp = sp;
}

inline void fiber_switch(FiberContext& from, FiberContext& to)
{
    autolora_emu_switch(&from.sp, to.sp);
}

#else

struct FiberContext {
    ucontext_t context;
};

inline void fiber_prepare(FiberContext& fiber, char* stack, std::size_t size, void (*entry)())
{
    getcontext(&fiber.context);
    fiber.context.uc_stack.ss_sp = stack;
    fiber.context.uc_stack.ss_size = size;
    fiber.context.uc_link = nullptr; // entry never returns
    makecontext(&fiber.context, entry, 0);
}

inline void fiber_switch(FiberContext& from, FiberContext& to)
{
    swapcontext(&from.context, &to.context);
}

#endif

} // namespace autolora_emu
