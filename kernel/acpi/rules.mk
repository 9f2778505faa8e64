# kernel/acpi/: firmware tables (RSDP to MADT, FADT, MCFG, HPET, DSDT \_S5),
# power off and reset, and the shutdown hooks.
KSRCS += kernel/acpi/acpi.c kernel/acpi/acpi_aml.c kernel/acpi/acpi_aml_dev.c kernel/acpi/acpi_mmio.c kernel/acpi/acpi_kernel.c kernel/acpi/acpi_power.c \
	kernel/acpi/power.c
