# kernel/: CPU, memory, consoles, traps, and the init order (main.c).
KSRCS += kernel/main.c kernel/serial.c kernel/console.c kernel/kprintf.c kernel/klog.c kernel/fmt.c \
	kernel/cmdline.c kernel/trace.c kernel/vgacon.c kernel/fbcon.c kernel/gdt.c kernel/idt.c kernel/isr.S \
	kernel/trap.c kernel/panic.c kernel/ksyms.c kernel/stacks.c kernel/pmm.c kernel/heap.c \
	kernel/pt.c kernel/vmm.c kernel/tsc.c kernel/timeline.c kernel/power.c kernel/fw_cfg.c \
	kernel/selftest.c kernel/selftest_mem.c kernel/dma.c \
	kernel/cpuinfo.c kernel/pic.c kernel/lapic.c kernel/ioapic.c kernel/irq.c kernel/clock.c \
	kernel/platform.c kernel/shell.c kernel/shell_cmds.c kernel/ps2kbd.c kernel/app.c kernel/selftest_timer.c \
	kernel/sched.c kernel/switch.S kernel/waitq.c kernel/runq.c kernel/timerq.c kernel/selftest_threads.c \
	kernel/acpi.c kernel/acpi_aml.c kernel/acpi_kernel.c kernel/acpi_power.c \
	kernel/pci.c kernel/pci_cfg.c kernel/pci_msi.c kernel/pci_names.c kernel/selftest_pci.c
