// SPDX-License-Identifier: GPL-2.0
/*
 * locklab arm64 atomics: which path, LSE or LL/SC, lab_arm64_atomic_*() run.
 *
 * The kernel patches its own atomics once at boot (alternatives on the
 * ARM64_HAS_LSE_ATOMICS cpucap, which system_uses_lse_atomics() tests).
 * locklab follows that decision with a static key it sets once at module
 * load, so that the module parameter atomics=llsc can overrule it for
 * experiments (comparing the two paths on the same LSE machine). The
 * instructions and their ordering are described in
 * arch/arm64/locklab-atomic.h.
 *
 * Invariant: the key is only ever on when every CPU has the LSE atomics
 * (system_uses_lse_atomics() is true only then). Before
 * lab_arm64_atomics_init() it is off and LL/SC, which every ARMv8 CPU runs,
 * is used; the key is set before the device is registered, so before any
 * user can reach a lock. Both paths are atomic against each other, so even
 * a word used across the switch stays consistent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/lse.h>
#include <asm/sysreg.h>

#include <locklab/atomic.h>

DEFINE_STATIC_KEY_FALSE(lab_arm64_lse_key);

static char *lab_atomics_param = "auto";
module_param_named(atomics, lab_atomics_param, charp, 0444);
MODULE_PARM_DESC(atomics,
		 "arm64 atomics path: auto (LSE when the kernel uses it, the default) or llsc");

static bool lab_arm64_forced;

/**
 * lab_arm64_cpu_has_lse() - do all CPUs implement the ARMv8.1 LSE atomics?
 *
 * Reads the system-wide safe value of ID_AA64ISAR0_EL1 (the lowest level
 * any CPU reports), field Atomic: 0b0010 and up means LSE. This is what the
 * hardware offers, whatever the kernel was built to use.
 *
 * Return: true if an LSE instruction may run on any CPU.
 */
bool lab_arm64_cpu_has_lse(void)
{
	u64 isar0 = read_sanitised_ftr_reg(SYS_ID_AA64ISAR0_EL1);

	return cpuid_feature_extract_unsigned_field(isar0,
			ID_AA64ISAR0_EL1_ATOMIC_SHIFT) >=
	       ID_AA64ISAR0_EL1_ATOMIC_IMP;
}

/**
 * lab_arm64_llsc_forced() - was LL/SC forced with atomics=llsc?
 *
 * Return: true if lab_arm64_atomics_init() saw atomics=llsc.
 */
bool lab_arm64_llsc_forced(void)
{
	return lab_arm64_forced;
}

/**
 * lab_arm64_atomics_init() - pick the path lab_arm64_atomic_*() run
 *
 * Called once from module init, before the device is registered. LSE if
 * the kernel uses LSE atomics and atomics=llsc was not given, else LL/SC.
 * Reports the choice and why. Process context; may sleep (static key).
 *
 * Return: 0, or -EINVAL for an unknown atomics= value.
 */
int lab_arm64_atomics_init(void)
{
	bool cpu = lab_arm64_cpu_has_lse();
	bool kernel = system_uses_lse_atomics();

	if (!strcmp(lab_atomics_param, "llsc")) {
		lab_arm64_forced = true;
	} else if (!strcmp(lab_atomics_param, "auto")) {
		lab_arm64_forced = false;
	} else {
		pr_err("atomics=%s: expected auto or llsc\n", lab_atomics_param);
		return -EINVAL;
	}

	if (kernel && !lab_arm64_forced)
		static_branch_enable(&lab_arm64_lse_key);
	else
		static_branch_disable(&lab_arm64_lse_key);

	pr_info("arm64 atomics: %s (CPUs %s LSE, kernel %s it, atomics=%s)\n",
		lab_arm64_backend_name(), cpu ? "have" : "lack",
		kernel ? "uses" : "does not use", lab_atomics_param);
	return 0;
}
