/* Interrupt and exception entry stubs for all 256 vectors.
 *
 * The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some exceptions, an error
 * code (Intel SDM vol. 3A, 6.13 and table 6-1: vectors 8, 10-14, 17, 21, 29,
 * 30). Each stub is 8 bytes: it pushes its vector number as a sign-extended
 * byte (push imm8, opcode 6A) and jumps to the common path; trap_noerr first
 * slips a zero error code under the vector where the CPU pushed none, so every
 * frame looks the same, and trap_common masks the vector back to 0-255, saves
 * the general registers as a struct trap_frame (kernel/arch/trap.h) and calls
 * trap_dispatch(frame). */

    .text
    .code64
    .altmacro

.macro STUB vec
    .balign 8
isr_stub_\vec&:
    .byte 0x6a, (\vec) & 0xff          /* pushq $imm8 */
    .if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    jmp trap_common
    .else
    jmp trap_noerr
    .endif
.endm

    .global isr_stubs
    .balign 16
isr_stubs:
.set vec, 0
.rept 256
    STUB %vec
.set vec, vec + 1
.endr

/* [rsp] = vector: copy it down one slot and put a zero error code above it. */
trap_noerr:
    pushq (%rsp)
    movq $0, 8(%rsp)
trap_common:
    andq $0xff, (%rsp)          /* the stub's push sign-extended vectors 128-255 */
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
    cld
    mov %rsp, %rdi
    /* Align the stack for the C ABI; keep the frame pointer in rbx. */
    mov %rsp, %rbx
    and $-16, %rsp
    call trap_dispatch
    mov %rbx, %rsp
    popq %rax
    popq %rbx
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    popq %r8
    popq %r9
    popq %r10
    popq %r11
    popq %r12
    popq %r13
    popq %r14
    popq %r15
    add $16, %rsp               /* vector and error code */
    iretq
