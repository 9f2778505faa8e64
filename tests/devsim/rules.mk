# tests/devsim/: device models behind the hosted devio backend, and the
# hosted driver tests that run real drivers against them (ASan + UBSan).
#   test_e1000_hosted  net/e1000.c against the 82540EM/82574L model:
#                      probe, reset, link, receive, transmit, offloads, and
#                      a hostile device (test_e1000_hostile.c)
# The backend (devio_host.c) stands in for kernel/dev/devio.c, and
# host_kernel.c for the kernel services the driver calls (clock, threads,
# semaphores, heap, log, the driver side of netdev).
DEVSIM_SRCS    := tests/devsim/devio_host.c tests/devsim/host_kernel.c \
	kernel/console/klog.c lib/fmt.c
DEVSIM_HEADERS := $(wildcard tests/devsim/*.h kernel/dev/*.h) $(HOST_HEADERS)
E1000_HOSTED_SRCS := tests/devsim/test_e1000_hosted.c tests/devsim/test_e1000_tx.c \
	tests/devsim/test_e1000_lend.c \
	tests/devsim/test_e1000_hostile.c \
	tests/devsim/e1000_fixture.c tests/devsim/e1000_model.c net/e1000.c net/e1000_rxpool.c

$(BUILD)/host/hosted/test_e1000_hosted: tests/unit/test_main.c $(E1000_HOSTED_SRCS) \
		$(DEVSIM_SRCS) $(DEVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $(E1000_HOSTED_SRCS) $(DEVSIM_SRCS)

HOSTED_BINS += $(BUILD)/host/hosted/test_e1000_hosted

# test_vmxnet3_hosted  vmw/vmxnet3.c against the vmxnet3 register and ring
#                      model: activation, rx/tx byte-exact, offloads, link,
#                      INTx, and a hostile device (test_vmxnet3_hostile.c)
VMXNET3_HOSTED_SRCS := tests/devsim/test_vmxnet3_hosted.c tests/devsim/test_vmxnet3_hostile.c \
	tests/devsim/vmxnet3_model.c vmw/vmxnet3.c net/e1000_rxpool.c
$(BUILD)/host/hosted/test_vmxnet3_hosted: tests/unit/test_main.c $(VMXNET3_HOSTED_SRCS) \
		$(DEVSIM_SRCS) $(DEVSIM_HEADERS) vmw/vmxnet3_reg.h vmw/vmxnet3_test.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $(VMXNET3_HOSTED_SRCS) $(DEVSIM_SRCS)

HOSTED_BINS += $(BUILD)/host/hosted/test_vmxnet3_hosted

#   test_virtio_net    virtio/ (core, PCI transport, virtio-net) against the
#                      virtio-net model of tests/devsim/vnet_model.c,
#                      including a device that lies about used entries
VIRTIO_HOSTED_SRCS := tests/devsim/test_virtio_net.c tests/devsim/vnet_model.c \
	virtio/virtio.c virtio/virtqueue.c virtio/virtio_pci.c virtio/virtio_net.c
$(BUILD)/host/hosted/test_virtio_net: tests/unit/test_main.c $(VIRTIO_HOSTED_SRCS) \
		$(DEVSIM_SRCS) $(DEVSIM_HEADERS) $(wildcard virtio/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $(VIRTIO_HOSTED_SRCS) $(DEVSIM_SRCS)

HOSTED_BINS += $(BUILD)/host/hosted/test_virtio_net
