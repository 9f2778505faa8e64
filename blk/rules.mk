# blk/: block devices (registry, requests), the SCSI layer (scan, disks,
# commands) that storvsc and pvscsi share.
KSRCS += blk/blk.c blk/scsi.c blk/scsi_cmd.c blk/ustar.c blk/blk_shell.c

UNIT_TESTS += blk scsi_cmd scsi
unit_blk_SRCS      := blk/blk.c lib/fmt.c
unit_scsi_cmd_SRCS := blk/scsi_cmd.c lib/fmt.c
unit_scsi_SRCS     := blk/scsi.c blk/scsi_cmd.c blk/blk.c lib/fmt.c
# The host test rule lists no blk/ headers.
$(BUILD)/host/unit/test_blk $(BUILD)/host/unit/test_scsi_cmd $(BUILD)/host/unit/test_scsi: \
	$(wildcard blk/*.h) tests/unit/blk_stubs.h
UNIT_TESTS += ustar
unit_ustar_SRCS := blk/ustar.c blk/blk.c lib/fmt.c
$(BUILD)/host/unit/test_ustar: $(wildcard blk/*.h) tests/unit/blk_stubs.h
# httpd GET /files/ (apps/httpd_files.c): the ustar archive, with the blk/ code it needs.
KSRCS += apps/httpd_files.c
