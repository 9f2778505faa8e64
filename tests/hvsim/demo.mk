# `make hv-demo`: a narrated VMBus session against the host simulator, with
# trace=vmbus,ic on (tests/hvsim/demo.c; docs/hyperv.md quotes it). Built
# like test_vmbus: the real hv/ sources plus the simulator, under ASan and
# UBSan. HV_DEMO_ARGS=--host-version=4.0 plays an older host.
HV_DEMO := $(BUILD)/host/hv-demo

# rules.mk collects the simulator as every tests/hvsim/*.c but test_*.c, so
# it picked up demo.c (and its main()) too. Recipes expand late, so taking
# it out here fixes test_hvsim and test_vmbus as well.

$(HV_DEMO): tests/hvsim/demo.c $(HVSIM_SRCS) $(HV_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $(HVSIM_SRCS) $(HV_GUEST_SRCS)

.PHONY: hv-demo
hv-demo: $(HV_DEMO)
	@$(HV_DEMO) $(HV_DEMO_ARGS)

# Built by `make test` too, so the program the docs quote keeps compiling.
HOSTED_BINS += $(HV_DEMO)

# `make hv-demo-storvsc`: a disk found, read and written over VMBus with
# trace=storvsc on (tests/hvsim/demo_storvsc.c; docs/hyperv.md quotes it).
HV_DEMO_STORVSC := $(BUILD)/host/hv-demo-storvsc
# With the SCSI and block layers, so it needs blk/ (HV_BLK_SRCS, rules.mk).
$(HV_DEMO_STORVSC): tests/hvsim/demo_storvsc.c $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c $(HV_BLK_SRCS) \
		$(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c $(HV_BLK_SRCS)

.PHONY: hv-demo-storvsc
hv-demo-storvsc: $(HV_DEMO_STORVSC)
	@ASAN_OPTIONS=detect_leaks=0 $(HV_DEMO_STORVSC)

HOSTED_BINS += $(HV_DEMO_STORVSC)
