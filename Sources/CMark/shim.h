#ifndef MUTUALS_CMARK_SHIM_H
#define MUTUALS_CMARK_SHIM_H
#include <cmark.h>
#endif
