-- Named leases shared by the replicas of one database (internal/lease): a
-- holder owns a name until lease_until; an expired lease may be taken by
-- anyone. Periodic duties (event retention, the full provisioning reconcile)
-- use them to run once across all replicas. Times are BIGINT microseconds
-- since the Unix epoch (UTC).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL
);
