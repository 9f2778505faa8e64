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
