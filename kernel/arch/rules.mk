# kernel/arch/: x86-64 specifics -- GDT/TSS, IDT and trap entry, the trap
# handlers and panic report (with the embedded symbol table), CPU
# identification and hypervisor detection, port I/O.
KSRCS += kernel/arch/gdt.c kernel/arch/idt.c kernel/arch/isr.S kernel/arch/trap.c kernel/arch/panic.c \
	kernel/arch/ksyms.c kernel/arch/cpuinfo.c
