# tools/: host programs used by the build.
$(BUILD)/tools/mkfont: tools/mkfont.c
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<
