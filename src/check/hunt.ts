/**
 * The search engines moved to src/search/ (issue 12: one home per strategy): random.ts
 * (uniform, priority, mixed: fuzzCampaign, distinctFailures), fastcheck.ts, guided.ts,
 * behind scheduler.ts; the shrink stages to src/minimize/tape.ts. Re-exported here for
 * the callers that import them from this path.
 */
export { SHRINK_BUDGET, consumedTape, shrinkScenario, shrinkTape, simplifyConfig } from '../minimize/tape.ts';
export type { CampaignSlice, Failure, FuzzProgress, RawFailure } from '../search/scheduler.ts';
export { type DistinctFailure, distinctFailures, fuzzCampaign, maskDetail } from '../search/random.ts';
export { huntWithFastCheck } from '../search/fastcheck.ts';
