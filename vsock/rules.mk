# vsock/: virtio-vsock (the driver, the protocol engine) and AF_VSOCK.
# tests/unit/test_vsock_conn.c runs the engine on the host;
# tools/vsock-backend/ is the host side for QEMU (vhost-user).
KSRCS += vsock/vsock_conn.c vsock/virtio_vsock.c vsock/socket_vsock.c vsock/vsock_app.c
UNIT_TESTS += vsock_conn
unit_vsock_conn_SRCS := vsock/vsock_conn.c
UNIT_BINS += $(BUILD)/host/unit/test_vsock_conn
$(BUILD)/host/unit/test_vsock_conn: $(wildcard vsock/*.h)
include tools/vsock-backend/rules.mk
