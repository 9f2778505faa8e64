/* Loader headers common to both kernel images: the multiboot2 header and the
 * PVH ELF note.
 *
 * Multiboot2: "Multiboot2 Specification version 1.6", section 3.1. GRUB
 * loads the ELF by its program headers and enters _start in 32-bit
 * protected mode with paging off, EAX = 0x36D76289 and EBX = the boot
 * information, on BIOS and (after ExitBootServices) on UEFI alike.
 *
 * PVH: Xen's docs/misc/pvh.pandoc and include/public/elfnote.h. A loader that
 * finds XEN_ELFNOTE_PHYS32_ENTRY enters that address in 32-bit protected mode,
 * paging off, EBX = the hvm_start_info structure. QEMU (-kernel, including
 * -M microvm) and Firecracker use it. */

#define MB2_MAGIC             0xE85250D6
#define MB2_ARCH_I386         0
#define MB2_TAG_END           0
#define MB2_TAG_FRAMEBUFFER   5
#define MB2_TAG_MODULE_ALIGN  6
#define MB2_TAG_OPTIONAL      1

#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .boot.mb2hdr, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    /* Ask for a linear framebuffer (no preferred size: the firmware's mode).
     * Optional. Without this tag GRUB on UEFI hands over no console at all;
     * on BIOS, grub.cfg sets gfxpayload=text so that GRUB keeps VGA text. */
    .balign 8
    .short MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL
    .long 20
    .long 0, 0, 0                       /* width, height, depth */

    /* Page-align modules so they can be mapped and reserved by page. */
    .balign 8
    .short MB2_TAG_MODULE_ALIGN, 0
    .long 8

    .balign 8
    .short MB2_TAG_END, 0
    .long 8
mb2_header_end:

    .section .note.Xen, "a", @note
    .balign 4
    .long 4                             /* namesz: "Xen\0" */
    .long 8                             /* descsz: a 64-bit field, as Linux has it */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad pvh_entry
    .balign 4
