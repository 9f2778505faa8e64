/* From the loader to kmain: 32-bit protected mode to 64-bit long mode.
 *
 * Every loader minnow supports enters in 32-bit protected mode with paging
 * off and flat segments (multiboot1, multiboot2, PVH); they differ only in
 * where the boot information is:
 *   multiboot1/2: EAX = loader magic, EBX = information structure
 *   PVH:          EBX = hvm_start_info (EAX undefined)
 * So _start and pvh_entry record (magic, info) and share the rest:
 *   1. read the TSC: the boot timeline's zero;
 *   2. check for long mode (CPUID 0x80000001 EDX bit 29) and NX (bit 20);
 *   3. clear BSS (the loaders clear it too, but that is theirs to get right);
 *   4. identity-map the low 4 GiB with 2 MiB pages (enough to read any
 *      32-bit loader structure; kernel/mm/vmm.c replaces these tables);
 *   5. enable PAE, EFER.LME (+ EFER.NXE), then paging and write protection;
 *   6. far jump into the 64-bit code segment and call kmain.
 * Intel SDM vol. 3A, 10.8.5 "Initializing IA-32e Mode". */

#define PVH_START_MAGIC 0x336EC578
#define MSR_EFER        0xC0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)
#define CR0_PE          (1 << 0)
#define CR0_WP          (1 << 16)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define PTE_P_W         0x003
#define PDE_2M          0x083           /* present, writable, page size */
#define COM1            0x3F8

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    mov %eax, %esi
    mov %ebx, %edi
    rdtsc
    jmp 1f

    .global pvh_entry
pvh_entry:
    mov $PVH_START_MAGIC, %esi
    mov %ebx, %edi
    rdtsc
1:  cli
    cld
    mov $boot_stack_top, %esp
    /* BSS is cleared below, so stash the values in .data. */
    mov %eax, boot_tsc0
    mov %edx, boot_tsc0 + 4
    mov %esi, boot_magic
    mov %edi, boot_info_phys

    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode
    mov %edx, %ebp                  /* keep the NX bit (20) */

    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories. */
    movl $(boot_pdpt + PTE_P_W), boot_pml4
    mov $boot_pdpt, %edi
    mov $(boot_pd + PTE_P_W), %eax
    mov $4, %ecx
2:  mov %eax, (%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 2b
    /* 2048 PDEs of 2 MiB each: 0 .. 4 GiB, identity. */
    mov $boot_pd, %edi
    mov $PDE_2M, %eax
    mov $2048, %ecx
3:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 3b

    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    bt $20, %ebp
    jnc 4f
    or $EFER_NXE, %eax
    movl $1, boot_cpu_nx
4:  wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode

    /* No x86-64: say so on COM1 (the only output every PC-like VM has) and stop. */
no_long_mode:
    mov $msg_no_lm, %esi
5:  lodsb
    test %al, %al
    jz 7f
    mov %al, %bl
    mov $(COM1 + 5), %dx            /* line status: wait for THR empty */
6:  in %dx, %al
    test $0x20, %al
    jz 6b
    mov $COM1, %dx
    mov %bl, %al
    out %al, %dx
    jmp 5b
7:  cli
    hlt
    jmp 7b

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp                  /* terminates backtraces */
    call kmain
8:  cli
    hlt
    jmp 8b

    .section .rodata
msg_no_lm:
    .asciz "minnow: this CPU has no 64-bit long mode; halting\r\n"

    /* Temporary GDT: null, 64-bit code (0x08), data (0x10). kernel/arch/gdt.c
     * installs the real one with a TSS. */
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00AF9B000000FFFF   /* accessed bit preset: the GDT is read-only */
    .quad 0x00CF93000000FFFF
boot_gdt_ptr:
    .short boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .data
    .balign 8
    .global boot_tsc0, boot_magic, boot_info_phys, boot_cpu_nx
boot_tsc0:      .quad 0
boot_magic:     .long 0
boot_info_phys: .long 0
boot_cpu_nx:    .long 0

    .section .bss.pagetables, "aw", @nobits
    .balign 4096
    .global boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096

    /* The boot stack, with an unmapped guard page below it (kernel/mm/vmm.c). */
    .section .bss.stacks, "aw", @nobits
    .balign 4096
    .global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:   .skip 4096
boot_stack_bottom:  .skip 16384
boot_stack_top:
