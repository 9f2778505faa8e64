/* Multiboot1 header ("Multiboot Specification version 0.6.96", section 3.1).
 *
 * Used by QEMU's -kernel and by GRUB's `multiboot` command. QEMU refuses a
 * 64-bit ELF through multiboot1 unless the header carries its own load
 * addresses (flag bit 16, the "a.out kludge"), so the loader copies the file
 * verbatim from load_addr to load_end_addr and clears up to bss_end_addr;
 * linker.ld keeps the file layout identical to the memory layout for that.
 *
 * This object is linked only into build/minnow.elf: when an ELF has both a
 * multiboot1 header and a PVH note, QEMU prefers multiboot1 (even on
 * -M microvm), so build/minnow-pvh.elf is the same kernel without it. */

#define MB1_MAGIC        0x1BADB002
#define MB1_PAGE_ALIGN   (1 << 0)     /* modules page-aligned */
#define MB1_MEMORY_INFO  (1 << 1)     /* mem_* and mmap_* fields wanted */
#define MB1_AOUT_KLUDGE  (1 << 16)    /* address fields below are valid */
#define MB1_FLAGS        (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_AOUT_KLUDGE)

    .section .boot.mb1hdr, "a"
    .balign 4
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)     /* checksum: the three sum to 0 */
    .long mb1_header                   /* header_addr */
    .long __kernel_start               /* load_addr */
    .long __data_end                   /* load_end_addr */
    .long __bss_end                    /* bss_end_addr */
    .long _start                       /* entry_addr */
