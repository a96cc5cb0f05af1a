"""Many requests: BatchRunner and its pool, pacing and rate learning, the permit ledger,
checkpoints, the id set and the Classifier."""
