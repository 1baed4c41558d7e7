"""RQ jobs: module-level functions that take ids, enqueued by dotted path."""
