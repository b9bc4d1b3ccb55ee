"""Item pipelines, one job each, ordered with gaps (100, 200, 300 …) so steps can slot in."""
