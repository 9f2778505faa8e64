# kernel/irq/: vectors and handlers, the legacy PIC (masked), local APIC, IOAPICs.
KSRCS += kernel/irq/irq.c kernel/irq/pic.c kernel/irq/lapic.c kernel/irq/ioapic.c
