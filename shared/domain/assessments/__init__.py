"""Writing new assessments, whoever sends them (the API's batch, a council's file imported by the worker): the
checks each must pass, with the API's field names and reasons, and the set-based write of those that pass."""
