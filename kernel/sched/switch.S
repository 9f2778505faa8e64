/* The context switch between kernel threads (kernel/sched/sched.c).
 *
 * Switches happen only inside sched.c:schedule(), a C call, so only what
 * the System V ABI says a callee must preserve needs saving: rbx, rbp,
 * r12-r15 and rsp. The caller-saved registers are already dead, the kernel
 * has no FPU/SSE state (-mgeneral-regs-only), and the interrupt flag is the
 * same on both sides (schedule() runs with interrupts disabled; each thread
 * restores its own flag when it returns from there). */

    .text
    .code64

/* void sched_switch(uint64_t *save_rsp, uint64_t load_rsp)
 *
 * Pushes the callee-saved registers on the current stack, stores rsp in
 * *save_rsp, loads load_rsp and pops the other thread's registers: the ret
 * returns into that thread's own call of sched_switch. The push order is
 * struct switch_frame in sched.c, read from the lowest address: r15, r14,
 * r13, r12, rbx, rbp, return address. */
    .global sched_switch
    .type sched_switch, @function
sched_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size sched_switch, . - sched_switch

/* Where a new thread's first switch returns to. thread_create built its
 * stack so that here r12 = fn, r13 = arg, rbp = 0 and rsp is 16-byte
 * aligned, as a call needs. rbp = 0 ends the frame-pointer chain: the
 * backtrace of a panic in the thread stops after this function.
 * sched_thread_start finishes the switch and enables interrupts (every
 * thread runs with them on); r12 and r13 survive the calls (callee-saved).
 * fn returning is the same as calling thread_exit. */
    .global sched_trampoline
    .type sched_trampoline, @function
sched_trampoline:
    call sched_thread_start
    movq %r13, %rdi
    call *%r12
    call thread_exit
    ud2                                 /* thread_exit does not return */
    .size sched_trampoline, . - sched_trampoline
