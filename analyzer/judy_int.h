/*
 * judy_int.h: the one way library code includes <Judy.h>. Judy's default
 * error handler prints and exits. Here:
 * - the ib_j* wrappers below call Judy with an error record and give one
 *   result to check: NULL, or a negative enum ib_status: IB_ERR_NOMEM
 *   when Judy ran out of memory, IB_ERR_INTERNAL for a corrupt array or a
 *   bad argument (a bug);
 * - a Judy macro (JLI, J1S, ...) records the same status in a local
 *   `int judy_rc` that its caller declares, and never exits.
 * Include this header instead of <Judy.h>, never after it.
 */
#ifndef IMAPBLAST_JUDY_INT_H
#define IMAPBLAST_JUDY_INT_H

#ifdef _JUDY_INCLUDED
#error "judy_int.h must come before any other inclusion of <Judy.h>"
#endif

#include "imapblast/common.h"

/* A Judy error number as a negative enum ib_status. */
#define IB_JUDY_STATUS(JudyErrno) ((JudyErrno) == JU_ERRNO_NOMEM ? IB_ERR_NOMEM : IB_ERR_INTERNAL)
#define JUDYERROR(CallerFile, CallerLine, JudyFunc, JudyErrno, JudyErrID)                                    \
	(judy_rc = IB_JUDY_STATUS(JudyErrno))
#include <Judy.h>

/* Judy1: 1 when the bit was newly set, 0 when it was set already, or a negative enum ib_status. */
static inline int ib_j1_set(Pvoid_t *arr, Word_t key)
{
	JError_t je;
	int rc = Judy1Set(arr, key, &je);

	return rc == JERR ? IB_JUDY_STATUS(JU_ERRNO(&je)) : rc;
}

/* Judy1: 1 when the bit is set (a corrupt array reads as unset). */
static inline int ib_j1_test(Pcvoid_t arr, Word_t key)
{
	return Judy1Test(arr, key, PJE0) == 1;
}

/*
 * Lookups: the value slot of the key, or NULL when absent. A lookup
 * fails only on a corrupt array; that reads as absent too.
 */
static inline PWord_t ib_jl_get(Pcvoid_t arr, Word_t key)
{
	PWord_t pv = (PWord_t)JudyLGet(arr, key, PJE0);

	return pv == PJERR ? NULL : pv;
}

static inline PWord_t ib_jsl_get(Pcvoid_t arr, const char *key)
{
	PWord_t pv = (PWord_t)JudySLGet(arr, (const uint8_t *)key, PJE0);

	return pv == PJERR ? NULL : pv;
}

static inline PWord_t ib_jhs_get(Pcvoid_t arr, const void *key, size_t len)
{
	PWord_t pv = (PWord_t)JudyHSGet(arr, (void *)(uintptr_t)key, (Word_t)len);

	return pv == PJERR ? NULL : pv;
}

/*
 * Inserts: the value slot of the key, created (holding 0) when absent.
 * NULL on failure, with *rc set to IB_ERR_NOMEM or IB_ERR_INTERNAL.
 */
static inline PWord_t ib_jins_done(PWord_t pv, const JError_t *je, int *rc)
{
	if (pv == NULL || pv == PJERR) {
		*rc = pv ? IB_JUDY_STATUS(JU_ERRNO(je)) : IB_ERR_NOMEM;
		return NULL;
	}
	return pv;
}

static inline PWord_t ib_jl_ins(Pvoid_t *arr, Word_t key, int *rc)
{
	JError_t je;

	return ib_jins_done((PWord_t)JudyLIns(arr, key, &je), &je, rc);
}

static inline PWord_t ib_jsl_ins(Pvoid_t *arr, const char *key, int *rc)
{
	JError_t je;

	return ib_jins_done((PWord_t)JudySLIns(arr, (const uint8_t *)key, &je), &je, rc);
}

static inline PWord_t ib_jhs_ins(Pvoid_t *arr, const void *key, size_t len, int *rc)
{
	JError_t je;

	return ib_jins_done((PWord_t)JudyHSIns(arr, (void *)(uintptr_t)key, (Word_t)len, &je), &je, rc);
}

/* Deletes: IB_OK (also when absent), or a negative enum ib_status. */
static inline int ib_jl_del(Pvoid_t *arr, Word_t key)
{
	JError_t je;

	return JudyLDel(arr, key, &je) == JERR ? IB_JUDY_STATUS(JU_ERRNO(&je)) : IB_OK;
}

static inline int ib_jhs_del(Pvoid_t *arr, const void *key, size_t len)
{
	JError_t je;

	return JudyHSDel(arr, (void *)(uintptr_t)key, (Word_t)len, &je) == JERR
		   ? IB_JUDY_STATUS(JU_ERRNO(&je))
		   : IB_OK;
}

/*
 * Frees: the array is NULL afterwards. Freeing fails only on a corrupt
 * array, and a free has no caller to tell: the result is dropped here.
 */
static inline void ib_jl_free(Pvoid_t *arr)
{
	(void)JudyLFreeArray(arr, PJE0);
	*arr = NULL;
}

static inline void ib_jsl_free(Pvoid_t *arr)
{
	(void)JudySLFreeArray(arr, PJE0);
	*arr = NULL;
}

static inline void ib_jhs_free(Pvoid_t *arr)
{
	(void)JudyHSFreeArray(arr, PJE0);
	*arr = NULL;
}

#endif
