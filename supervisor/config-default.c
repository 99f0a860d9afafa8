/* placeholder: the inih-based loader is being written now. */
#include "supervisor/config.h"
