/**
 * The vmlinux-like fixture of the revision history tests: built by
 * scripts/lib/kern-fixture.mjs, which the differential fuzzer
 * (scripts/fuzz-differential.mjs) shares.
 */
export { buildKern, KERN_C, KERN_LDS } from '../../scripts/lib/kern-fixture.mjs';
