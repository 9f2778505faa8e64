/* Interrupt and exception entry stubs for all 256 vectors.
 *
 * The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some exceptions, an error
 * code (Intel SDM vol. 3A, 6.13 and table 6-1: vectors 8, 10-14, 17, 21, 29,
 * 30). Each stub pushes a zero where the CPU pushed none, so every frame
 * looks the same, then the vector number, and jumps to the common path,
 * which saves the general registers as a struct trap_frame (kernel/arch/trap.h)
 * and calls trap_dispatch(frame). */

    .text
    .code64
    .altmacro

.macro STUB vec
    .balign 16
isr_stub_\vec&:
    .if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
.endm

    .global isr_stubs
    .balign 16
isr_stubs:
.set vec, 0
.rept 256
    STUB %vec
.set vec, vec + 1
.endr

trap_common:
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
