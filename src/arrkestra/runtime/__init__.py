"""The imperative shell: composition root, worker, scheduler, health, logging."""
