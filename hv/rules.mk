# hv/: Hyper-V -- hypercalls and SynIC (hyperv.c), VMBus (vmbus.c, ring.c),
# integration services (ic.c), and the kernel's platform glue (hv_kernel.c).
# The same sources minus hv_kernel.c build into the hosted tests against
# the host simulator in tests/hvsim/.
# storvsc sits on the SCSI layer (blk/scsi.c): in the kernel only once blk/
# is there. The hosted tests build it against the simulator either way.
KSRCS += $(if $(wildcard blk/scsi.c),hv/storvsc.c)
HV_CORE_SRCS := hv/hyperv.c hv/vmbus.c hv/vmbus_chan.c hv/vmbus_xact.c hv/ring.c hv/ic.c
KSRCS += $(HV_CORE_SRCS) hv/hv_kernel.c
