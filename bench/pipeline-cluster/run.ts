// The pipeline benchmark on a Redis Cluster of three masters: bench/pipeline/run.ts --cluster
// (TEST_REDIS_CLUSTER_NODES, as .ci/run starts it, or a cluster started for the run).
process.argv.push('--cluster');
await import('../pipeline/run.ts');
export {};
