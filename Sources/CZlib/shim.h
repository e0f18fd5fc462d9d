#ifndef MUTUALS_CZLIB_SHIM_H
#define MUTUALS_CZLIB_SHIM_H
#include <zlib.h>
#endif
