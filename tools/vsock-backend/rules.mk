# tools/vsock-backend/: the vhost-user-vsock backend with Firecracker's
# hybrid host protocol (a host program, for QEMU system tests and users).
VSOCK_BACKEND := $(BUILD)/tools/vsock-backend
all: $(VSOCK_BACKEND)
$(VSOCK_BACKEND): tools/vsock-backend/vsock-backend.c vsock/vsock_reg.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -I. -o $@ $<
# The Debian Linux guest the vsock-linux-* system cases check the backend
# with (downloads Debian packages; not part of `all`).
.PHONY: vsock-linux
vsock-linux:
	sh tools/vsock-backend/linux-guest.sh $(BUILD)
