# vmw/: VMware's virtual devices. pvscsi: the paravirtual SCSI adapter (a
# host for blk/scsi.c).
KSRCS += vmw/pvscsi.c

# Hosted: vmw/pvscsi.c, blk/scsi.c and blk/blk.c against the register-level
# model of tests/devsim/pvscsi_model.c (DEVSIM_* come from tests/devsim/rules.mk).
HOSTED_TESTS += pvscsi_hosted
PVSCSI_HOSTED_SRCS := tests/devsim/test_pvscsi_hosted.c tests/devsim/pvscsi_model.c vmw/pvscsi.c \
	blk/scsi.c blk/scsi_cmd.c blk/blk.c
$(BUILD)/host/hosted/test_pvscsi_hosted: tests/unit/test_main.c $(PVSCSI_HOSTED_SRCS) \
		$$(DEVSIM_SRCS) $$(DEVSIM_HEADERS) $(wildcard vmw/*.h blk/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $(PVSCSI_HOSTED_SRCS) $(DEVSIM_SRCS)
