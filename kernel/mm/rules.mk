# kernel/mm/: physical pages (pmm), the heap, DMA memory, page tables (pt: the
# pure builder; vmm: the kernel's own mappings), guarded stacks.
KSRCS += kernel/mm/pmm.c kernel/mm/heap.c kernel/mm/dma.c kernel/mm/pt.c kernel/mm/vmm.c kernel/mm/stacks.c
