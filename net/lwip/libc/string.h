/* The <string.h> lwIP sees: the kernel's lib/string.h. */
#pragma once
#include "lib/string.h"
