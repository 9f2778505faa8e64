/* The bench's floor: the emptiest guest QEMU can boot with -kernel. A
 * multiboot (v1) header, one line "floor" on COM1 (the launch -> first
 * output mark; QEMU's 16550 needs no setup to transmit), then one write to
 * QEMU's isa-debug-exit device (iobase 0xf4), which ends QEMU at once with
 * status (0 << 1) | 1 = 1.
 * Multiboot Specification 0.6.96, 3.1.2 (header magic, flags, checksum);
 * QEMU enters it in 32-bit protected mode, paging off.
 *   gcc -m32 -c floor.S && ld -m elf_i386 -Ttext=0x100000 -e floor_start
 * With -DFLOOR_PVH the multiboot header gives way to a PVH ELF note
 * (XEN_ELFNOTE_PHYS32_ENTRY, Xen's include/public/elfnote.h and
 * docs/misc/pvh.pandoc), the way QEMU's -M microvm takes -kernel: the same
 * 32-bit protected mode entry, paging off. */
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0
#define DEBUG_EXIT_PORT 0xf4
#define COM1_THR 0x3f8

#ifdef FLOOR_PVH
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                             /* namesz: "Xen\0" */
    .long 4                             /* descsz: the 32-bit entry */
    .long 18                            /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .long floor_start
#endif
    .section .text
    .code32
    .align 4
#ifndef FLOOR_PVH
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
#endif
    .globl floor_start
floor_start:
    movw $COM1_THR, %dx
    movl $msg, %esi
    movl $msg_len, %ecx
    rep outsb
    xorl %eax, %eax
    movw $DEBUG_EXIT_PORT, %dx
    outl %eax, %dx
1:  hlt
    jmp 1b
msg:
    .ascii "floor\n"
    .set msg_len, . - msg
    .section .note.GNU-stack, "", @progbits
