# vsock/: virtio-vsock (the driver, the protocol engine) and AF_VSOCK.
# tests/unit/test_vsock_conn.c runs the engine on the host;
# tools/vsock-backend/ is the host side for QEMU (vhost-user).
KSRCS += vsock/vsock_conn.c vsock/virtio_vsock.c vsock/socket_vsock.c vsock/vsock_app.c
UNIT_TESTS += vsock_conn
unit_vsock_conn_SRCS := vsock/vsock_conn.c
UNIT_BINS += $(BUILD)/host/unit/test_vsock_conn
$(BUILD)/host/unit/test_vsock_conn: $(wildcard vsock/*.h)
include tools/vsock-backend/rules.mk
# libFuzzer over the engine (tests/fuzz/fuzz_vsock.c; FUZZCC/FUZZCFLAGS
# from tests/hvsim/rules.mk, run by tests/run.py and `make fuzz`-style).
VSOCK_FUZZ := $(BUILD)/fuzz/fuzz_vsock
$(VSOCK_FUZZ): tests/fuzz/fuzz_vsock.c vsock/vsock_conn.c $(wildcard vsock/*.h) net/socket.h
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -o $@ $< vsock/vsock_conn.c
HOSTED_BINS += $(VSOCK_FUZZ)
# Hosted: the driver (with virtio/'s core and PCI transport) against the
# device model tests/devsim/vsock_model.c.
VSOCK_HOSTED_SRCS := tests/devsim/test_virtio_vsock.c tests/devsim/vsock_model.c \
	virtio/virtio.c virtio/virtqueue.c virtio/virtio_pci.c vsock/virtio_vsock.c vsock/vsock_conn.c
# ($$ : tests/devsim/rules.mk, which defines DEVSIM_*, is included later.)
$(BUILD)/host/hosted/test_virtio_vsock: tests/unit/test_main.c $(VSOCK_HOSTED_SRCS) \
		$$(DEVSIM_SRCS) $$(DEVSIM_HEADERS) $(wildcard virtio/*.h vsock/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $(VSOCK_HOSTED_SRCS) $(DEVSIM_SRCS)
HOSTED_BINS += $(BUILD)/host/hosted/test_virtio_vsock
