# kernel/: CPU, memory, consoles, traps, and the init order (main.c).
KSRCS += kernel/main.c kernel/serial.c kernel/console.c kernel/kprintf.c kernel/fmt.c \
	kernel/cmdline.c kernel/vgacon.c kernel/fbcon.c kernel/gdt.c kernel/idt.c kernel/isr.S \
	kernel/trap.c kernel/panic.c kernel/ksyms.c kernel/stacks.c kernel/pmm.c kernel/heap.c \
	kernel/pt.c kernel/vmm.c kernel/tsc.c kernel/timeline.c kernel/power.c kernel/fw_cfg.c \
	kernel/selftest.c kernel/selftest_mem.c kernel/dma.c
