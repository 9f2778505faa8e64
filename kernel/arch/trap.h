/* Traps: the IDT, the saved-register frame every vector produces, and the
 * exception reports. */
#pragma once
#include <stdint.h>

struct trap_frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout (isr.S)");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "vector after r15");

void idt_init(void);
void trap_dispatch(struct trap_frame *f);
const char *trap_name(unsigned vector);
