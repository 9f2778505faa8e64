# kernel/: the core, one folder per subsystem, each with its own rules.mk.
# Nothing here includes a header from the driver or stack folders
# (hv/ net/ vmw/ virtio/ blk/ vsock/): tools/check-includes.sh, run by
# make test, fails when one does. main.c is the init order.
KSRCS += kernel/main.c kernel/platform.c
include kernel/arch/rules.mk kernel/mm/rules.mk kernel/sched/rules.mk kernel/irq/rules.mk \
	kernel/time/rules.mk kernel/acpi/rules.mk kernel/pci/rules.mk kernel/console/rules.mk \
	kernel/core/rules.mk kernel/shell/rules.mk
include kernel/dev/rules.mk
