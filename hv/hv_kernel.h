/* Boot hook for hv/: on Hyper-V, SynIC + VMBus + drivers; else nothing. */
#pragma once
void hv_kernel_init(void);
