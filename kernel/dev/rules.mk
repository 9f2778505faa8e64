# kernel/dev/: the device I/O interface drivers use (registers, DMA,
# interrupts); tests/devsim/devio_host.c is its hosted twin.
KSRCS += kernel/dev/devio.c
KSRCS += kernel/dev/mmio_bus.c
